"""Fixtures of the hostile-server suite: servers that serve crafted bytes, stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hostile_server import HostileServer, Script


@pytest.fixture
def serve() -> Iterator[Callable[[Script], HostileServer]]:
    """Start a hostile server for a script; every server started is stopped and joined at teardown."""
    started: list[HostileServer] = []

    def start(script: Script) -> HostileServer:
        server = HostileServer(script).start()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()
