"""The event source webcom.mobi.balance on an asyncio queue, against the real simulator on loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ansible_collections.webcom.mobi.extensions.eda.plugins.event_source import balance

INTERVAL = 0.2  # seconds between checks: short, so each test spans several intervals quickly
BIG = {"token": "big-token-7f3a"}
DOCS_PASSWORD = "S3c&<\"'>r-docs"
DOCS = {"login": "docs-user", "password": DOCS_PASSWORD}
# Generous bounds for waits: they only decide how long a broken test takes to fail.
EVENT_WAIT_S = 10.0


@pytest.fixture(autouse=True)
def no_outside_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("WEBCOM_API_URL", "WEBCOM_LOGIN", "WEBCOM_PASSWORD", "WEBCOM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def sim(fresh_simulator) -> Iterator[Any]:
    yield fresh_simulator


class Source:
    """The plugin's main() running as ansible-rulebook runs it: a task that puts events on a queue."""

    def __init__(self, args: dict[str, Any]) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.create_task(balance.main(self.queue, args))
        self.events: list[dict[str, Any]] = []

    async def next_event(self) -> dict[str, Any]:
        event = await asyncio.wait_for(self.queue.get(), EVENT_WAIT_S)
        self.events.append(event)
        return event["webcom_mobi"]

    async def stop(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task


def watching(sim, **args: Any) -> dict[str, Any]:
    return {"api_url": sim.api_url, "interval": INTERVAL, **args}


async def checks_done(sim, account: str, at_least: int) -> None:
    """Wait (bounded) until the simulator has answered this many checks for the account."""
    await until(lambda: sim.requests_for(account) >= at_least, f"fewer than {at_least} checks reached the simulator")


async def until(condition, failure: str) -> None:
    """Poll a blocking condition off the loop until it holds, or fail after EVENT_WAIT_S."""
    deadline = asyncio.get_running_loop().time() + EVENT_WAIT_S
    while not await asyncio.to_thread(condition):
        assert asyncio.get_running_loop().time() < deadline, failure
        await asyncio.sleep(0.05)


def test_start_event_then_silence_while_the_state_holds(sim) -> None:
    async def scenario() -> None:
        source = Source(watching(sim, **BIG, min_money=100))
        first = await source.next_event()
        assert first["state"] == "ok" and first["previous"] is None
        assert first["balance"]["money"] == 10000 and first["balance"]["sms"]["Russia"] == 10000
        assert first["requirements"][0]["met"] is True
        assert first["forecast"] is None  # one check cannot show a decline
        assert first["msg"] == "money 10000 RUR; every requirement met"
        # cache_ttl is 0 here: every check asks the platform, and none of them emits again.
        await checks_done(sim, "big", 6)
        assert source.queue.empty()
        await source.stop()

    asyncio.run(scenario())


def test_low_after_a_spend_and_ok_after_a_top_up(sim) -> None:
    async def scenario() -> None:
        source = Source(watching(sim, **BIG, min_money=9000, min_sms={"Ukraine": 4000}))
        assert (await source.next_event())["state"] == "ok"
        await asyncio.to_thread(sim.admin, "/admin/spend", {"account": "big", "area": "Russia", "count": 1500})
        low = await source.next_event()
        assert (low["state"], low["previous"]) == ("low", "ok")
        assert low["balance"]["money"] == 8500
        assert low["msg"].startswith("unmet requirements: money 8500 is below min_money 9000")
        assert [check["met"] for check in low["requirements"]] == [False, True]
        # Still low over several more checks: no duplicate alert.
        before = await asyncio.to_thread(sim.requests_for, "big")
        await checks_done(sim, "big", before + 4)
        assert source.queue.empty()
        await asyncio.to_thread(sim.top_up, "big", 1000)
        recovered = await source.next_event()
        assert (recovered["state"], recovered["previous"]) == ("ok", "low")
        assert recovered["balance"]["money"] == 9500
        await source.stop()

    asyncio.run(scenario())


def test_error_on_refused_credentials_then_recovery(sim) -> None:
    async def scenario() -> None:
        # The platform refuses the credentials for two checks (as after a password change not yet
        # rolled out), then accepts them again.
        await asyncio.to_thread(sim.fault, kind="error_200", error="auth", times=2)
        source = Source(watching(sim, **DOCS))
        error = await source.next_event()
        assert (error["state"], error["previous"]) == ("error", None)
        assert "Incorrect login or password" in error["msg"]
        assert error["balance"] is None and error["requirements"] == []
        recovered = await source.next_event()
        assert (recovered["state"], recovered["previous"]) == ("ok", "error")
        assert recovered["balance"]["money"] == 10
        await source.stop()

    asyncio.run(scenario())


def test_wrong_credentials_stay_an_error_without_repeating(sim) -> None:
    async def scenario() -> None:
        source = Source(watching(sim, login="docs-user", password="not-the-password"))
        error = await source.next_event()
        assert error["state"] == "error" and "Incorrect login or password" in error["msg"]
        # The simulator counts refused requests only in its total: wait for several more checks.
        await until(lambda: sim.total_requests() >= 5, "fewer than 5 checks reached the simulator")
        assert source.queue.empty()
        assert source.task.done() is False  # retried at each interval, not given up
        await source.stop()

    asyncio.run(scenario())


def test_forecast_follows_a_known_spend_rate(sim) -> None:
    async def scenario() -> None:
        # 36000 per hour is 10 per second; at 5 checks a second the money crosses 9985 after ~1.5 s.
        await asyncio.to_thread(sim.drain, "big", 36000)
        source = Source(watching(sim, **BIG, min_money=9985, min_sms={"Russia": 9000, "Tele2": 1},
                                 plan={"Russia": 1000, "Ukraine": 1000}))
        assert (await source.next_event())["forecast"] is None
        low = await source.next_event()
        assert low["state"] == "low"
        forecast = low["forecast"]
        # The checks' times are taken when each answer arrives, so scheduling jitter on a busy
        # 2-core machine blurs the rate a little; 15% is far tighter than any wrong formula.
        assert forecast["spend_per_hour"] == pytest.approx(36000, rel=0.15)
        assert forecast["based_on"]["checks"] >= 3
        money = low["balance"]["money"]
        rate = forecast["spend_per_hour"]
        assert forecast["money_runs_out"]["in_hours"] == pytest.approx(money / rate, rel=0.001)
        by_name = {entry["name"]: entry for entry in forecast["requirements"]}
        assert by_name["min_money"]["in_hours"] == 0  # already below: that is why the state is low
        # Russia costs 1: fewer than 9000 SMS once the money is below 9000.
        assert by_name["min_sms[Russia]"]["threshold"] == pytest.approx(9000, rel=0.001)
        assert by_name["min_sms[Russia]"]["in_hours"] == pytest.approx((money - 9000) / rate, rel=0.01)
        assert by_name["min_sms[Tele2]"]["in_hours"] is None  # unlimited never runs out
        assert by_name["plan"]["threshold"] == pytest.approx(1000 * 1 + 1000 * 2, rel=0.001)
        assert "spending" in low["msg"] and "the money runs out in" in low["msg"]
        # A top-up: money went up, so the old rate no longer holds; the recovered event says so.
        await asyncio.to_thread(sim.top_up, "big", 100)
        recovered = await source.next_event()
        assert recovered["state"] == "ok" and recovered["forecast"] is None
        await source.stop()

    asyncio.run(scenario())


def test_a_slow_check_never_blocks_the_event_loop_and_cancels_at_once(sim) -> None:
    async def scenario() -> None:
        await asyncio.to_thread(sim.fault, kind="delay", seconds=3, times=1)
        source = Source(watching(sim, **BIG))
        ticks = 0
        loop = asyncio.get_running_loop()
        started = loop.time()
        while loop.time() - started < 1.0:  # the first check is held for 3 s by the server
            await asyncio.sleep(0.01)
            ticks += 1
        # A loop blocked by the check would manage a tick or two; a free one manages dozens.
        assert ticks > 30
        assert source.queue.empty()
        cancelled_at = loop.time()
        await source.stop()
        # Cancelling does not wait for the held request (it finishes in its thread, bounded by timeout).
        assert loop.time() - cancelled_at < 1.0

    asyncio.run(scenario())


def test_cancelled_while_sleeping(sim) -> None:
    async def scenario() -> None:
        source = Source(watching(sim, **BIG, interval=60))
        assert (await source.next_event())["state"] == "ok"
        await source.stop()
        assert source.task.cancelled()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"intervall": 5}, "unknown option 'intervall'; did you mean 'interval'?"),
        ({"on_shortfall": "warn"}, "unknown option 'on_shortfall'"),
        ({"interval": 0}, "interval must be a positive number of seconds, got 0.0"),
        ({"interval": "soon"}, "interval"),
        ({"min_sms": {"Russia": "many"}}, "min_sms for 'Russia' must be a whole number"),
        ({"token": None}, "missing credentials"),
    ],
)
def test_bad_arguments_emit_one_error_and_stop_the_source(sim, args, expected) -> None:
    async def scenario() -> None:
        source = Source({**watching(sim, **BIG), **args})
        error = await source.next_event()
        assert error["state"] == "error" and error["msg"].startswith("webcom.mobi.balance: ")
        assert expected in error["msg"]
        with pytest.raises(balance.SourceArgumentError, match="webcom.mobi.balance: "):
            await asyncio.wait_for(source.task, EVENT_WAIT_S)
        assert source.queue.empty()

    asyncio.run(scenario())
    assert sim.total_requests() == 0  # nothing was sent


def test_credentials_from_the_environment(sim, monkeypatch) -> None:
    monkeypatch.setenv("WEBCOM_API_URL", sim.api_url)
    monkeypatch.setenv("WEBCOM_TOKEN", BIG["token"])

    async def scenario() -> None:
        source = Source({"interval": INTERVAL, "eda_feedback_queue": asyncio.Queue()})  # ansible-rulebook adds the latter
        event = await source.next_event()
        assert event["state"] == "ok" and event["balance"]["api_url"] == sim.api_url
        await source.stop()

    asyncio.run(scenario())


def test_no_secret_in_any_event_or_log_line(sim, caplog) -> None:
    caplog.set_level(logging.DEBUG)

    async def scenario() -> None:
        # A broken server echoes the request, password and all, for one check.
        await asyncio.to_thread(sim.fault, kind="echo", status=500, times=1)
        source = Source(watching(sim, **DOCS, retries=0, min_money=20))
        error = await source.next_event()
        assert error["state"] == "error" and "********" in error["msg"]
        low = await source.next_event()
        assert (low["state"], low["previous"]) == ("low", "error")
        await source.stop()
        bad = Source(watching(sim, login="docs-user", password=DOCS_PASSWORD, tokn="x"))
        assert (await bad.next_event())["state"] == "error"
        with pytest.raises(balance.SourceArgumentError):
            await bad.task
        return source.events + bad.events

    events = asyncio.run(scenario())
    logged = [record.getMessage() for record in caplog.records]
    assert any("error -> low" in line for line in logged)  # state changes are logged
    texts = [json.dumps(event, ensure_ascii=False) for event in events] + logged
    for text in texts:
        assert DOCS_PASSWORD not in text
        assert json.dumps(DOCS_PASSWORD)[1:-1] not in text
        assert "r-docs" not in text  # no recognisable piece of it either


def test_a_watcher_never_shows_its_secrets() -> None:
    watcher = balance.watcher_from({"api_url": "https://example.invalid/xml", "login": "docs-user", "password": DOCS_PASSWORD,
                                    "proxy": "http://user:Pr0xy-pw@proxy.invalid:3128"})
    for shown in (repr(watcher), str(watcher), repr([watcher])):
        assert DOCS_PASSWORD not in shown and "Pr0xy-pw" not in shown


def test_loads_as_ansible_rulebook_loads_it() -> None:
    """runpy.run_path on the installed file, in a fresh interpreter with no collection on sys.path."""
    from _collection_tree import collections_root

    plugin = collections_root() / "ansible_collections/webcom/mobi/extensions/eda/plugins/event_source/balance.py"
    code = (
        "import asyncio, runpy, sys\n"
        "assert not any('collections' in p for p in sys.path), sys.path\n"
        f"module = runpy.run_path({str(plugin)!r})\n"
        "print(asyncio.iscoroutinefunction(module['main']))\n"
    )
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "ANSIBLE_COLLECTIONS_PATH")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False, cwd="/")
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "True"
