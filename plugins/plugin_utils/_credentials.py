# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""The account's credentials: a value checked once, when it is made, and trusted after.

The platform takes a token, or a login together with its password, never both. That rule,
and what XML can carry at all, is checked here and nowhere else in Python; the XSD states
the same shape for the request it encodes.
"""

from __future__ import annotations

import re

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import CredentialsError
from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record

# Characters XML 1.0 cannot carry at all, escaped or not, listed rather than complemented: a
# class of everything XML allows costs a forked worker milliseconds to compile.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class Credentials(Record):
    __slots__ = ("login", "password", "token")
    DEFAULTS = {"login": None, "password": None, "token": None}
    login: str | None
    password: str | None
    token: str | None

    @classmethod
    def of(cls, *, login: object = None, password: object = None, token: object = None) -> Credentials:
        """Credentials from option values ("" counts as not given); CredentialsError names what is wrong."""
        login, password, token = (None if value in (None, "") else value for value in (login, password, token))
        if token is not None and (login is not None or password is not None):
            raise CredentialsError("give either token, or login together with password, not both")
        if token is None and (login is None or password is None):
            missing = "password" if login is not None else "login" if password is not None else "token, or login and password"
            raise CredentialsError(f"missing credentials: set {missing}")
        given = {"token": token} if token is not None else {"login": login, "password": password}
        for name, value in given.items():
            if not isinstance(value, str):
                raise CredentialsError(f"{name} must be a string")
            if _NOT_XML_CHAR.search(value):
                raise CredentialsError(f"{name} contains a control character that XML cannot carry")
        return cls(**given)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(value for value in (self.password, self.token) if value)

    def security(self) -> dict[str, dict[str, str]]:
        """The request's ``<security>`` content, as the XSD's request element takes it."""
        if self.token is not None:
            return {"token": {"@value": self.token}}
        return {"login": {"@value": self.login or ""}, "password": {"@value": self.password or ""}}

    def identity(self) -> list[str | None]:
        """What tells one account's answers from another's (for the cache key; never written out)."""
        return [self.login, self.password, self.token]

    def __repr__(self) -> str:
        # Never let a debugger, a log line or a traceback print the secrets.
        return f"Credentials(login={self.login!r}, secrets=<hidden>)"
