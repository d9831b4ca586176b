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

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError

COLLECTION_VERSION = "1.0.0"
DEFAULT_API_URL = "http://lk.mysmpp.ru/xml"
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
DEFAULT_CACHE_TTL = 60
SECRET_OPTIONS = ("password", "token")
CREDENTIAL_OPTIONS = ("login", "password", "token")
ENV_VARIABLES = {
    "api_url": "WEBCOM_API_URL",
    "login": "WEBCOM_LOGIN",
    "password": "WEBCOM_PASSWORD",
    "token": "WEBCOM_TOKEN",
}
PLAIN_HTTP_WARNING = (
    "webcom.mobi: api_url uses plain http://, so the password or token crosses the network unencrypted; "
    "use an https:// api_url where the platform host serves one (e.g. https://my3.webcom.mobi/xml)"
)

CONNECTION_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "api_url": {"type": "str", "default": DEFAULT_API_URL, "fallback": (env_fallback, [ENV_VARIABLES["api_url"]])},
    # Credentials fall back to WEBCOM_* as a set, in code: see merge_credentials().
    "login": {"type": "str"},
    "password": {"type": "str", "no_log": True},
    "token": {"type": "str", "no_log": True},
    "validate_certs": {"type": "bool", "default": True},
    "ca_path": {"type": "path"},
    "proxy": {"type": "str"},
    "timeout": {"type": "float", "default": DEFAULT_TIMEOUT},
    "retries": {"type": "int", "default": DEFAULT_RETRIES},
    "cache_ttl": {"type": "int", "default": DEFAULT_CACHE_TTL},
}

REQUIREMENTS_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "min_money": {"type": "float"},
    "min_sms": {"type": "dict"},
    "plan": {"type": "dict"},
    "on_shortfall": {"type": "str", "default": "fail", "choices": ["fail", "warn"]},
}


class OptionsError(WebcomError):
    """The options given cannot work together; nothing was sent."""


@dataclass(frozen=True)
class ConnectionSettings:
    api_url: str
    login: str | None
    password: str | None
    token: str | None
    validate_certs: bool
    ca_path: str | None
    proxy: str | None
    timeout: float
    retries: int
    cache_ttl: int

    @property
    def endpoint(self) -> str:
        return self.api_url.rstrip("/") + "/balance.php"

    @property
    def plain_http(self) -> bool:
        return urlsplit(self.api_url).scheme == "http"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(value for value in (self.password, self.token) if value)

    def credentials(self) -> dict[str, str]:
        if self.token:
            return {"token": self.token}
        return {"login": self.login or "", "password": self.password or ""}

    def __repr__(self) -> str:
        # Never let a debugger, a log line or a traceback print the secrets.
        return f"ConnectionSettings(api_url={self.api_url!r}, login={self.login!r}, secrets=<hidden>)"


def merge_credentials(explicit: Mapping[str, Any], fallback: Mapping[str, Any], fallback_source: str) -> dict[str, Any]:
    """The credentials to use: those given directly decide the kind, the fallback only completes them.

    A token given directly ignores a fallback login/password and vice versa, so credentials in
    the environment never turn a task's own credentials into an error of "both kinds".
    """
    given = {name: explicit[name] for name in CREDENTIAL_OPTIONS if explicit.get(name)}
    spare = {name: fallback[name] for name in CREDENTIAL_OPTIONS if fallback.get(name)}
    if "token" in given:
        return given
    if given:
        return {**{name: spare[name] for name in ("login", "password") if name in spare}, **given}
    if "token" in spare and ("login" in spare or "password" in spare):
        raise OptionsError(
            f"{fallback_source} hold both a token and a login or password; keep one kind there, "
            "or give the credentials in the task"
        )
    return spare


def environment_credentials() -> dict[str, str]:
    return {name: os.environ[ENV_VARIABLES[name]] for name in CREDENTIAL_OPTIONS if os.environ.get(ENV_VARIABLES[name])}


def connection_settings(options: dict[str, Any]) -> ConnectionSettings:
    """Check option values that the argument spec cannot, and freeze them into settings."""
    login, password, token = (options.get(name) or None for name in ("login", "password", "token"))
    if token and (login or password):
        raise OptionsError("give either token, or login together with password, not both (options: token, login, password)")
    if not token and not (login and password):
        missing = "password" if login else "login" if password else "token, or login and password"
        raise OptionsError(f"missing credentials: set {missing} (options: token, or login with password)")
    api_url = _checked_api_url(str(options.get("api_url") or DEFAULT_API_URL))
    timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
    retries = int(options.get("retries", DEFAULT_RETRIES))
    cache_ttl = int(options.get("cache_ttl", DEFAULT_CACHE_TTL))
    if timeout <= 0:
        raise OptionsError(f"timeout must be a positive number of seconds, got {timeout:g}")
    if retries < 0:
        raise OptionsError(f"retries must be 0 or more, got {retries}")
    if cache_ttl < 0:
        raise OptionsError(f"cache_ttl must be 0 (off) or more seconds, got {cache_ttl}")
    return ConnectionSettings(
        api_url=api_url,
        login=login,
        password=password,
        token=token,
        validate_certs=bool(options.get("validate_certs", True)),
        ca_path=options.get("ca_path") or None,
        proxy=options.get("proxy") or None,
        timeout=timeout,
        retries=retries,
        cache_ttl=cache_ttl,
    )


def _checked_api_url(api_url: str) -> str:
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OptionsError(f"api_url must be an http:// or https:// URL such as {DEFAULT_API_URL}")
    if parts.username is not None or parts.password is not None:
        # Userinfo ends up in logs and error messages; credentials belong in login/password or token.
        raise OptionsError("api_url must not contain credentials; use the login and password, or token, options")
    if parts.query or parts.fragment:
        raise OptionsError("api_url must be the base of the XML interface, without a query or fragment")
    return api_url
