"""The capacity model on the documented examples, edge cases and bad input (exact values)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import AreaCount, Balance, BalanceInputError
from ansible_collections.webcom.mobi.plugins.plugin_utils._capacity import PlanError, evaluate_plan


def balance(money: str, **counts: int | None) -> Balance:
    return Balance(Decimal(money), None, tuple(AreaCount(area, count) for area, count in counts.items()))


DOCS = balance("10", Russia=10, Ukraine=5)  # Russia costs 1, Ukraine 2


def test_docs_example_a_fits_exactly() -> None:
    report = evaluate_plan(DOCS, {"Russia": 6, "Ukraine": 2})
    assert report.verdict == "fits"
    assert (report.low_share, report.high_share) == (Fraction(6, 11) + Fraction(2, 6), Fraction(1))
    assert report.to_dict() == {
        "verdict": "fits",
        "plan": {"Russia": 6, "Ukraine": 2},
        "share": {"low": 0.8787, "high": 1.0},
        "money_left": {"low": 0, "high": 1.22},
        "sms_left": {"Russia": 0, "Ukraine": 0},
        "msg": "the plan surely fits: it uses 87.8% to 100% of the balance 10",
    }


def test_docs_example_b_exceeds_although_each_area_passes_alone() -> None:
    report = evaluate_plan(DOCS, {"Russia": 8, "Ukraine": 2})
    assert report.verdict == "exceeds"
    assert report.to_dict()["share"] == {"low": 1.0606, "high": 1.2}
    assert report.msg == "the plan does not fit: it needs 106% to 120% of the balance 10"


def test_docs_spend_two_to_russia_leaves_what_the_platform_shows() -> None:
    report = evaluate_plan(DOCS, {"Russia": 2})
    assert report.verdict == "fits"
    # The platform then shows money 8, Russia 8, Ukraine 4: the conservative projection agrees.
    assert report.sms_left == {"Russia": 8, "Ukraine": 4}
    assert report.money_left() == (Decimal("8.00"), Decimal("8.19"))


def test_notes_example_c_is_uncertain() -> None:
    report = evaluate_plan(balance("10", A=3, B=4), {"A": 2, "B": 2})
    assert report.verdict == "uncertain"
    assert (report.low_share, report.high_share) == (Fraction(9, 10), Fraction(7, 6))
    assert report.to_dict()["money_left"] == {"low": -1.67, "high": 1.0}
    assert report.msg == (
        "the plan may or may not fit: it needs 90% to 116.7% of the balance 10, and the per-area counts "
        "cannot tell which (see docs/capacity.md)"
    )


def test_issue_example_1234_50_needs_about_154_percent() -> None:
    account = balance("1234.50", Russia=2469, Kazakhstan=411)
    assert evaluate_plan(account, {"Russia": 2000}).verdict == "fits"
    assert evaluate_plan(account, {"Kazakhstan": 300}).verdict == "fits"
    report = evaluate_plan(account, {"Russia": 2000, "Kazakhstan": 300})
    assert report.verdict == "exceeds"
    assert report.to_dict()["share"] == {"low": 1.5378, "high": 1.54}
    assert report.msg == "the plan does not fit: it needs 153.7% to 154% of the balance 1234.50"


def test_lowest_bound_reaching_the_whole_balance_exceeds() -> None:
    # 5 messages at a price above 10/5 = 2 cost more than 10 for sure.
    report = evaluate_plan(balance("10", A=4), {"A": 5})
    assert report.low_share == 1 and report.verdict == "exceeds"


def test_unlimited_area_costs_nothing() -> None:
    account = balance("100", Russia=100, Tele2=None)
    report = evaluate_plan(account, {"Tele2": 10**9, "Russia": 100})
    assert report.verdict == "fits"
    assert report.sms_left == {"Russia": 0, "Tele2": None}
    only_unlimited = evaluate_plan(account, {"Tele2": 5})
    assert (only_unlimited.verdict, only_unlimited.msg) == ("fits", "the plan surely fits: it uses 0% of the balance 100")


def test_zero_count_area_affords_nothing() -> None:
    account = balance("10", Russia=10, Satellite=0)
    report = evaluate_plan(account, {"Satellite": 1})
    assert report.verdict == "exceeds"
    assert report.to_dict()["share"] == {"low": 1.0, "high": None}
    assert report.to_dict()["money_left"] == {"low": None, "high": 0}
    assert report.sms_left == {"Russia": 0, "Satellite": 0}
    assert evaluate_plan(account, {"Satellite": 0, "Russia": 3}).verdict == "fits"


def test_negative_money_affords_nothing_but_free_traffic() -> None:
    account = balance("-20.5", Russia=0, Tele2=None)
    report = evaluate_plan(account, {"Russia": 1})
    assert report.verdict == "exceeds"
    assert report.to_dict()["share"] == {"low": None, "high": None}
    assert report.msg == "the plan does not fit: it needs more than all of the balance -20.5"
    assert evaluate_plan(account, {"Tele2": 50}).verdict == "fits"


def test_empty_plan_fits_and_keeps_counts() -> None:
    report = evaluate_plan(DOCS, {})
    assert report.verdict == "fits" and report.sms_left == {"Russia": 10, "Ukraine": 5}


def test_duplicate_area_uses_its_smaller_count() -> None:
    account = Balance(Decimal("10"), None, (AreaCount("A", 10), AreaCount("A", 5)))
    assert evaluate_plan(account, {"A": 6}).verdict == "exceeds"


def test_digit_strings_are_message_counts() -> None:
    assert evaluate_plan(DOCS, {"Russia": " 6 ", "Ukraine": "2"}).plan == {"Russia": 6, "Ukraine": 2}


@pytest.mark.parametrize(
    "plan, message",
    [
        ({"Kazakhstan": 1}, "area 'Kazakhstan' is not in the balance; known areas: Russia, Ukraine"),
        ({"Russia": -1}, "the plan's number of messages for 'Russia' must not be negative, got -1"),
        ({"Russia": 1.5}, "the plan's number of messages for 'Russia' must be a whole number, got 1.5"),
        ({"Russia": "1.5"}, "the plan's number of messages for 'Russia' must be a whole number, got '1.5'"),
        ({"Russia": True}, "the plan's number of messages for 'Russia' must be a whole number, got True"),
        ({"Russia": None}, "the plan's number of messages for 'Russia' must be a whole number, got None"),
        (["Russia"], "the plan must be a dict of area to number of messages, got list"),
    ],
)
def test_bad_plan_is_a_one_line_error(plan, message) -> None:
    with pytest.raises(PlanError) as caught:
        evaluate_plan(DOCS, plan)
    assert str(caught.value) == message


def test_unknown_area_on_a_balance_without_areas() -> None:
    with pytest.raises(PlanError, match="known areas: none$"):
        evaluate_plan(balance("10"), {"Russia": 1})


MODEL = {
    "money": 10.5,
    "money_text": "10.50",
    "currency": "RUR",
    "sms": {"Russia": 10, "Tele2": None},
    "unlimited": ["Tele2"],
    "areas": [{"area": "Russia", "sms": 10, "unlimited": False}, {"area": "Tele2", "sms": None, "unlimited": True}],
}


@pytest.mark.parametrize(
    "wrapped",
    [MODEL, {"changed": False, "balance": MODEL}, {"ansible_facts": {"webcom_mobi_balance": MODEL}}],
    ids=["model", "balance_info-result", "balance_facts-result"],
)
def test_balance_is_read_back_from_every_shape(wrapped) -> None:
    assert Balance.from_model(wrapped) == Balance(
        Decimal("10.50"), "RUR", (AreaCount("Russia", 10), AreaCount("Tele2", None))
    )


def test_balance_without_areas_list_falls_back_to_sms_map() -> None:
    assert Balance.from_model({"money": 3, "sms": {"A": 1}}) == Balance(Decimal("3"), None, (AreaCount("A", 1),))


@pytest.mark.parametrize(
    "value, message",
    [
        ("10", "expected the balance model (a dict from webcom.mobi.balance_info, webcom.mobi.balance_facts or "
         "the webcom.mobi.balance lookup), got str"),
        ({"changed": False}, "the dict given is not a balance: it has no 'money', 'balance' or 'ansible_facts' key"),
        ({"money": "lots"}, "the balance's money 'lots' is not a decimal number"),
        ({"money": "NaN"}, "the balance's money must be a finite number"),
        ({"money": [1]}, "the balance's money must be a decimal number, got list"),
        ({"money": 1, "sms": {"A": "5"}}, "the SMS count of area 'A' must be an integer or null (unlimited)"),
        ({"money": 1, "sms": ["A"]}, "the balance's 'sms' must map areas to counts"),
        ({"money": 1, "areas": [{"sms": 1}]}, "the balance's 'areas' must be a list of {area, sms} entries"),
    ],
)
def test_not_a_balance_is_a_one_line_error(value, message) -> None:
    with pytest.raises(BalanceInputError) as caught:
        Balance.from_model(value)
    assert str(caught.value) == message


def test_a_balance_with_more_digits_than_decimal_context_still_plans() -> None:
    # 40 significant digits: Decimal's 28-digit context used to raise InvalidOperation here.
    huge = balance("1234567890123456789012345678901234567890.5", Russia=1234567890123456789012345678901234567890, Ukraine=3)
    report = evaluate_plan(huge, {"Russia": 5, "Ukraine": 1}).to_dict()
    assert report["verdict"] == "fits"
    assert report["msg"] == "the plan surely fits: it uses 25% to 33.4% of the balance 1234567890123456789012345678901234567890.5"
    plan = evaluate_plan(huge, {"Russia": 5, "Ukraine": 1})
    low, high = plan.money_left()
    exact_low = Fraction(huge.money) * (1 - plan.high_share)
    exact_high = Fraction(huge.money) * (1 - plan.low_share)
    # Rounded outward to the cent, exactly: the bounds stay bounds at any size.
    assert Fraction(low) <= exact_low < Fraction(low) + Fraction(1, 100)
    assert Fraction(high) - Fraction(1, 100) < exact_high <= Fraction(high)
