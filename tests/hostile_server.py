"""A hostile HTTP server for tests: it serves exactly the bytes a test scripts, at the pace it scripts.

Unlike the simulator it knows nothing about the platform: a script is a list of steps played on
each connection after the request has been read (or read as far as the client sends it):

- ``bytes``: sent as they are;
- a callable ``(request: bytes) -> bytes``: sent as it returns (to echo what the client sent);
- ``("sleep", seconds)``: pause;
- ``("drip", data, interval)``: send ``data`` one byte at a time, ``interval`` seconds apart;
- ``("repeat", data, interval)``: send ``data`` again and again until the client gives up;
- ``("close",)``: orderly close (FIN), also the default when the script ends;
- ``("reset",)``: abortive close (RST: ``SO_LINGER`` on, zero seconds).

``script`` may also be a callable ``(connection_number) -> list`` (0 for the first connection), to
answer differently per try. Every connection's request bytes and arrival time are recorded.
Servers bind 127.0.0.1 on a free port; leaving the ``with`` block stops and joins every thread.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Step = bytes | Callable[[bytes], bytes] | tuple[Any, ...]
Script = Sequence[Step] | Callable[[int], Sequence[Step]]

REQUEST_READ_TIMEOUT_S = 5.0
MAX_REQUEST_BYTES = 1024 * 1024


@dataclass
class Connection:
    number: int
    arrived_at: float  # time.monotonic() when accepted
    request: bytes = b""


@dataclass
class HostileServer:
    script: Script
    connections: list[Connection] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._open_sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"hostile-{self.port}", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The api_url to give the plugins: they POST to ``<api_url>/balance.php``."""
        return f"{self.base_url}/xml"

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.connections)

    def arrival_gaps(self) -> list[float]:
        with self._lock:
            times = [c.arrived_at for c in self.connections]
        return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]

    def start(self) -> HostileServer:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._acceptor.join(timeout=10)
        with self._lock:
            sockets = list(self._open_sockets)
            threads = list(self._threads)
        for sock in sockets:
            _quietly(sock.close)  # wakes any thread blocked in send/recv on it
        for thread in threads:
            thread.join(timeout=10)
        self._listener.close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _address = self._listener.accept()
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                return
            with self._lock:
                connection = Connection(len(self.connections), time.monotonic())
                self.connections.append(connection)
                self._open_sockets.add(sock)
                thread = threading.Thread(target=self._serve, args=(sock, connection), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, connection: Connection) -> None:
        try:
            connection.request = self._read_request(sock)
            steps = self.script(connection.number) if callable(self.script) else self.script
            self._play(sock, steps, connection.request)
        except OSError:
            pass  # the client gave up (closed or reset): nothing more to serve
        finally:
            with self._lock:
                self._open_sockets.discard(sock)
            _quietly(sock.close)

    def _read_request(self, sock: socket.socket) -> bytes:
        """Read the head and a Content-Length body, as far as the client sends them."""
        sock.settimeout(REQUEST_READ_TIMEOUT_S)
        received = b""
        try:
            while b"\r\n\r\n" not in received and len(received) < MAX_REQUEST_BYTES:
                chunk = sock.recv(65536)
                if not chunk:
                    return received
                received += chunk
            head, _separator, body = received.partition(b"\r\n\r\n")
            length = _content_length(head)
            while len(body) < length and len(received) < MAX_REQUEST_BYTES:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
                received += chunk
        except TimeoutError:
            pass
        finally:
            sock.settimeout(None)
        return received

    def _play(self, sock: socket.socket, steps: Sequence[Step], request: bytes) -> None:
        for step in steps:
            if self._stopping.is_set():
                return
            if isinstance(step, bytes):
                sock.sendall(step)
            elif callable(step):
                sock.sendall(step(request))
            elif step[0] == "sleep":
                self._stopping.wait(step[1])
            elif step[0] == "drip":
                for byte in step[1]:
                    sock.sendall(bytes([byte]))
                    if self._stopping.wait(step[2]):
                        return
            elif step[0] == "repeat":
                while not self._stopping.is_set():
                    sock.sendall(step[1])
                    self._stopping.wait(step[2])
                return
            elif step[0] == "close":
                break
            elif step[0] == "reset":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
                return
            else:
                raise ValueError(f"unknown step {step!r}")
        _quietly(lambda: sock.shutdown(socket.SHUT_WR))
        # Let the client read to the end before the socket goes: closing with unread request
        # bytes would turn our FIN into a reset.
        sock.settimeout(2.0)
        _quietly(lambda: sock.recv(65536))


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _colon, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return int(value.strip())
            except ValueError:
                return 0
    return 0


def _quietly(action: Callable[[], object]) -> None:
    try:
        action()
    except OSError:
        pass


def http_response(body: bytes | str, *, status: str = "200 OK", headers: Sequence[str] = (), content_type: str = "text/xml; charset=utf-8") -> bytes:
    """A complete HTTP/1.1 response with a correct Content-Length; ``headers`` are extra lines."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", f"Content-Length: {len(data)}", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + data


BALANCE_XML = '<?xml version="1.0" encoding="utf-8"?><response><money currency="RUR">150</money><sms area="Russia">111</sms></response>'
