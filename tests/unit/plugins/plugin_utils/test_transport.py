"""The transport against a server that sends exactly the bytes a test gives it, at the pace it gives.

Behaviour only: where a test bounds a duration, the bound is the contract's (tries × timeout plus
backoff) with a wide margin, against released code that took minutes.
"""

from __future__ import annotations

import gzip
import time

import pytest
from hostile_server import HostileServer

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import (
    CredentialsError,
    ResponseFormatError,
    ResponseTooLargeError,
    TransportError,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import connection_settings
from ansible_collections.webcom.mobi.plugins.plugin_utils._transport import post_document

BALANCE = b'<response><money>10</money><sms area="Russia">10</sms></response>'


def ok(body: bytes = BALANCE, *headers: str) -> bytes:
    head = "".join(f"{header}\r\n" for header in ("HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *headers))
    return head.encode() + b"\r\n" + body


def post(server: HostileServer, *, timeout: float = 1.0, retries: int = 0, waits: list[float] | None = None):
    settings = connection_settings({"api_url": server.api_url, "token": "t0k", "timeout": timeout, "retries": retries})
    sleep = waits.append if waits is not None else time.sleep
    return post_document(settings, settings.endpoint("balance.php"), b"<request/>", sleep=sleep)


def test_a_plain_answer_is_read() -> None:
    with HostileServer([ok()]) as server:
        reply = post(server)
    assert (reply.status, reply.body) == (200, BALANCE)
    request = server.connections[0].request
    assert request.startswith(b"POST /xml/balance.php HTTP/1.1\r\n")
    assert b"\r\nAccept-Encoding: identity\r\n" in request


@pytest.mark.parametrize(
    "script",
    [
        pytest.param([("drip", ok(), 0.2)], id="body-and-headers-one-byte-at-a-time"),
        pytest.param([("repeat", b"HTTP/1.1 100 Continue\r\n\r\n", 0.05)], id="interim-responses-for-ever"),
        pytest.param([b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", ("drip", b"x" * 100, 0.2)], id="dribbled-body"),
    ],
)
def test_a_try_is_cut_when_its_timeout_runs_out(script) -> None:
    started = time.monotonic()
    with HostileServer(script) as server:
        with pytest.raises(TransportError) as caught:
            post(server, timeout=1.0, retries=1, waits=[])
    took = time.monotonic() - started
    assert str(caught.value).startswith("timeout: no complete answer within 1 s from ")
    assert " after 2 tries in " in str(caught.value)
    assert server.request_count == 2
    # Two tries of 1 s each; released code kept reading for as long as the server kept sending.
    assert took < 10, took


def test_a_compressed_body_is_refused_unread() -> None:
    bomb = gzip.compress(gzip.compress(b"\0" * 50_000_000))
    with HostileServer([ok(bomb, "Content-Encoding: gzip, gzip")]) as server:
        with pytest.raises(ResponseFormatError) as caught:
            post(server)
    assert str(caught.value) == (
        "the server sent a compressed response (Content-Encoding: gzip, gzip) although it was asked not to; "
        "refused unread, so no body can inflate past the size limit"
    )


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    with HostileServer([b"HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n" + b"x" * 10]) as server:
        with pytest.raises(ResponseTooLargeError):
            post(server)


@pytest.mark.parametrize(
    "answer, detail",
    [
        (b"HTTP/1.1 abc\r\n\r\n", "no HTTP status line"),
        (b"garbage\r\n\r\n", "no HTTP status line"),
        (b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: y\r\n" % n for n in range(120)) + b"\r\n", "too many headers"),
        (b"HTTP/1.1 200 OK\r\nX-Long: " + b"y" * 70_000 + b"\r\n\r\n", "a header or status line is too long"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", "broken chunked encoding"),
    ],
    ids=["bad-status", "not-http", "120-headers", "64k-header", "broken-chunks"],
)
def test_an_answer_that_is_not_http_is_one_line_and_not_retried(answer: bytes, detail: str) -> None:
    with HostileServer([answer]) as server:
        with pytest.raises(TransportError) as caught:
            post(server, retries=3, waits=[])
    assert str(caught.value) == (
        f"the answer from {server.api_url}/balance.php is not valid HTTP ({detail}); check that api_url (and any "
        "proxy in between) is the platform's XML interface; not retried"
    )
    assert server.request_count == 1


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param([b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<response>", ("close",)], id="short-body"),
        pytest.param([b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<response>", ("sleep", 0.1), ("reset",)], id="reset"),
        pytest.param([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<resp", ("close",)], id="chunks-cut"),
    ],
)
def test_an_answer_cut_short_is_a_connection_failure_and_retried(cut) -> None:
    with HostileServer(lambda number: cut if number == 0 else [ok()]) as server:
        reply = post(server, retries=1, waits=[])
    assert reply.body == BALANCE
    assert server.request_count == 2


def test_an_answer_cut_short_every_time_says_so_in_one_line() -> None:
    with HostileServer([b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<response>", ("reset",)]) as server:
        with pytest.raises(TransportError) as caught:
            post(server, retries=1, waits=[])
    assert str(caught.value).startswith(
        "cannot connect: the server closed the connection before the whole answer arrived from "
    )


def test_a_retry_after_in_other_digits_is_ignored_on_a_good_answer() -> None:
    with HostileServer([ok(BALANCE, "Retry-After: \u0663")]) as server:
        assert post(server).status == 200


@pytest.mark.parametrize("retry_after", ["0", "Thu, 01 Jan 1970 00:00:00 GMT", "\u0663", "99999999999999999999"])
def test_retry_after_never_shortens_our_backoff(retry_after: str) -> None:
    waits: list[float] = []
    unavailable = f"HTTP/1.1 503 Service Unavailable\r\nRetry-After: {retry_after}\r\nContent-Length: 0\r\n\r\n".encode()
    with HostileServer([unavailable]) as server:
        with pytest.raises(TransportError) as caught:
            post(server, retries=3, waits=waits)
    assert str(caught.value).startswith("HTTP 503 Service Unavailable from ")
    assert waits == [0.5, 1.0, 2.0] or all(wait == 60.0 for wait in waits), waits
    assert server.request_count == 4


def test_a_long_retry_after_is_capped() -> None:
    waits: list[float] = []
    with HostileServer([b"HTTP/1.1 429 Too Many\r\nRetry-After: 3600\r\nContent-Length: 0\r\n\r\n"]) as server:
        with pytest.raises(TransportError):
            post(server, retries=1, waits=waits)
    assert waits == [60.0]


def test_a_redirect_location_reaches_the_message_without_terminal_controls() -> None:
    answer = b"HTTP/1.1 302 Found\r\nLocation: http://evil.invalid/\x1b[2J\xe2\x80\xaeabc\r\nContent-Length: 0\r\n\r\n"
    with HostileServer([answer]) as server:
        with pytest.raises(TransportError) as caught:
            post(server)
    message = str(caught.value)
    assert "redirects to http://evil.invalid/" in message
    assert "\x1b" not in message and "\u202e" not in message


def test_a_request_made_by_a_function_is_made_once_after_the_first_connection_is_up() -> None:
    unavailable = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
    made_while_connected: list[int] = []
    with HostileServer(lambda number: [unavailable] if number == 0 else [ok()]) as server:

        def make() -> bytes:
            # Connected already: the server accepts this connection while we wait (it would never, were we not).
            waited_until = time.monotonic() + 2
            while server.request_count == 0 and time.monotonic() < waited_until:
                time.sleep(0.01)
            made_while_connected.append(server.request_count)
            return b"<request/>"

        settings = connection_settings({"api_url": server.api_url, "token": "t0k", "timeout": 2, "retries": 1})
        reply = post_document(settings, settings.endpoint("balance.php"), make, sleep=lambda _s: None)
    assert reply.status == 200
    assert made_while_connected == [1]  # made once, when the first connection was up; the retry reused it
    assert [c.request.endswith(b"\r\n\r\n<request/>") for c in server.connections] == [True, True]


@pytest.mark.parametrize("error", [CredentialsError("the credentials could not be encoded"), ValueError("ours")])
def test_what_making_the_request_raises_is_raised_as_it_is_never_as_a_network_failure(error) -> None:
    def make() -> bytes:
        raise error

    with HostileServer([ok()]) as server:
        settings = connection_settings({"api_url": server.api_url, "token": "t0k", "timeout": 2, "retries": 1})
        with pytest.raises(type(error)) as caught:
            post_document(settings, settings.endpoint("balance.php"), make, sleep=lambda _s: None)
    assert caught.value is error
    assert server.request_count == 1  # not retried: nothing was sent, and another try would fail the same way
    assert server.connections[0].request == b""


def test_making_the_request_does_not_use_up_the_try_s_time() -> None:
    # A schema library slow to load on a busy controller is not the network being slow.
    def slow_to_make() -> bytes:
        time.sleep(0.6)
        return b"<request/>"

    with HostileServer([ok()]) as server:
        settings = connection_settings({"api_url": server.api_url, "token": "t0k", "timeout": 0.3, "retries": 0})
        reply = post_document(settings, settings.endpoint("balance.php"), slow_to_make, sleep=lambda _s: None)
    assert (reply.status, server.request_count) == (200, 1)


def test_a_try_still_ends_when_the_network_is_slow_after_the_request_is_made() -> None:
    def slow_to_make() -> bytes:
        time.sleep(0.3)
        return b"<request/>"

    with HostileServer([("drip", ok(), 0.1)]) as server:  # each byte in time, the whole answer never
        settings = connection_settings({"api_url": server.api_url, "token": "t0k", "timeout": 0.5, "retries": 0})
        # Cut as a timeout: were the watchdog not resumed, the drip (each byte within the socket's
        # own timeout) would run to its end and answer 200.
        with pytest.raises(TransportError, match="within 0.5 s"):
            post_document(settings, settings.endpoint("balance.php"), slow_to_make, sleep=lambda _s: None)


def test_a_request_that_cannot_be_made_fails_at_once_even_when_no_connection_can_be_made() -> None:
    import socket

    def broken() -> bytes:
        raise CredentialsError("the schema library is broken")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/xml"
    settings = connection_settings({"api_url": closed, "token": "t0k", "timeout": 1, "retries": 3})
    waits: list[float] = []
    with pytest.raises(CredentialsError, match="broken"):
        post_document(settings, settings.endpoint("balance.php"), broken, sleep=waits.append)
    assert waits == []  # no retry for a failure of ours, and it is not hidden behind "connection refused"
