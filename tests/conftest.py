from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from _collection_tree import activate

COLLECTIONS_ROOT = activate()

from simulator_harness import DEFAULT_ACCOUNTS, RunningSimulator  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test writes to the user's own ~/.cache: answers and compiled schemas go to a session directory."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSimulator]:
    """One simulator for the session; tests that inject faults reset it when done."""
    running = RunningSimulator(tmp_path_factory.mktemp("simulator"), {"accounts": DEFAULT_ACCOUNTS})
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def fresh_simulator(tmp_path) -> Iterator[RunningSimulator]:
    """A simulator of one's own, for tests that spend money or count requests."""
    running = RunningSimulator(tmp_path, {"accounts": DEFAULT_ACCOUNTS})
    try:
        yield running
    finally:
        running.stop()
