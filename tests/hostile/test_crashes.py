"""Issue 12, class 6 (and 3's corrupt encodings): every failure is one clear line, never a crash.

Before the fix these ended in "unexpected <Exception>" (or a crash message of Ansible's own):
broken chunked encoding, a body shorter than its Content-Length, a reset mid-body, a Retry-After
with a non-ASCII digit on a good answer, a balance with ~40 significant digits and a plan, a
malformed proxy URL, a timeout of nan or inf, a port out of range, a corrupt gzip body.
"""

from __future__ import annotations

from hostile_run import assert_lookup_failed_clearly, assert_one_clear_line, balance_task, lookup_task, run_hostile
from hostile_server import BALANCE_XML, http_response
from playbook_runner import play

TOKEN = "Tk-HOSTILE-crash-31d0"
PROXY_PASSWORD = "pa55-Prx-HOSTILE"
BROKEN_CHUNKED = [b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n<response>\r\n0\r\n\r\n"]
SHORT_BODY = [b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n" + BALANCE_XML.encode()[:60], ("close",)]
RESET_MID_BODY = [b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n" + BALANCE_XML.encode()[:60], ("sleep", 0.2), ("reset",)]
HUGE_MONEY = '<?xml version="1.0" encoding="utf-8"?><response><money>1234567890123456789012345678901234567890.5</money><sms area="Russia">111</sms></response>'


def good_balance_with(header: bytes) -> list[bytes]:
    body = BALANCE_XML.encode()
    return [b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n" + header + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body]


def test_broken_answers_and_options_fail_with_one_clear_line(serve, tmp_path) -> None:
    s = {
        "chunked": serve(BROKEN_CHUNKED),
        "short": serve(SHORT_BODY),
        "reset": serve(RESET_MID_BODY),
        "arabic retry-after": serve(good_balance_with("Retry-After: \u0663".encode())),
        "superscript retry-after": serve(good_balance_with(b"Retry-After: \xb2")),
        "huge money": serve([http_response(HUGE_MONEY)]),
        "proxy": serve([http_response(BALANCE_XML)]),
        "nan": serve([http_response(BALANCE_XML)]),
        "inf": serve([http_response(BALANCE_XML)]),
        "corrupt gzip": serve([http_response(b"\x1f\x8b\x08\x00 this is not gzip", headers=["Content-Encoding: gzip"])]),
        "lookup chunked": serve(BROKEN_CHUNKED),
        "facts reset": serve(RESET_MID_BODY),
    }
    tasks = [
        balance_task("info broken chunked", s["chunked"].api_url, timeout=2, retries=0),
        balance_task("info body shorter than Content-Length", s["short"].api_url, timeout=2, retries=0),
        balance_task("info reset mid-body", s["reset"].api_url, timeout=2, retries=1),
        balance_task("info arabic digit Retry-After", s["arabic retry-after"].api_url, timeout=2, retries=0),
        balance_task("info superscript Retry-After", s["superscript retry-after"].api_url, timeout=2, retries=0),
        balance_task("info huge money and a plan", s["huge money"].api_url, timeout=2, retries=0, plan={"Russia": 10}),
        balance_task("info malformed proxy", s["proxy"].api_url, timeout=2, retries=0, proxy="{{ bad_proxy }}"),
        balance_task("info timeout nan", s["nan"].api_url, timeout="nan", retries=0),
        balance_task("info timeout inf", s["inf"].api_url, timeout="inf", retries=0),
        balance_task("info port out of range", "http://127.0.0.1:99999/xml", timeout=2, retries=0),
        balance_task("info corrupt gzip", s["corrupt gzip"].api_url, timeout=2, retries=0),
        lookup_task("lookup broken chunked", s["lookup chunked"].api_url, timeout=2, retries=0),
        balance_task("facts reset mid-body", s["facts reset"].api_url, module="webcom.mobi.balance_facts", timeout=2, retries=0),
    ]
    secrets = {"token": TOKEN, "bad_proxy": f"http://user:{PROXY_PASSWORD}@[::1"}
    outcome = run_hostile(tmp_path, [play(tasks)], secrets=secrets, timeout=240)

    for task in ("info broken chunked", "info body shorter than Content-Length", "info corrupt gzip"):
        assert_one_clear_line(outcome, task)
    reset = assert_one_clear_line(outcome, "info reset mid-body", "connect", "closed", "reset")
    assert s["reset"].request_count == 2, f"a reset is a connection error, retried once: {reset}"
    assert_one_clear_line(outcome, "facts reset mid-body", "connect", "closed", "reset")
    for task in ("info arabic digit Retry-After", "info superscript Retry-After"):
        record = outcome.result(task)
        assert record["status"] == "ok" and record["result"]["balance"]["money_text"] == "150", record
    huge = outcome.result("info huge money and a plan")
    if huge["status"] == "failed":  # refusing the balance is fine; crashing on it is not
        assert_one_clear_line(outcome, "info huge money and a plan")
    else:
        assert huge["result"]["requirements"], huge
    assert_one_clear_line(outcome, "info malformed proxy", "proxy")
    assert s["proxy"].request_count == 0
    for task in ("info timeout nan", "info timeout inf"):
        assert_one_clear_line(outcome, task, "timeout")
    assert s["nan"].request_count == 0 and s["inf"].request_count == 0
    assert_one_clear_line(outcome, "info port out of range", "port", "url")
    assert_lookup_failed_clearly(outcome, "lookup broken chunked")
    for where, text in outcome.haystacks().items():
        assert PROXY_PASSWORD not in text, f"the proxy's password is in {where}"
