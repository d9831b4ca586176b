# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""The connection options every plugin takes, and the settings they resolve to.

The option text lives once in ``plugins/doc_fragments/connection.py``; a unit test
renders the modules' docs and compares them with the argument specs below.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from ansible_collections.webcom.mobi.plugins.plugin_utils._credentials import Credentials
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError
from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record

DEFAULT_API_URL = "http://lk.mysmpp.ru/xml"
MAX_RETRIES = 20
PLAIN_HTTP_WARNING = (
    "webcom.mobi: api_url uses plain http://, so the password or token crosses the network unencrypted; "
    "use an https:// api_url where the platform host serves one (e.g. https://my3.webcom.mobi/xml)"
)
_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class OptionsError(WebcomError):
    """The options given cannot work together; nothing was sent."""


class ConnectionSettings(Record):
    __slots__ = ("api_url", "credentials", "validate_certs", "ca_path", "proxy", "timeout", "retries", "cache_ttl")
    api_url: str
    credentials: Credentials
    validate_certs: bool
    ca_path: str | None
    proxy: str | None
    timeout: float
    retries: int
    cache_ttl: int

    def endpoint(self, path: str) -> str:
        """The URL of one of the platform's documents, e.g. ``balance.php``, under ``api_url``."""
        return self.api_url.rstrip("/") + "/" + path

    @property
    def plain_http(self) -> bool:
        return urlsplit(self.api_url).scheme == "http"

    @property
    def secrets(self) -> tuple[str, ...]:
        proxy_password = unquote(urlsplit(self.proxy).password or "") if self.proxy else ""
        return self.credentials.secrets + ((proxy_password,) if proxy_password else ())

    def __repr__(self) -> str:
        # Never let a debugger, a log line or a traceback print the secrets.
        return f"ConnectionSettings(api_url={self.api_url!r}, credentials={self.credentials!r})"


def connection_settings(options: dict[str, Any]) -> ConnectionSettings:
    """Check what the argument spec cannot (ranges, URLs), and freeze the settings.

    ``options`` come from the resolver, typed and with ``credentials`` already made; callers
    that give ``login``/``password``/``token`` instead get them made here. Every value is
    checked again because these settings decide where credentials go and how long a task may take.
    """
    if any(name not in options for name in ConnectionSettings.FIELDS if name != "credentials"):
        from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import CONNECTION_OPTIONS  # imports us

        options = {**{name: option.default for name, option in CONNECTION_OPTIONS.items()}, **options}
    credentials = options.get("credentials") or Credentials.of(
        login=options.get("login"), password=options.get("password"), token=options.get("token")
    )
    timeout = _number("timeout", options["timeout"], float)
    retries = _number("retries", options["retries"], int)
    cache_ttl = _number("cache_ttl", options["cache_ttl"], int)
    if timeout <= 0:
        raise OptionsError(f"timeout must be a positive number of seconds, got {timeout:g}")
    if not 0 <= retries <= MAX_RETRIES:
        raise OptionsError(f"retries must be from 0 to {MAX_RETRIES}, got {retries}")
    if cache_ttl < 0:
        raise OptionsError(f"cache_ttl must be 0 (off) or more seconds, got {cache_ttl}")
    return ConnectionSettings(
        api_url=_checked_api_url(str(options.get("api_url") or DEFAULT_API_URL)),
        credentials=credentials,
        validate_certs=bool(options["validate_certs"]),
        ca_path=options.get("ca_path") or None,
        proxy=_checked_proxy(options.get("proxy") or None),
        timeout=timeout,
        retries=retries,
        cache_ttl=cache_ttl,
    )


def _number(name: str, value: Any, kind: type) -> Any:
    """A finite int or float; nan, inf and text are option errors, not crashes later on."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionsError(f"{name} must be a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise OptionsError(f"{name} must be a finite number, got {value}")
    if kind is int and value != int(value):
        raise OptionsError(f"{name} must be a whole number, got {value:g}")
    return kind(value)


def _parsed_url(name: str, url: str, schemes: tuple[str, ...], example: str) -> SplitResult:
    """The URL's parts, or one line that says what is wrong without repeating the URL (it may hold a password)."""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise OptionsError(f"{name} must not contain spaces or control characters; e.g. {example}")

    def invalid() -> OptionsError:
        return OptionsError(f"{name} is not a valid URL (check its host and port, 1-65535); e.g. {example}")

    try:
        parts = urlsplit(url)
    except ValueError:
        raise invalid() from None
    if parts.scheme not in schemes:
        raise OptionsError(f"{name} must be a URL with the scheme {' or '.join(schemes)}, such as {example}")
    try:
        port = parts.port  # raises ValueError when out of range or not a number
    except ValueError:
        raise invalid() from None
    if not parts.hostname or port == 0:
        raise invalid()
    return parts


def _checked_api_url(api_url: str) -> str:
    parts = _parsed_url("api_url", api_url, ("http", "https"), DEFAULT_API_URL)
    if parts.username is not None or parts.password is not None:
        # Userinfo ends up in logs and error messages; credentials belong in login/password or token.
        raise OptionsError("api_url must not contain credentials; use the login and password, or token, options")
    if parts.query or parts.fragment:
        raise OptionsError("api_url must be the base of the XML interface, without a query or fragment")
    return api_url


def _checked_proxy(proxy: str | None) -> str | None:
    if proxy is None:
        return None
    _parsed_url("proxy", str(proxy), _PROXY_SCHEMES, "http://proxy.example:3128")
    return str(proxy)
