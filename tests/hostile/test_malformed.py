"""Issue 12, class 9: the words of an error match what happened, and what is not transient is not retried.

Before the fix a garbage status line, 100+ headers or a 64 KiB header line read as "cannot
connect" and were retried; a read timeout mid-body said "connection failed"; and "Retry-After: 0"
(or a date in the past) on 503s turned the backoff off, so retries came back to back.
"""

from __future__ import annotations

from hostile_run import assert_one_clear_line, balance_task, run_hostile
from hostile_server import http_response
from playbook_runner import play

TOKEN = "Tk-HOSTILE-malformed-0b9e"
NOT_HTTP_WORDS = ("malformed", "not http", "not an http", "not valid http", "invalid http", "garbled")
GARBAGE_STATUS = [b"HTTP/1.1 abc\r\nContent-Length: 0\r\n\r\n"]
TOO_MANY_HEADERS = [b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Header-%d: v\r\n" % n for n in range(150)) + b"Content-Length: 0\r\n\r\n"]
HUGE_HEADER_LINE = [b"HTTP/1.1 200 OK\r\nX-Huge: " + b"a" * 65536 + b"\r\nContent-Length: 0\r\n\r\n"]
STALLS_MID_BODY = [b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n<?xml version", ("sleep", 30)]
# The smallest wait between tries the backoff allows is 0.5 s; 0.4 s leaves room for scheduling.
MIN_GAP_S = 0.4


def unavailable(retry_after: str) -> list[bytes]:
    return [http_response("busy", status="503 Service Unavailable", headers=[f"Retry-After: {retry_after}"], content_type="text/plain")]


def test_malformed_answers_are_named_and_not_retried(serve, tmp_path) -> None:
    garbage, headers, line, facts = serve(GARBAGE_STATUS), serve(TOO_MANY_HEADERS), serve(HUGE_HEADER_LINE), serve(GARBAGE_STATUS)
    stall = serve(STALLS_MID_BODY)
    zero, past = serve(unavailable("0")), serve(unavailable("Wed, 21 Oct 2015 07:28:00 GMT"))
    tasks = [
        balance_task("info garbage status line", garbage.api_url, timeout=2, retries=3),
        balance_task("info 150 headers", headers.api_url, timeout=2, retries=3),
        balance_task("info 64 KiB header line", line.api_url, timeout=2, retries=3),
        balance_task("facts garbage status line", facts.api_url, module="webcom.mobi.balance_facts", timeout=2, retries=3),
        balance_task("info stalls mid-body", stall.api_url, timeout=1, retries=0),
        balance_task("info 503 Retry-After 0", zero.api_url, timeout=2, retries=3),
        balance_task("info 503 Retry-After in the past", past.api_url, timeout=2, retries=3),
    ]
    outcome = run_hostile(tmp_path, [play(tasks)], secrets={"token": TOKEN}, timeout=240)

    for task, server in (("info garbage status line", garbage), ("info 150 headers", headers), ("info 64 KiB header line", line),
                         ("facts garbage status line", facts)):
        msg = assert_one_clear_line(outcome, task, *NOT_HTTP_WORDS)
        assert "cannot connect" not in msg.lower() and "connection failed" not in msg.lower(), msg
        assert server.request_count == 1, f"{task}: a malformed answer is not transient, yet it was sent {server.request_count} times"
    msg = assert_one_clear_line(outcome, "info stalls mid-body", "timeout")
    assert "connection failed" not in msg.lower() and "cannot connect" not in msg.lower(), msg
    for task, server in (("info 503 Retry-After 0", zero), ("info 503 Retry-After in the past", past)):
        assert_one_clear_line(outcome, task, "503")
        assert server.request_count == 4, f"{task}: {server.request_count} requests"
        gaps = server.arrival_gaps()
        assert min(gaps) >= MIN_GAP_S, f"{task}: the backoff was switched off, tries {gaps} s apart"
