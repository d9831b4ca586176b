# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""An account's sender names (the platform's originators), and whether a campaign may use one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError
from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record

USABLE_STATE = "completed"
# The platform's documented states, in words for messages; any other state is shown as sent.
STATE_WORDS = {"completed": "approved", "order": "still under review", "rejected": "rejected"}
ATTRIBUTES = ("state", "operator", "mcc", "mnc", "template", "comment", "history")


class SendersInputError(WebcomError):
    """A value read back is not a sender list."""


class SenderName(Record):
    __slots__ = ("name", "state", "operator", "mcc", "mnc", "template", "comment", "history")
    DEFAULTS = {"operator": None, "mcc": None, "mnc": None, "template": None, "comment": None, "history": None}
    name: str
    state: str | None
    operator: str | None
    mcc: str | None
    mnc: str | None
    template: str | None
    comment: str | None
    history: str | None

    @property
    def approved(self) -> bool:
        return self.state == USABLE_STATE


class Senders(Record):
    __slots__ = ("any_sender", "names")
    any_sender: bool
    names: tuple[SenderName, ...]

    @property
    def usable(self) -> list[str]:
        """Every name that may be used, in order, once; empty when any name may be (any_sender)."""
        if self.any_sender:
            return []
        return list(dict.fromkeys(entry.name for entry in self.names if entry.approved))

    def to_model(self) -> dict[str, Any]:
        """The sender part of the contract's model, made only of JSON types (a Reading adds the rest)."""
        return {
            "any_sender": self.any_sender,
            "names": [
                {"name": entry.name, "usable": self.any_sender or entry.approved,
                 **{attribute: getattr(entry, attribute) for attribute in ATTRIBUTES}}
                for entry in self.names
            ],
            "usable": self.usable,
        }

    @classmethod
    def from_decoded(cls, data: Mapping[str, Any]) -> Senders:
        """The list a valid response states, from the schema's decoded data."""
        listed = data.get("list_originator") or {}
        entries = listed.get("originator", []) if isinstance(listed, Mapping) else []
        return cls(
            any_sender=str(data["any_originator"]).strip().upper() == "TRUE",
            names=tuple(_name_of(entry) for entry in entries),
        )

    @classmethod
    def from_model(cls, value: Any) -> Senders:
        """Read back a sender model (the cache), or a whole ``sender_info`` result."""
        model = value.get("senders", value) if isinstance(value, Mapping) else None
        if not isinstance(model, Mapping) or not isinstance(model.get("any_sender"), bool):
            raise SendersInputError("expected the sender model of webcom.mobi.sender_info")
        names = model.get("names")
        if not isinstance(names, list) or not all(isinstance(entry, Mapping) and isinstance(entry.get("name"), str) for entry in names):
            raise SendersInputError("the sender model's 'names' must be a list of {name, state, ...} entries")
        return cls(
            any_sender=model["any_sender"],
            names=tuple(
                SenderName(entry["name"], **{attribute: _text_or_none(entry.get(attribute)) for attribute in ATTRIBUTES})
                for entry in names
            ),
        )


def _name_of(entry: Any) -> SenderName:
    if not isinstance(entry, Mapping):  # an <originator> with no attributes decodes to its bare text
        return SenderName(name=_text_or_none(entry) or "", state=None)
    attributes = {attribute: _text_or_none(entry.get("@" + attribute.upper() if attribute in ("mcc", "mnc") else "@" + attribute))
                  for attribute in ATTRIBUTES}
    return SenderName(name=_text_or_none(entry.get("$")) or "", **attributes)


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def check_senders(senders: Senders, required: list[str]) -> list[dict[str, Any]]:
    """One requirement per name: ``name: sender``, ``need`` the name, ``have`` its state (or null), ``met``, ``msg``.

    Names match exactly: sender IDs are case-sensitive on the networks. A name listed more
    than once (one line per operator) is usable when any of its lines is approved.
    """
    checks = []
    for wanted in required:
        lines = [entry for entry in senders.names if entry.name == wanted]
        approved = any(entry.approved for entry in lines)
        state = USABLE_STATE if approved else (lines[0].state if lines else None)
        met = senders.any_sender or approved
        checks.append({"name": "sender", "need": wanted, "have": state, "met": met,
                       "msg": _sender_message(senders, wanted, state, bool(lines), met)})
    return checks


def _sender_message(senders: Senders, wanted: str, state: str | None, listed: bool, met: bool) -> str:
    if senders.any_sender:
        return f"sender {wanted!r} may be used: the account may send under any sender name"
    if met:
        return f"sender {wanted!r} is approved"
    if listed:
        said = STATE_WORDS.get(state or "", f"in state {state!r}" if state else "without a state")
        return f"sender {wanted!r} is {said}, not usable until approved"
    close = _closest(wanted, [entry.name for entry in senders.names])
    hint = f" (did you mean {close!r}? names match exactly)" if close else ""
    return f"sender {wanted!r} is not on the account's list{hint}"


def _closest(wanted: str, names: list[str]) -> str | None:
    """A listed name that differs from the wanted one only in case or spaces."""
    def folded(text: str) -> str:
        return "".join(text.split()).casefold()

    return next((name for name in names if folded(name) == folded(wanted)), None)


def shortfall_message(checks: list[dict[str, Any]]) -> str:
    unusable = [check["msg"] for check in checks if check["met"] is not True]
    return "sender names not usable: " + "; ".join(unusable) if unusable else ""
