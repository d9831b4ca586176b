from __future__ import annotations

from collections.abc import Iterator

import pytest
from _collection_tree import activate

COLLECTIONS_ROOT = activate()

from simulator_harness import DEFAULT_ACCOUNTS, RunningSimulator  # noqa: E402


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
