from __future__ import annotations

from collections.abc import Iterator

import pytest
from _collection_tree import collections_root
from examples_setup import EXAMPLE_ACCOUNTS, EXAMPLES, ExampleRunner
from simulator_harness import RunningSimulator


@pytest.fixture(scope="session")
def examples_simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSimulator]:
    running = RunningSimulator(tmp_path_factory.mktemp("examples-simulator"), {"accounts": list(EXAMPLE_ACCOUNTS.values())})
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def example_runner(tmp_path_factory: pytest.TempPathFactory, examples_simulator: RunningSimulator) -> ExampleRunner:
    return ExampleRunner(tmp_path_factory.mktemp("pages"), examples_simulator, EXAMPLES)


@pytest.fixture(scope="session")
def lint_environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("lint-home")
    return {"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
            "ANSIBLE_NOCOLOR": "1", "NO_COLOR": "1"}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name every example and what became of it, whatever -q/-v says: the docs are tests."""
    lines = []
    for outcome in ("passed", "failed"):
        for report in terminalreporter.getreports(outcome):
            if report.when == "call" and "::test_example[" in report.nodeid:
                lines.append(f"{outcome.upper():7} {report.nodeid.split('::test_example[', 1)[1][:-1]}")
    if lines:
        terminalreporter.section(f"{len(lines)} documentation examples")
        for line in lines:
            terminalreporter.line(line)
