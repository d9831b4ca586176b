"""The event source's spend forecast on checks whose times and money are known exactly."""

from __future__ import annotations

import pytest

from ansible_collections.webcom.mobi.extensions.eda.plugins.event_source._forecast import Observation, SpendHistory

HOUR = 3600.0
START = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def check(history: SpendHistory, hours: float, money: float, price: float = 1.0, **sms) -> None:
    counts = {"Russia": int(money // price) if money > 0 else 0, "Tele2": None, **sms}
    history.add(Observation(at=START + hours * HOUR, money=money, sms=counts))


def test_null_until_two_checks_show_a_decline() -> None:
    history = SpendHistory()
    check(history, 0, 1000)
    assert history.forecast({}) is None
    check(history, 1, 1000)  # two checks, no decline: nothing to extrapolate
    assert history.forecast({}) is None
    check(history, 2, 900)
    assert history.forecast({}) is not None


def test_rate_and_run_out_times_from_a_steady_spend() -> None:
    history = SpendHistory()
    for hour in range(5):
        check(history, hour, 1000 - 50 * hour)  # 50 per hour, 800 left at hour 4
    forecast = history.forecast({"min_money": 300, "min_sms": {"Russia": 100, "Tele2": 5}, "plan": {"Russia": 200}})
    assert forecast["spend_per_hour"] == pytest.approx(50)
    assert forecast["based_on"]["checks"] == 5
    assert forecast["money_runs_out"] == {"threshold": 0.0, "in_hours": 16.0, "at": "2027-01-16T04:00:00Z"}
    by_name = {entry["name"]: entry for entry in forecast["requirements"]}
    assert by_name["min_money"]["in_hours"] == pytest.approx(10)  # 800 -> 300 at 50/h
    # Russia costs 1: fewer than 100 SMS once money < 100, 14 hours from 800.
    assert by_name["min_sms[Russia]"]["threshold"] == pytest.approx(100, abs=0.2)
    assert by_name["min_sms[Russia]"]["in_hours"] == pytest.approx(14, abs=0.01)
    assert by_name["min_sms[Tele2]"] == {"name": "min_sms[Tele2]", "threshold": None, "in_hours": None, "at": None}
    assert by_name["plan"]["in_hours"] == pytest.approx(12, abs=0.01)  # 200 messages at 1 need 200


def test_least_squares_smooths_a_late_check() -> None:
    history = SpendHistory()
    for hour, money in ((0, 1000), (1, 900), (2.2, 800), (3, 700)):  # one check came 12 minutes late
        check(history, hour, money)
    assert history.forecast({})["spend_per_hour"] == pytest.approx(100, rel=0.05)


def test_a_top_up_restarts_the_rate() -> None:
    history = SpendHistory()
    check(history, 0, 1000)
    check(history, 1, 500)  # a burst: 500 per hour
    check(history, 2, 2000)  # topped up
    assert history.forecast({}) is None  # the burst says nothing about the rate after a top-up
    check(history, 3, 1990)
    assert history.forecast({})["spend_per_hour"] == pytest.approx(10)


def test_an_already_unmet_requirement_runs_out_now() -> None:
    history = SpendHistory()
    check(history, 0, 120)
    check(history, 1, 100)
    forecast = history.forecast({"min_money": 150, "min_sms": {"Russia": 0}})
    by_name = {entry["name"]: entry for entry in forecast["requirements"]}
    assert by_name["min_money"]["in_hours"] == 0
    assert by_name["min_money"]["at"] == "2027-01-15T09:00:00Z"
    assert by_name["min_sms[Russia]"]["in_hours"] is None  # asking for 0 SMS never fails


def test_price_bounds_from_every_check_of_the_run() -> None:
    # Price 3: count = floor(money / 3). The last check alone (money 5, 1 SMS) allows any price
    # up to 5; the earlier checks of the run pin it to at most 1000/333, so one SMS stops being
    # affordable when the money falls below about 3, not 5.
    history = SpendHistory()
    for hour, money in enumerate((1000, 500, 5)):
        check(history, hour, money, price=3)
    by_name = {e["name"]: e for e in history.forecast({"min_sms": {"Russia": 1}})["requirements"]}
    assert 3 <= by_name["min_sms[Russia]"]["threshold"] <= 3.01
    # A price change (the newest checks disagree with the oldest) keeps only the newer bounds.
    changed = SpendHistory()
    check(changed, 0, 1000, price=1)
    check(changed, 1, 900, price=3)
    by_name = {e["name"]: e for e in changed.forecast({"min_sms": {"Russia": 100}})["requirements"]}
    assert 300 <= by_name["min_sms[Russia]"]["threshold"] <= 301


def test_old_checks_leave_the_window_but_two_stay() -> None:
    history = SpendHistory(window_s=2 * HOUR)
    check(history, 0, 1000)
    check(history, 1, 100)  # a burst, then a slow day
    for hour in range(2, 10):
        check(history, hour, 100 - (hour - 1))
    forecast = history.forecast({})
    assert forecast["based_on"]["checks"] == 3  # hours 7, 8 and 9
    assert forecast["spend_per_hour"] == pytest.approx(1)
    sparse = SpendHistory(window_s=HOUR)
    check(sparse, 0, 1000)
    check(sparse, 48, 520)  # checks further apart than the window still give a rate
    assert sparse.forecast({})["spend_per_hour"] == pytest.approx(10)


def test_a_repeated_answer_adds_nothing() -> None:
    history = SpendHistory()
    check(history, 1, 1000)
    check(history, 1, 1000)
    check(history, 0.5, 990)  # a clock that stepped back
    assert history.forecast({}) is None
