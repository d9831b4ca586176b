"""Soundness of the capacity model against a platform that floors money / price.

Hypothesis draws real prices and money, derives the counts exactly as the platform does,
and checks every claim the model makes against the true cost of the plan.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import AreaCount, Balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._capacity import evaluate_plan

AREAS = ["Russia", "Ukraine", "Kazakhstan", "Tele2", "Россия"]

money_st = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)
price_st = st.one_of(
    st.none(),  # unlimited
    st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("60"), places=4).filter(lambda p: p > 0),
)


@st.composite
def accounts_and_plans(draw):
    money = draw(money_st)
    areas = draw(st.lists(st.sampled_from(AREAS), min_size=1, max_size=len(AREAS), unique=True))
    prices = {area: draw(price_st) for area in areas}
    plan = {
        area: draw(st.integers(min_value=0, max_value=3 * max(1, _count(money, price) or 1)))
        for area, price in prices.items()
        if draw(st.booleans())
    }
    return money, prices, plan


def _count(money: Decimal, price: Decimal | None) -> int | None:
    return None if price is None else math.floor(Fraction(money) / Fraction(price))


@settings(max_examples=1500, deadline=None)
@given(accounts_and_plans())
def test_model_is_sound_against_true_prices(case) -> None:
    money, prices, plan = case
    account = Balance(money, None, tuple(AreaCount(area, _count(money, price)) for area, price in prices.items()))
    report = evaluate_plan(account, plan)
    cost = sum((Fraction(prices[a]) * n for a, n in plan.items() if prices[a] is not None), Fraction(0))
    left = Fraction(money) - cost

    if report.verdict == "fits":
        assert cost <= Fraction(money)
    elif report.verdict == "exceeds":
        assert cost > Fraction(money)

    low, high = report.money_left()
    if low is not None:
        assert Fraction(low) <= left
    if high is not None:
        assert left <= Fraction(high)

    if cost <= Fraction(money):
        for area, projected in report.sms_left.items():
            price = prices[area]
            if price is None:
                assert projected is None
            else:
                assert projected <= math.floor(left / Fraction(price)), (area, projected)


@settings(max_examples=300, deadline=None)
@given(money_st, st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60"), places=2))
def test_a_single_area_plan_up_to_its_count_always_fits(money, price) -> None:
    count = _count(money, price)
    account = Balance(money, None, (AreaCount("A", count),))
    assert evaluate_plan(account, {"A": count}).verdict == "fits"
    assert evaluate_plan(account, {"A": count + 1}).verdict == "exceeds"
