# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""The balance model: what the platform said, in exact decimals, and its playbook form."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError
from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record

FACT_NAME = "webcom_mobi_balance"


class BalanceInputError(WebcomError):
    """A value handed to a filter or test is not a balance."""


class AreaCount(Record):
    """One ``<sms area=...>`` line: how many SMS the whole balance buys there (None: unlimited)."""

    __slots__ = ("area", "count")
    area: str
    count: int | None

    @property
    def unlimited(self) -> bool:
        return self.count is None


class Balance(Record):
    __slots__ = ("money", "currency", "areas")
    money: Decimal
    currency: str | None
    areas: tuple[AreaCount, ...]

    @property
    def sms(self) -> dict[str, int | None]:
        """Area to count. A duplicated area keeps its most conservative count."""
        counts: dict[str, int | None] = {}
        for line in self.areas:
            if line.area not in counts:
                counts[line.area] = line.count
            else:
                counts[line.area] = _smaller_count(counts[line.area], line.count)
        return counts

    @property
    def unlimited(self) -> list[str]:
        return [area for area, count in self.sms.items() if count is None]

    def to_model(self) -> dict[str, Any]:
        """The balance's part of the contract's model, made only of JSON types (a Reading adds the rest)."""
        return {
            "money": json_number(self.money),
            "money_text": decimal_text(self.money),
            "currency": self.currency,
            "sms": self.sms,
            "unlimited": self.unlimited,
            "areas": [{"area": line.area, "sms": line.count, "unlimited": line.unlimited} for line in self.areas],
        }

    @classmethod
    def from_decoded(cls, data: Mapping[str, Any]) -> Balance:
        """The balance a valid response states, from the schema's decoded data."""
        money_node = data["money"]
        currency = money_node.get("@currency") if isinstance(money_node, Mapping) else None
        money = money_node["$"] if isinstance(money_node, Mapping) else money_node
        areas = tuple(
            # The schema's union gives an int for a count and a str only for the unlimited sentinel.
            AreaCount(area=line["@area"], count=None if isinstance(line["$"], str) else line["$"])
            for line in data.get("sms", [])
        )
        return cls(money=money, currency=currency, areas=areas)

    @classmethod
    def from_model(cls, value: Any) -> Balance:
        """Read back a balance model, a whole ``balance_info`` result, or ``balance_facts``' result."""
        model = _unwrap_model(value)
        money = _model_money(model)
        currency = model.get("currency")
        if "areas" in model:
            lines = model["areas"]
            if not isinstance(lines, list) or not all(isinstance(line, Mapping) and "area" in line for line in lines):
                raise BalanceInputError("the balance's 'areas' must be a list of {area, sms} entries")
            areas = tuple(AreaCount(str(line["area"]), _model_count(line["area"], line.get("sms"))) for line in lines)
        else:
            counts = model.get("sms", {})
            if not isinstance(counts, Mapping):
                raise BalanceInputError("the balance's 'sms' must map areas to counts")
            areas = tuple(AreaCount(str(area), _model_count(area, count)) for area, count in counts.items())
        return cls(money=money, currency=None if currency is None else str(currency), areas=areas)


def json_number(value: Decimal) -> int | float:
    """An int when whole, else the nearest float: for display; ``money_text`` stays exact."""
    return int(value) if value == value.to_integral_value() else float(value)


def decimal_text(value: Decimal) -> str:
    """Plain positional notation, never an exponent (``1E-7`` would surprise a template)."""
    return format(value, "f")


def _smaller_count(first: int | None, second: int | None) -> int | None:
    if first is None:
        return second
    if second is None:
        return first
    return min(first, second)


def _unwrap_model(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BalanceInputError(
            "expected the balance model (a dict from webcom.mobi.balance_info, webcom.mobi.balance_facts "
            f"or the webcom.mobi.balance lookup), got {type(value).__name__}"
        )
    if isinstance(value.get("balance"), Mapping):
        return value["balance"]
    facts = value.get("ansible_facts")
    if isinstance(facts, Mapping) and isinstance(facts.get(FACT_NAME), Mapping):
        return facts[FACT_NAME]
    if "money" in value or "money_text" in value:
        return value
    raise BalanceInputError("the dict given is not a balance: it has no 'money', 'balance' or 'ansible_facts' key")


def _model_money(model: Mapping[str, Any]) -> Decimal:
    raw = model.get("money_text", model.get("money"))
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise BalanceInputError(f"the balance's money must be a decimal number, got {type(raw).__name__}")
    try:
        money = Decimal(str(raw).strip())
    except InvalidOperation:
        raise BalanceInputError(f"the balance's money {str(raw)[:40]!r} is not a decimal number") from None
    if not money.is_finite():
        raise BalanceInputError("the balance's money must be a finite number")
    return money


def _model_count(area: Any, count: Any) -> int | None:
    if count is None:
        return None
    if isinstance(count, bool) or not isinstance(count, int):
        raise BalanceInputError(f"the SMS count of area {area!r} must be an integer or null (unlimited)")
    return count
