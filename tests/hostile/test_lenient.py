"""Issue 12, class 7: counts are read exactly as XSD defines xs:integer, ASCII digits only.

Before the fix Python's int() accepted Arabic-Indic digits, fullwidth digits and underscores,
so "٥٥", "５５" and "1_000" passed as 55, 55 and 1000.
"""

from __future__ import annotations

import pytest
from hostile_run import assert_lookup_failed_clearly, assert_one_clear_line, balance_task, lookup_task, run_hostile
from hostile_server import http_response
from playbook_runner import play

TOKEN = "Tk-HOSTILE-lenient-e4a2"
BAD_COUNTS = {"arabic-indic": "\u0665\u0665", "fullwidth": "\uff15\uff15", "underscore": "1_000"}
SCHEMA_WORDS = ("schema", "invalid", "not valid", "count", "sms")


def balance_with_count(count: str) -> bytes:
    return http_response(f'<?xml version="1.0" encoding="utf-8"?><response><money>150</money><sms area="Russia">{count}</sms></response>')


@pytest.mark.parametrize("plugin", ["module", "lookup"])
def test_counts_with_non_ascii_digits_or_underscores_are_rejected(serve, tmp_path, plugin) -> None:
    servers = {name: serve([balance_with_count(count)]) for name, count in BAD_COUNTS.items()}
    guard = serve([balance_with_count("55")])
    if plugin == "module":
        tasks = [balance_task(f"count {name}", server.api_url, timeout=2, retries=0) for name, server in servers.items()]
    else:
        tasks = [lookup_task(f"count {name}", server.api_url, timeout=2, retries=0) for name, server in servers.items()]
    tasks.append(balance_task("count ascii", guard.api_url, timeout=2, retries=0))
    outcome = run_hostile(tmp_path, [play(tasks)], secrets={"token": TOKEN}, timeout=180)
    for name in BAD_COUNTS:
        if plugin == "module":
            assert_one_clear_line(outcome, f"count {name}", *SCHEMA_WORDS)
        else:
            assert_lookup_failed_clearly(outcome, f"count {name}", *SCHEMA_WORDS)
    accepted = outcome.result("count ascii")
    assert accepted["status"] == "ok" and accepted["result"]["balance"]["sms"] == {"Russia": 55}, accepted
