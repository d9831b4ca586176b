# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""The errors users see: each one a single line that says what went wrong and what to do.

No message built here may hold a password, a token or the request body: callers pass
only what the platform or the transport said, never the credentials. Masking the secrets
a server may echo is ``_masking.py``'s: only a message on its way to the user needs it.
"""

from __future__ import annotations

import re
from functools import cache


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


# Characters no message may carry to a terminal or a log: C0/C1 controls other than whitespace
# (ESC starts terminal sequences, BEL, CR rewrites the line...), bidirectional controls and other
# invisible format characters (Unicode category Cf) that can make text read as something else,
# and lone surrogates (they cannot even be printed). Whitespace controls are folded instead.
_UNSAFE_CHARS = (
    "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"  # C0 and C1 controls that are not whitespace
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    "\ud800-\udfff"
)
UNSAFE = f"[{_UNSAFE_CHARS}]"  # one of them
REPLACEMENT = "\ufffd"  # visible, and unlike dropping never joins the text around it into new words
ELLIPSIS = "…"  # where one_line cut a message


def one_line(text: str, limit: int = 500) -> str:
    """One line safe for any terminal: controls and invisible format characters replaced, whitespace folded, length capped.

    Every ``WebcomError`` passes through here, so text from the server (error elements,
    headers, excerpts) never carries terminal escapes or bidirectional overrides.
    """
    folded = " ".join(regex(UNSAFE).sub(REPLACEMENT, str(text)).split())
    return folded if len(folded) <= limit else folded[: limit - 1] + ELLIPSIS


def named(plugin: str, error: WebcomError) -> str:
    """The error's line, starting with the plugin's name once (option errors already carry it)."""
    return error.message if error.message.startswith(plugin) else f"{plugin}: {error.message}"


@cache
def regex(pattern: str) -> re.Pattern[str]:
    # Compiled on first use, not at import: every forked worker imports this module.
    return re.compile(pattern)
