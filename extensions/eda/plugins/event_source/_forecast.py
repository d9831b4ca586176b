# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice. (The leading underscore keeps it from being taken for
# an event source: it is the forecast arithmetic of ``webcom.mobi.balance``.)

"""When will the money, and each requirement, run out at the rate the checks have seen?

The rate comes from the current *decline run*: the checks since the money last went up
(a top-up or a refund restarts it), at most ``WINDOW_S`` back and ``MAX_CHECKS`` long.
The rate is the least-squares slope of money over time across that run, so one late or
early check moves it little; it is ``None`` until the run holds two checks and the money
fell between its first and its last. How each requirement turns into a money threshold
is in docs/monitoring.md; every threshold errs towards the earliest run-out the counts
allow, so an alert based on it comes early rather than late.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

WINDOW_S = 24 * 3600.0  # a day of checks: long enough to smooth bursts, short enough to follow a new campaign
MAX_CHECKS = 2000  # bounds memory whatever the interval (2000 checks at 45 s still span a day)


@dataclass(frozen=True)
class Observation:
    """One successful check: when the platform answered (epoch seconds), the money and the counts."""

    at: float
    money: float
    sms: Mapping[str, int | None]


class SpendHistory:
    """The checks of the current decline run, and the forecast they support."""

    def __init__(self, window_s: float = WINDOW_S, max_checks: int = MAX_CHECKS) -> None:
        self._window_s = window_s
        self._run: deque[Observation] = deque(maxlen=max_checks)

    def add(self, observation: Observation) -> None:
        if self._run and observation.at <= self._run[-1].at:
            return  # the same answer again (served from the cache) or a clock stepped back: no new information
        if self._run and observation.money > self._run[-1].money:
            self._run.clear()  # money went up: what was spent before says nothing about the rate from now on
        self._run.append(observation)
        # Old checks leave the window, but two always stay so that a long interval still gives a rate.
        while len(self._run) > 2 and observation.at - self._run[0].at > self._window_s:
            self._run.popleft()

    def forecast(self, requirements: Mapping[str, Any]) -> dict[str, Any] | None:
        """The forecast for the event, or None until two checks show a decline."""
        run = list(self._run)
        if len(run) < 2 or not run[-1].money < run[0].money:
            return None
        per_second = -_slope([o.at - run[0].at for o in run], [o.money for o in run])
        if per_second <= 0:
            return None  # cannot happen on a non-increasing run that fell, but never divide by it
        last = run[-1]
        return {
            "spend_per_hour": _round(per_second * 3600),
            "based_on": {"checks": len(run), "first_check": _iso(run[0].at), "last_check": _iso(last.at)},
            "money_runs_out": _crossing(last, per_second, 0.0),
            "requirements": _requirement_forecasts(run, per_second, requirements),
        }


def _requirement_forecasts(run: list[Observation], per_second: float, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    last = run[-1]
    found = []
    if params.get("min_money") is not None:
        found.append({"name": "min_money", **_crossing(last, per_second, float(params["min_money"]))})
    for area, need in (params.get("min_sms") or {}).items():
        found.append({"name": f"min_sms[{area}]", **_min_sms_crossing(run, per_second, area, int(need))})
    if params.get("plan") is not None:
        found.append({"name": "plan", **_plan_crossing(run, per_second, params["plan"])})
    return found


def _min_sms_crossing(run: list[Observation], per_second: float, area: str, need: int) -> dict[str, Any]:
    # count = floor(money / price) < need  exactly when  money < need × price.
    last = run[-1]
    if area not in last.sms or last.sms[area] is None or need <= 0:
        return _never()  # unlimited, not asked for, or not listed (the check itself reports that)
    price = _highest_price(run, area)
    if price is None:
        return _crossing(last, per_second, float("inf"))  # the area affords nothing already
    return _crossing(last, per_second, need * price)


def _plan_crossing(run: list[Observation], per_second: float, plan: Mapping[str, Any]) -> dict[str, Any]:
    # The plan surely fits while money >= sum(messages × highest price) over the priced areas.
    last = run[-1]
    needed = 0.0
    for area, messages in plan.items():
        messages = int(messages)
        if messages <= 0 or last.sms.get(area, 0) is None:
            continue  # nothing sent there, or unlimited: costs nothing
        if area not in last.sms:
            return _never()
        price = _highest_price(run, area)
        if price is None:
            return _crossing(last, per_second, float("inf"))
        needed += messages * price
    return _crossing(last, per_second, needed) if needed > 0 else _never()


def _highest_price(run: list[Observation], area: str) -> float | None:
    """The highest price of one SMS in ``area`` that every check of the run allows (None: no count above 0).

    Each check says money/(count+1) < price <= money/count. The price is the same across a
    run, so the checks' intervals are intersected from the newest back; a check whose
    interval no longer overlaps means the price changed, and the older checks are dropped.
    """
    low, high = 0.0, None
    for observation in reversed(run):
        count = observation.sms.get(area)
        if count is None or observation.money <= 0:
            break
        new_low = max(low, observation.money / (count + 1))
        new_high = high if count == 0 else observation.money / count if high is None else min(high, observation.money / count)
        if new_high is not None and new_low >= new_high:
            break
        low, high = new_low, new_high
    return high


def _crossing(last: Observation, per_second: float, threshold: float) -> dict[str, Any]:
    """When the money falls below ``threshold`` at this rate: now, if it is already below."""
    seconds = 0.0 if last.money < threshold else (last.money - threshold) / per_second
    return {"threshold": None if threshold == float("inf") else _round(threshold), "in_hours": _round(seconds / 3600),
            "at": _iso(last.at + seconds)}


def _never() -> dict[str, Any]:
    return {"threshold": None, "in_hours": None, "at": None}


def _slope(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def _round(value: float) -> float:
    return round(value, 4)


def _iso(epoch: float) -> str | None:
    try:
        return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, ValueError, OSError):
        return None  # past the year 9999 at this rate: in_hours still says how far
