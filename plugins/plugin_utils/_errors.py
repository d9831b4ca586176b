# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""The errors users see: each one a single line that says what went wrong and what to do.

No message built here may hold a password, a token or the request body: callers pass
only what the platform or the transport said, never the credentials.
"""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus


class WebcomError(Exception):
    """Base of every error the collection raises on purpose; ``str()`` is the user's line."""

    transient = False

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))

    @property
    def message(self) -> str:
        return str(self.args[0])


class MissingDependencyError(WebcomError):
    """A controller-side Python library is not installed."""


class CredentialsError(WebcomError):
    """The credentials given cannot form a request (wrong combination, unusable characters)."""


class ResponseFormatError(WebcomError):
    """The body is not a balance document: not XML, HTML, hostile, or invalid against the schema."""


class ResponseTooLargeError(ResponseFormatError):
    """The body is over the size cap; nothing past the cap was read."""


class PlatformError(WebcomError):
    """The platform answered with its own ``<error>`` text.

    ``kind`` is one of ``auth``, ``format``, ``missing_post``, ``locked`` or ``unknown``;
    ``text`` keeps the platform's words as sent (trimmed).
    """

    def __init__(self, message: str, *, kind: str, text: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.text = text


class TransportError(WebcomError):
    """The platform could not be reached or did not answer usefully (after retries where allowed)."""


class HTTPStatusError(TransportError):
    """The platform answered with an HTTP error status and no balance document we could judge."""


MASK = "********"


def redact(text: str, secrets: tuple[str, ...] | list[str]) -> str:
    """Mask every secret in a message, also as a server may have echoed it: XML-, JSON- or URL-encoded.

    Longest first, so no secret is left half-masked by a shorter one inside it.
    """
    forms = {form for secret in secrets if secret for form in _encoded_forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def _encoded_forms(secret: str) -> set[str]:
    return {
        secret,
        _xml_escaped(secret, apostrophe="&apos;"),
        _xml_escaped(secret, apostrophe="'"),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret),
    }


def _xml_escaped(text: str, *, apostrophe: str) -> str:
    # xml.sax.saxutils.escape would do, but importing it pulls in urllib.request and ssl: a
    # tenth of a second in every forked worker, on the cache-hit path too.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", apostrophe)


def one_line(text: str, limit: int = 500) -> str:
    """Fold any whitespace run (line breaks included) to one space and cap the length."""
    folded = " ".join(str(text).split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"
