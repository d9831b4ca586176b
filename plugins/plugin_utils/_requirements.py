# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""``balance_info``'s requirements: min_money, min_sms and plan, each judged on its own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import Balance, decimal_text, json_number
from ansible_collections.webcom.mobi.plugins.plugin_utils._capacity import (
    EXCEEDS,
    FITS,
    PlanError,
    evaluate_plan,
    whole_number,
)


def check_requirements(balance: Balance, params: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per requirement given: name, met (True/False/None when uncertain), need, have, msg.

    A named area the balance does not list is an error (PlanError), not a shortfall: it is
    a typo or a wrong account, and warning about it would hide that.
    """
    checks = []
    if params.get("min_money") is not None:
        checks.append(_min_money(balance, params["min_money"]))
    for area, need in (params.get("min_sms") or {}).items():
        checks.append(_min_sms(balance, area, need))
    if params.get("plan") is not None:
        checks.append(_plan(balance, params["plan"]))
    return checks


def check_requirement_values(params: dict[str, Any]) -> None:
    """Reject malformed requirement numbers before any request is sent."""
    for area, need in (params.get("min_sms") or {}).items():
        whole_number(need, f"min_sms for {area!r}")
    for area, messages in (params.get("plan") or {}).items():
        whole_number(messages, f"the plan's number of messages for {area!r}")


def apply_requirements(
    result: dict[str, Any], checks: list[dict[str, Any]], shortfall: str, params: dict[str, Any], warnings: list[str]
) -> dict[str, Any]:
    """The result with its ``requirements``: failed with ``shortfall`` as the one line, or warnings (on_shortfall)."""
    if not checks:
        return result
    result["requirements"] = checks
    if shortfall and params["on_shortfall"] == "fail":
        result.update(failed=True, msg=shortfall)
    else:
        warnings.extend(check["msg"] for check in checks if check["met"] is not True)
    return result


def shortfall_message(checks: list[dict[str, Any]]) -> str:
    unmet = [check["msg"] for check in checks if check["met"] is not True]
    return "unmet requirements: " + "; ".join(unmet) if unmet else ""


def _min_money(balance: Balance, need: float) -> dict[str, Any]:
    wanted = Decimal(repr(need)).normalize()  # the decimal as typed (10.5, 11), not the float's expansion
    money = decimal_text(balance.money)
    met = balance.money >= wanted
    relation = "meets" if met else "is below"
    return {
        "name": "min_money",
        "met": met,
        "need": need,
        "have": json_number(balance.money),
        "msg": f"money {money} {relation} min_money {decimal_text(wanted)}",
    }


def _min_sms(balance: Balance, area: str, need: Any) -> dict[str, Any]:
    counts = balance.sms
    if area not in counts:
        known = ", ".join(counts) or "none"
        raise PlanError(f"min_sms names area {area!r}, which the balance does not list; known areas: {known}")
    wanted = whole_number(need, f"min_sms for {area!r}")
    have = counts[area]
    met = have is None or have >= wanted
    shown = "unlimited SMS" if have is None else f"{have} SMS"
    return {
        "name": f"min_sms[{area}]",
        "met": met,
        "need": wanted,
        "have": have,
        "msg": f"{area} has {shown}, {'at least' if met else 'fewer than'} the {wanted} required",
    }


def _plan(balance: Balance, plan: Any) -> dict[str, Any]:
    report = evaluate_plan(balance, plan)
    return {
        "name": "plan",
        "met": True if report.verdict == FITS else False if report.verdict == EXCEEDS else None,
        "need": report.plan,
        "have": report.to_dict(),
        "msg": report.msg,
    }
