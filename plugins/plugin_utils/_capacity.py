# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""Will a mix of traffic fit the one shared balance? (reasoning: docs/capacity.md)

The platform reports, per area, count = floor(money / price). So every price lies in
money/(count+1) < price <= money/count (count 0: price > money), and for a plan of n
messages per area the cost lies in (money * low_share, money * high_share] with
low_share = sum(n / (count+1)) and high_share = sum(n / count). Arithmetic is exact
(fractions of the decimal money), and every rounding for display goes outward, so the
bounds shown are still bounds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import Balance, decimal_text, json_number
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError
from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record

FITS, EXCEEDS, UNCERTAIN = "fits", "exceeds", "uncertain"
SHARE_PLACES = 4
_DIGITS = re.compile(r"^\s*\d+\s*$")


class PlanError(WebcomError):
    """The plan cannot be evaluated against this balance (unknown area, bad message count)."""


class PlanReport(Record):
    __slots__ = ("verdict", "plan", "money", "low_share", "high_share", "sms_left")
    verdict: str
    plan: dict[str, int]
    money: Decimal
    low_share: Fraction | None  # None: nothing can be said (money not positive)
    high_share: Fraction | None  # None: unbounded (an area that affords nothing is used)
    sms_left: dict[str, int | None]

    def money_left(self) -> tuple[Decimal | None, Decimal | None]:
        """(low, high) bounds on the money after the plan; None where unbounded or unknown."""
        places = max(2, -self.money.as_tuple().exponent)
        low = None if self.high_share is None else _round(Fraction(self.money) * (1 - self.high_share), places, ROUND_FLOOR)
        high = None if self.low_share is None else _round(Fraction(self.money) * (1 - self.low_share), places, ROUND_CEILING)
        return low, high

    @property
    def msg(self) -> str:
        used = _share_text(self.low_share, self.high_share)
        money = decimal_text(self.money)
        if self.verdict == FITS:
            return f"the plan surely fits: it uses {used} of the balance {money}"
        if self.verdict == EXCEEDS:
            return f"the plan does not fit: it needs {used} of the balance {money}"
        return (
            f"the plan may or may not fit: it needs {used} of the balance {money}, and the per-area "
            "counts cannot tell which (see docs/capacity.md)"
        )

    def to_dict(self) -> dict[str, Any]:
        low, high = self.money_left()
        return {
            "verdict": self.verdict,
            "plan": dict(self.plan),
            "share": {"low": _share_number(self.low_share, ROUND_FLOOR), "high": _share_number(self.high_share, ROUND_CEILING)},
            "money_left": {
                "low": None if low is None else json_number(low),
                "high": None if high is None else json_number(high),
            },
            "sms_left": dict(self.sms_left),
            "msg": self.msg,
        }


def evaluate_plan(balance: Balance, plan: Any) -> PlanReport:
    """Judge a plan (area -> messages) against the balance: fits, exceeds or uncertain."""
    counts = balance.sms
    wanted = normalise_plan(plan, known_areas=list(counts))
    money = Fraction(balance.money)
    priced = {area: n for area, n in wanted.items() if n > 0 and counts[area] is not None}
    affords_nothing = any(counts[area] <= 0 for area in priced)

    if not priced:
        low_share: Fraction | None = Fraction(0)
        high_share: Fraction | None = Fraction(0)
        verdict = FITS
    elif money <= 0 or affords_nothing:
        # Every price is positive: any priced message costs more than a balance that is not
        # positive, and one message in an area that affords none already costs more than all.
        verdict = EXCEEDS
        low_share = None if money <= 0 else sum((Fraction(n, max(counts[a], 0) + 1) for a, n in priced.items()), Fraction(0))
        high_share = None
    else:
        low_share = sum((Fraction(n, counts[a] + 1) for a, n in priced.items()), Fraction(0))
        high_share = sum((Fraction(n, counts[a]) for a, n in priced.items()), Fraction(0))
        # The lower price bound is strict, so reaching exactly the whole balance at the
        # lowest prices already means the real cost is over it.
        verdict = FITS if high_share <= 1 else EXCEEDS if low_share >= 1 else UNCERTAIN

    return PlanReport(
        verdict=verdict,
        plan=wanted,
        money=balance.money,
        low_share=low_share,
        high_share=high_share,
        sms_left={area: _sms_left(count, high_share) for area, count in counts.items()},
    )


def normalise_plan(plan: Any, *, known_areas: list[str]) -> dict[str, int]:
    if not isinstance(plan, Mapping):
        raise PlanError(f"the plan must be a dict of area to number of messages, got {type(plan).__name__}")
    normalised: dict[str, int] = {}
    for area, messages in plan.items():
        if area not in known_areas:
            known = ", ".join(known_areas) if known_areas else "none"
            raise PlanError(f"area {area!r} is not in the balance; known areas: {known}")
        normalised[area] = whole_number(messages, f"the plan's number of messages for {area!r}")
    return normalised


def whole_number(value: Any, what: str) -> int:
    """A count of messages: an int, or a string of digits (extra vars arrive as text); never negative."""
    if isinstance(value, str) and _DIGITS.match(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(f"{what} must be a whole number, got {value!r}")
    if value < 0:
        raise PlanError(f"{what} must not be negative, got {value}")
    return value


def _sms_left(count: int | None, high_share: Fraction | None) -> int | None:
    """The fewest SMS the area can still buy after the plan (all prices at their highest)."""
    if count is None:
        return None
    if high_share is None or count <= 0 or high_share >= 1:
        return 0
    return math.floor(count * (1 - high_share))


def _round(value: Fraction, places: int, rounding: str) -> Decimal:
    """``value`` rounded to ``places`` decimals in the given direction, exactly at any size.

    Integer arithmetic and a Decimal built from text: Decimal's own division and quantize work
    at the context's 28 digits and raise on a balance with more (a server can send 40).
    """
    scaled = value * 10**places
    whole = math.floor(scaled) if rounding == ROUND_FLOOR else math.ceil(scaled)
    return Decimal(f"{whole}E-{places}")


def _share_number(share: Fraction | None, rounding: str) -> float | None:
    return None if share is None else float(_round(share, SHARE_PLACES, rounding))


def _share_text(low: Fraction | None, high: Fraction | None) -> str:
    def percent(share: Fraction, rounding: str) -> str:
        text = f"{_round(share * 100, 1, rounding):f}"
        return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"

    if low is None and high is None:
        return "more than all"
    if high is None:
        return f"more than {percent(low, ROUND_FLOOR)}"
    if low == high:
        return percent(low, ROUND_FLOOR)
    return f"{percent(low, ROUND_FLOOR)} to {percent(high, ROUND_CEILING)}"
