"""What the examples run against: the simulator's accounts, and a runner that runs each example once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from _collection_tree import REPO_ROOT
from examples_extract import Example, all_examples, slug
from examples_run import needs_of, run_examples
from playbook_runner import PlaybookRun
from simulator_harness import RunningSimulator

# The accounts the examples run against. "examples" (the default of {login}, {token}, ...)
# can carry every campaign the docs show; "demo" is the platform documentation's own account
# (money 10, Russia 10, Ukraine 5), for examples that show a shortfall ({demo.token}, ...).
EXAMPLE_ACCOUNTS: dict[str, dict[str, Any]] = {
    "examples": {"name": "examples", "login": "examples-user", "password": "examples-password",
                 "token": "examples-token-4d2c", "money": "10000", "currency": "RUR",
                 "prices": {"Russia": "1", "Ukraine": "2", "Kazakhstan": "3", "Tele2": "unlimited"},
                 # Sender names: one approved, one still under review (the platform's "order" state).
                 "senders": [{"name": "MyShop", "state": "completed"}, {"name": "MyShopPromo", "state": "order"}]},
    "demo": {"name": "demo", "login": "demo", "password": "demo-password", "token": "demo-token",
             "money": "10", "prices": {"Russia": "1", "Ukraine": "2"}},
}
DEFAULT_ACCOUNT = "examples"
EXAMPLES: list[Example] = all_examples(REPO_ROOT)


class ExampleRunner:
    """Runs each example (each plugin's EXAMPLES as one play) once, in a directory per page."""

    def __init__(self, base: Path, simulator: RunningSimulator, examples: list[Example]) -> None:
        self.base = base
        self.simulator = simulator
        self.examples = examples
        self.runs: dict[str, PlaybookRun] = {}

    def page_directory(self, page: str) -> Path:
        """The page's working directory, holding every file the page's examples write."""
        directory = self.base / slug(page)
        if not directory.exists():
            directory.mkdir(parents=True)
            for example in self.examples:
                if example.source == page and example.markers.file_name:
                    (directory / example.markers.file_name).write_text(example.text, encoding="utf-8")
        return directory

    def run(self, example: Example) -> PlaybookRun:
        key = example.group or example.location
        if key not in self.runs:
            members = [e for e in self.examples if (e.group or e.location) == key] or [example]
            self.runs[key] = self.run_alone(members, self.page_directory(example.source))
        return self.runs[key]

    def run_alone(self, members: list[Example], directory: Path) -> PlaybookRun:
        extra_vars, environment = needs_of(members, self.simulator.api_url, EXAMPLE_ACCOUNTS, DEFAULT_ACCOUNT)
        return run_examples(members, directory, extra_vars, environment)
