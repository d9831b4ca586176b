# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""One POST of the balance request, with bounded retries for transient failures only.

Retried: connection errors, timeouts, HTTP 429/502/503/504 (honouring Retry-After).
Never retried: anything the platform answered with a body we could judge.
Redirects are not followed (a POST turned into a GET loses the body, and credentials
must not travel to a host nobody configured); ~/.netrc is never consulted.
"""

from __future__ import annotations

import email.utils
import os
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from ansible_collections.webcom.mobi.plugins.plugin_utils._codec import MAX_BODY_BYTES, body_too_large
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import (
    MissingDependencyError,
    TransportError,
    one_line,
    redact,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import COLLECTION_VERSION, ConnectionSettings

try:
    import requests
except ImportError:
    requests = None

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 60.0
USER_AGENT = f"webcom.mobi-ansible/{COLLECTION_VERSION}"
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Reply:
    status: int
    reason: str
    body: bytes
    retry_after_s: float | None = None


def post_balance_request(
    settings: ConnectionSettings, document: bytes, *, sleep: Callable[[float], None] = time.sleep
) -> Reply:
    """POST the request document; return the first non-transient reply (any status)."""
    if requests is None:
        raise MissingDependencyError(
            "webcom.mobi needs the Python library requests on the Ansible controller: install it with "
            "'python3 -m pip install requests' for the Python that runs ansible"
        )
    started = time.monotonic()
    tries = 0
    with requests.Session() as session:
        session.trust_env = False  # proxies and CA bundle are resolved below; no ~/.netrc credentials
        while True:
            tries += 1
            try:
                reply = _post_once(session, settings, document)
            except requests.exceptions.Timeout:
                failure = f"timeout: no answer within {settings.timeout:g} s"
                wait = None
            except requests.exceptions.SSLError as exc:
                raise TransportError(
                    f"TLS failure talking to {settings.endpoint}: {_tls_reason(exc)}; set ca_path to the CA bundle "
                    "that signed the server's certificate (validate_certs: false only for tests)"
                ) from None
            except requests.exceptions.ConnectionError as exc:
                failure = f"cannot connect: {_connection_reason(exc)}"
                wait = None
            else:
                if reply.status not in TRANSIENT_STATUSES:
                    return reply
                failure = f"HTTP {reply.status} {reply.reason}".rstrip()
                wait = reply.retry_after_s
            if tries > settings.retries:
                elapsed = time.monotonic() - started
                raise TransportError(
                    f"{failure} from {settings.endpoint} after {tries} {'try' if tries == 1 else 'tries'} in "
                    f"{elapsed:.1f} s; check api_url, proxy and network, or raise timeout/retries"
                )
            sleep(wait if wait is not None else min(BACKOFF_FIRST_S * 2 ** (tries - 1), BACKOFF_MAX_S))


def excerpt(body: bytes, secrets: tuple[str, ...], limit: int = 120) -> str:
    """A short, single-line, tag-free piece of a body for an error message, secrets masked.

    Masking comes first, on the text as sent: stripping tags or cutting it first could split an
    echoed secret into pieces no mask recognises. A cut body ends in an ellipsis, so a secret's
    start left at the cut is masked too; one_line then removes controls and folds the rest.
    """
    window = body[: limit * 8]
    text = window.decode("utf-8", errors="replace") + ("…" if len(window) < len(body) else "")
    return one_line(_TAGS.sub(" ", redact(text, secrets)), limit)


def _post_once(session, settings: ConnectionSettings, document: bytes) -> Reply:
    with warnings.catch_warnings():
        # validate_certs: false is the user's explicit choice; urllib3's per-request warning adds nothing.
        warnings.simplefilter("ignore")
        response = session.post(
            settings.endpoint,
            data=document,
            headers={"Content-Type": "text/xml; charset=utf-8", "User-Agent": USER_AGENT},
            timeout=settings.timeout,
            verify=_verify(settings),
            proxies=_proxies(settings),
            allow_redirects=False,
            stream=True,
        )
    with response:
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location", "somewhere")
            raise TransportError(
                f"HTTP {response.status_code}: {settings.endpoint} redirects to {location[:200]}; set api_url to "
                "the new location (redirects are not followed, so credentials never go where nobody sent them)"
            )
        return Reply(
            response.status_code,
            response.reason or "",
            _read_capped(response),
            _retry_after_s(response.headers.get("Retry-After")),
        )


def _read_capped(response) -> bytes:
    chunks = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise body_too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _verify(settings: ConnectionSettings) -> bool | str:
    if not settings.validate_certs:
        return False
    return settings.ca_path or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def _proxies(settings: ConnectionSettings) -> dict[str, str]:
    if settings.proxy:
        return {"http": settings.proxy, "https": settings.proxy}
    return requests.utils.get_environ_proxies(settings.endpoint)  # honours no_proxy


def _retry_after_s(header: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date), capped."""
    if not header:
        return None
    value = header.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_MAX_S)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when - time.time(), RETRY_AFTER_MAX_S))


def _tls_reason(exc: Exception) -> str:
    text = str(exc)
    match = re.search(r"certificate verify failed: ([^()\]'\"]+)", text)
    if match:
        return "certificate verify failed: " + match.group(1).strip()
    match = re.search(r"\[SSL: ([A-Z_]+)\]", text)
    return one_line(match.group(1).lower().replace("_", " ") if match else "TLS handshake failed", 160)


def _connection_reason(exc: Exception) -> str:
    text = str(exc)
    for pattern, reason in (
        (r"Connection refused", "connection refused"),
        (r"Name or service not known|nodename nor servname|getaddrinfo failed|Failed to resolve", "host name not found"),
        (r"Network is unreachable", "network unreachable"),
        (r"RemoteDisconnected|Connection aborted|Connection reset", "the server closed the connection"),
        (r"ProxyError|Unable to connect to proxy", "the proxy refused or failed"),
    ):
        if re.search(pattern, text):
            return reason
    return "connection failed"
