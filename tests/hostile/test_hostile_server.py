"""The hostile server itself: it plays scripts exactly, records what it received, and always stops."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from hostile_server import HostileServer, http_response


def exchange(server: HostileServer, request: bytes = b"POST /xml/balance.php HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc") -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_scripts_per_connection_and_records_requests() -> None:
    with HostileServer(lambda number: [http_response(f"try {number}"), ("close",), b"never sent"]) as server:
        first, second = exchange(server), exchange(server)
    assert first.endswith(b"try 0") and second.endswith(b"try 1")
    assert server.request_count == 2
    assert server.connections[0].request.endswith(b"\r\n\r\nabc")
    assert len(server.arrival_gaps()) == 1


def test_echo_sleep_and_drip() -> None:
    with HostileServer([("drip", b"ab", 0.1), ("sleep", 0.2), lambda request: request[-3:]]) as server:
        started = time.monotonic()
        assert exchange(server) == b"ababc"
        paced = time.monotonic() - started
        # A lower bound, so not load-sensitive: the server really waited between the bytes it dripped.
        assert paced >= 0.4


def test_reset_reaches_the_client_as_a_reset() -> None:
    with HostileServer([b"HTTP/1.1 200 OK\r\n", ("sleep", 0.1), ("reset",)]) as server, pytest.raises(ConnectionResetError):
        exchange(server)


def test_stop_ends_an_endless_stream_and_survives_a_client_that_left() -> None:
    server = HostileServer([("repeat", b"HTTP/1.1 100 Continue\r\n\r\n", 0.05)]).start()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100")
    gone = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    gone.sendall(b"GET / HTTP/1.1\r\n\r\n")
    stopping = threading.Thread(target=server.stop)
    stopping.start()
    stopping.join(timeout=30)  # behaviour, not speed: stop() ends an endless stream instead of hanging
    gone.close()
    assert not stopping.is_alive()
    assert server.request_count == 2
