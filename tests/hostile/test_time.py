"""Issue 12, class 2: `timeout` bounds a whole try, so a slow or endless server cannot hold a task.

Before the fix `timeout` bounded each socket read only: a server sending a byte a second (in the
body or the headers), or streaming "100 Continue" forever, kept a task alive without end.

Wall-time bounds here are behavioural, not performance targets: the contract bounds a task by
(retries + 1) x timeout plus the backoff waits; we allow twice that plus Ansible's start-up
(STARTUP_ALLOWANCE_S). The released code never finishes these runs (it is killed at the bound).
"""

from __future__ import annotations

import re

from hostile_run import STARTUP_ALLOWANCE_S, assert_lookup_failed_clearly, assert_one_clear_line, balance_task, lookup_task, run_hostile, tries_in
from hostile_server import BALANCE_XML
from playbook_runner import play

TOKEN = "Tk-HOSTILE-time-5c1e"
HEAD_200 = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4096\r\n\r\n"
DRIP_BODY = [HEAD_200, ("repeat", b"<", 1.0)]
DRIP_HEADERS = [("drip", b"HTTP/1.1 200 OK\r\n", 0.2), ("repeat", b"X", 1.0)]
ENDLESS_CONTINUE = [("repeat", b"HTTP/1.1 100 Continue\r\n\r\n", 0.2)]
FIRST_BACKOFF_S = 0.5
SAYS_HOW_LONG = re.compile(r"\b\d+(?:\.\d+)?\s?s(?:ec|econds?)?\b")


def contract_bound_s(timeout: float, retries: int) -> float:
    """(retries + 1) x timeout plus the exponential backoff waits (0.5 s, 1 s, 2 s...) between tries."""
    return (retries + 1) * timeout + sum(FIRST_BACKOFF_S * 2**n for n in range(retries))


def test_every_try_is_cut_at_timeout_for_every_plugin(serve, tmp_path) -> None:
    body, head, cont, facts, lookup = (serve(DRIP_BODY), serve(DRIP_HEADERS), serve(ENDLESS_CONTINUE), serve(DRIP_BODY), serve(DRIP_BODY))
    # The guard against a fix that cuts too early: a whole answer dripped over ~1 s, timeout 5.
    balance = BALANCE_XML.encode()
    slow = serve([f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {len(balance)}\r\n\r\n".encode(), ("drip", balance, 1.0 / len(balance))])
    tasks = [
        balance_task("info body drips", body.api_url, timeout=2, retries=1),
        balance_task("info headers drip", head.api_url, timeout=2, retries=0),
        balance_task("info endless 100 Continue", cont.api_url, timeout=2, retries=0),
        balance_task("facts body drips", facts.api_url, module="webcom.mobi.balance_facts", timeout=2, retries=0),
        lookup_task("lookup body drips", lookup.api_url, timeout=2, retries=0),
        balance_task("info slow but in time", slow.api_url, timeout=5, retries=0),
    ]
    bound = 2 * (contract_bound_s(2, 1) + 4 * contract_bound_s(2, 0) + contract_bound_s(5, 0)) + STARTUP_ALLOWANCE_S
    outcome = run_hostile(tmp_path, [play(tasks)], secrets={"token": TOKEN}, timeout=bound)
    assert outcome.elapsed_s < bound
    msg = assert_one_clear_line(outcome, "info body drips", "timeout")
    assert tries_in(msg) == 2, msg
    assert SAYS_HOW_LONG.search(msg), f"the error does not say how long it tried: {msg}"
    assert body.request_count == 2
    for task in ("info headers drip", "info endless 100 Continue", "facts body drips"):
        msg = assert_one_clear_line(outcome, task, "timeout")
        assert tries_in(msg) == 1, msg
    assert_lookup_failed_clearly(outcome, "lookup body drips", "timeout")
    assert [s.request_count for s in (head, cont, facts, lookup)] == [1, 1, 1, 1]
    in_time = outcome.result("info slow but in time")
    assert in_time["status"] == "ok" and in_time["result"]["balance"]["money_text"] == "150", in_time


def test_forks_waiting_on_the_cache_lock_are_bounded_too(serve, tmp_path) -> None:
    # Three hosts, three forks, one cache entry: one fork fetches while the others wait on its lock.
    server = serve(DRIP_BODY)
    task = balance_task("info shared entry", server.api_url, timeout=2, retries=0, cache_ttl=60)
    hosts = 3
    # Each host may wait for one bounded fetch and then make its own: 2 x the bound per host.
    bound = 2 * hosts * 2 * contract_bound_s(2, 0) + STARTUP_ALLOWANCE_S
    outcome = run_hostile(
        tmp_path, [play([task], hosts="all")], secrets={"token": TOKEN},
        timeout=bound, hosts=hosts - 1, ansible_cfg="forks = 3\n",
    )
    assert outcome.elapsed_s < bound
    for host in ("localhost", "host000", "host001"):
        assert_one_clear_line(outcome, "info shared entry", "timeout", "timed out", host=host)
