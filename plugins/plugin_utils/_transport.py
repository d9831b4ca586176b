# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""One POST of a request document, bounded in time and size whatever the server does.

Built on the standard library's ``http.client`` and a watchdog, not on ``requests``: a try's
``timeout`` must bound the whole exchange (connect, send, status line, headers, body), and
only owning the socket lets us cut a server that dribbles bytes or streams ``100 Continue``
for ever. Owning the exchange also means nothing is decompressed (we ask for ``identity``
and refuse anything else), no redirect is followed (credentials never go where nobody sent
them), no ``~/.netrc`` is read, and every malformed answer is one clear line.

Retried: connection failures, timeouts, HTTP 429/502/503/504 (honouring Retry-After, never
below our own backoff). Never retried: an answer that is not HTTP, or anything the platform
answered with a body we could judge.
"""

from __future__ import annotations

import email.utils
import functools
import http.client
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import ResponseFormatError, TransportError, one_line
from ansible_collections.webcom.mobi.plugins.plugin_utils._limits import MAX_BODY_BYTES, body_too_large
from ansible_collections.webcom.mobi.plugins.plugin_utils._masking import redact
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._pacing import wait_before_retry
from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
COLLECTION_VERSION = "1.0.0"  # galaxy.yml's; a test keeps them equal
USER_AGENT = f"webcom.mobi-ansible/{COLLECTION_VERSION}"
READ_CHUNK_BYTES = 64 * 1024
_TAGS = re.compile(r"<[^>]*>")
_HEADERS = {
    "Content-Type": "text/xml; charset=utf-8",
    "User-Agent": USER_AGENT,
    "Accept-Encoding": "identity",  # never a compressed body: nothing to inflate, nothing to bomb us with
    "Connection": "close",
}
_DELAY_SECONDS = re.compile(r"[0-9]{1,9}", re.ASCII)


class Reply(Record):
    __slots__ = ("status", "reason", "body", "retry_after_s")
    DEFAULTS = {"retry_after_s": None}
    status: int
    reason: str
    body: bytes
    retry_after_s: float | None


class _Transient(Exception):
    """A try failed in a way another try may not: the text says how."""


class _NotSent(Exception):
    """Making the request failed, after connecting and before sending: raised as it is, not as a network error."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()  # no copy of the error's text: it stays where it is
        self.error = error


def post_document(
    settings: ConnectionSettings,
    endpoint: str,
    document: bytes | Callable[[], bytes],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Reply:
    """POST a request document to the endpoint; return the first non-transient reply (any status).

    ``document`` may be a function that makes it: it is called once, when the first connection
    is up, so what making it takes overlaps the connection's round trips. Making it is ours, not
    the network's: its time does not count against a try's timeout, and what it raises is raised
    as it is, before any network failure (a try that fails before the document is made makes it
    then), never retried.
    """
    body: Callable[[], bytes] = functools.cache(document) if callable(document) else lambda: document

    started = time.monotonic()
    tries = 0
    while True:
        tries += 1
        try:
            reply = _try_once(settings, endpoint, body)
        except _Transient as failure:
            body()  # a failure of ours (a broken library) comes first, and is not retried
            said, wait = str(failure), None
        except TransportError:
            body()
            raise
        else:
            if reply.status not in TRANSIENT_STATUSES:
                return reply
            said, wait = f"HTTP {reply.status} {reply.reason}".rstrip(), reply.retry_after_s
        if tries > settings.retries:
            elapsed = time.monotonic() - started
            raise TransportError(
                f"{said} from {endpoint} after {tries} {'try' if tries == 1 else 'tries'} in "
                f"{elapsed:.1f} s; check api_url, proxy and network, or raise timeout/retries"
            )
        sleep(wait_before_retry(tries, wait))


def excerpt(body: bytes, secrets: tuple[str, ...], limit: int = 120) -> str:
    """A short, single-line, tag-free piece of a body for an error message, secrets masked.

    Masking comes first, on the text as sent: stripping tags or cutting it first could split an
    echoed secret into pieces no mask recognises. A cut body ends in an ellipsis, so a secret's
    start left at the cut is masked too; one_line then removes controls and folds the rest.
    """
    window = body[: limit * 8]
    text = window.decode("utf-8", errors="replace") + ("…" if len(window) < len(body) else "")
    return one_line(_TAGS.sub(" ", redact(text, secrets)), limit)


def _try_once(settings: ConnectionSettings, endpoint: str, body: Callable[[], bytes]) -> Reply:
    """One whole exchange, cut by a watchdog when ``settings.timeout`` runs out."""
    target = urlsplit(endpoint)
    connection, path, proxy_headers = _connection(settings, target)
    watchdog = _Watchdog(connection, settings.timeout)
    try:
        connection.connect()
        if watchdog.fired:  # it fired before there was a socket to cut
            raise TimeoutError
        with watchdog.paused():  # making the request is ours, not the network's time
            try:
                document = body()
            except BaseException as exc:
                raise _NotSent(exc) from None
        connection.request("POST", path, body=document, headers={**_HEADERS, **proxy_headers})
        response = connection.getresponse()
        reply = _reply(endpoint, response)
        if watchdog.fired:  # the cut ended the body early: what was read is not the answer
            raise TimeoutError
        return reply
    except _NotSent as failure:
        raise failure.error from None  # ours, making the request: not the network's
    except TimeoutError:
        raise _Transient(_timed_out(settings)) from None
    except ssl.SSLCertVerificationError as exc:
        raise _tls_failure(endpoint, exc.verify_message or exc.reason or "certificate verify failed") from None
    except ssl.SSLError as exc:
        if watchdog.fired:
            raise _Transient(_timed_out(settings)) from None
        raise _tls_failure(endpoint, (exc.reason or "handshake failed").lower().replace("_", " ")) from None
    except (http.client.HTTPException, ValueError, OSError) as exc:
        if watchdog.fired:
            raise _Transient(_timed_out(settings)) from None
        raise _failure_of(endpoint, exc) from None
    finally:
        watchdog.cancel()
        connection.close()


class _Watchdog:
    """Shuts the connection's socket when the try's time is up, wherever the exchange stands.

    A blocked read then returns at once; the caller sees ``fired`` and reports a timeout.
    """

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.fired = False
        self._connection = connection
        self._left_s = seconds
        self._arm()

    def _arm(self) -> None:
        self._armed_at = time.monotonic()
        self._timer = threading.Timer(max(0.0, self._left_s), self._cut)
        self._timer.daemon = True
        self._timer.start()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Our own work within a try does not use up its time: the watchdog resumes with what was left."""
        self._timer.cancel()
        self._left_s -= time.monotonic() - self._armed_at
        try:
            yield
        finally:
            if not self.fired:
                self._arm()

    def _cut(self) -> None:
        self.fired = True
        sock = self._connection.sock
        if sock is not None:
            try:
                # The plain socket's shutdown, also for TLS: it wakes the reader without touching SSL state.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _connection(settings: ConnectionSettings, target) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    """The connection for this target (direct or through a proxy), the request's path form, proxy headers."""
    host, port = target.hostname, target.port
    path = target.path or "/"
    proxy = _proxy_for(settings, target)
    tls = target.scheme == "https"
    if proxy is None:
        if tls:
            return http.client.HTTPSConnection(host, port, timeout=settings.timeout, context=_tls_context(settings)), path, {}
        return http.client.HTTPConnection(host, port, timeout=settings.timeout), path, {}
    proxy_parts = urlsplit(proxy)
    if tls:  # a CONNECT tunnel through the proxy, TLS end to end
        connection = http.client.HTTPSConnection(
            proxy_parts.hostname, proxy_parts.port or 3128, timeout=settings.timeout, context=_tls_context(settings)
        )
        connection.set_tunnel(host, port or 443, headers=_proxy_authorization(proxy_parts))
        return connection, path, {}
    connection = http.client.HTTPConnection(proxy_parts.hostname, proxy_parts.port or 3128, timeout=settings.timeout)
    return connection, target.geturl(), _proxy_authorization(proxy_parts)


def _proxy_for(settings: ConnectionSettings, target) -> str | None:
    if settings.proxy:
        return settings.proxy
    import urllib.request  # the environment's proxies, honouring no_proxy; only on the fetch path

    if urllib.request.proxy_bypass_environment(target.hostname or ""):
        return None
    proxy = urllib.request.getproxies_environment().get(target.scheme)
    if not proxy:
        return None
    if "://" not in proxy:
        proxy = "http://" + proxy
    if urlsplit(proxy).scheme != "http":
        raise TransportError("the environment's proxy must be an http:// URL (such as http://proxy.example:3128)")
    return proxy


def _proxy_authorization(proxy_parts) -> dict[str, str]:
    if proxy_parts.username is None:
        return {}
    import base64

    pair = f"{unquote(proxy_parts.username)}:{unquote(proxy_parts.password or '')}"
    return {"Proxy-Authorization": "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")}


def _tls_context(settings: ConnectionSettings) -> ssl.SSLContext:
    if not settings.validate_certs:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    bundle = settings.ca_path or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or _certifi_bundle()
    try:
        return ssl.create_default_context(cafile=bundle)
    except (OSError, ssl.SSLError):
        raise TransportError(
            f"the CA bundle {bundle} cannot be read as PEM certificates; check ca_path "
            "(or REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE)"
        ) from None


def _certifi_bundle() -> str | None:
    """The bundle requests would use, where certifi is installed; else the system's."""
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


def _reply(endpoint: str, response: http.client.HTTPResponse) -> Reply:
    if 300 <= response.status < 400:
        location = response.getheader("Location") or "somewhere"
        raise TransportError(
            f"HTTP {response.status}: {endpoint} redirects to {one_line(location, 200)}; set api_url to "
            "the new location (redirects are not followed, so credentials never go where nobody sent them)"
        )
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise ResponseFormatError(
            f"the server sent a compressed response (Content-Encoding: {one_line(encoding, 40)}) although it was "
            "asked not to; refused unread, so no body can inflate past the size limit"
        )
    declared = response.getheader("Content-Length")
    if declared and declared.strip().isascii() and declared.strip().isdigit() and int(declared) > MAX_BODY_BYTES:
        raise body_too_large()
    chunks, size = [], 0
    while True:
        chunk = response.read(READ_CHUNK_BYTES)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise body_too_large()
        chunks.append(chunk)
    if response.length:  # the server closed before the Content-Length it declared
        raise http.client.IncompleteRead(b"".join(chunks), response.length)
    retry_after = _retry_after_s(response.getheader("Retry-After")) if response.status in TRANSIENT_STATUSES else None
    return Reply(response.status, one_line(response.reason or "", 80), b"".join(chunks), retry_after)


def _retry_after_s(header: str | None) -> float | None:
    """Seconds from a Retry-After header (ASCII delay-seconds or an HTTP date); None when unreadable."""
    if not header:
        return None
    value = header.strip()
    if _DELAY_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    return max(0.0, when - time.time())


def _timed_out(settings: ConnectionSettings) -> str:
    return f"timeout: no complete answer within {settings.timeout:g} s"


def _tls_failure(endpoint: str, reason: str) -> TransportError:
    reason = one_line(reason, 160)
    if "certificate" in reason and not reason.startswith("certificate verify failed"):
        reason = f"certificate verify failed: {reason}"
    return TransportError(
        f"TLS failure talking to {endpoint}: {reason}; set ca_path to the CA bundle "
        "that signed the server's certificate (validate_certs: false only for tests)"
    )


def _failure_of(endpoint: str, exc: BaseException) -> Exception:
    """What went wrong with the connection, in words: transient ones to retry, the rest final."""
    if isinstance(exc, http.client.IncompleteRead) and _caused_by_value_error(exc):
        exc = ValueError()  # http.client's word for a chunk size that is not a number
    if isinstance(exc, (http.client.RemoteDisconnected, http.client.IncompleteRead, ConnectionResetError, BrokenPipeError)):
        return _Transient("cannot connect: the server closed the connection before the whole answer arrived")
    if isinstance(exc, UnicodeError):  # a host name IDNA cannot encode
        return TransportError(f"cannot connect to {endpoint}: the host name is not valid; check api_url")
    if isinstance(exc, (http.client.HTTPException, ValueError)):
        return TransportError(
            f"the answer from {endpoint} is not valid HTTP ({_malformed_detail(exc)}); check that api_url "
            "(and any proxy in between) is the platform's XML interface; not retried"
        )
    if isinstance(exc, ConnectionRefusedError):
        return _Transient("cannot connect: connection refused")
    if isinstance(exc, socket.gaierror):
        return _Transient("cannot connect: host name not found")
    text = str(exc)
    if "Tunnel connection failed" in text:
        return _Transient("cannot connect: the proxy refused or failed")
    if isinstance(exc, OSError) and exc.errno in (101, 113):  # ENETUNREACH, EHOSTUNREACH
        return _Transient("cannot connect: network unreachable")
    return _Transient(f"cannot connect: {one_line(exc.strerror or type(exc).__name__, 80) if isinstance(exc, OSError) else 'connection failed'}")


def _caused_by_value_error(exc: BaseException) -> bool:
    seen = exc.__cause__ or exc.__context__
    while seen is not None and not isinstance(seen, ValueError):
        seen = seen.__cause__ or seen.__context__
    return seen is not None


def _malformed_detail(exc: BaseException) -> str:
    if isinstance(exc, http.client.LineTooLong):
        return "a header or status line is too long"
    if isinstance(exc, http.client.BadStatusLine):
        return "no HTTP status line"
    if isinstance(exc, ValueError):
        return "broken chunked encoding"
    if "headers" in str(exc):
        return "too many headers"
    return one_line(type(exc).__name__, 60)
