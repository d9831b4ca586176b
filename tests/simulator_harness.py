"""Run the bundled simulator as a real process on a free loopback port, as users do."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from _collection_tree import REPO_ROOT

SIMULATOR = REPO_ROOT / "simulator" / "webcom_mobi_simulator.py"

DEFAULT_ACCOUNTS: list[dict[str, Any]] = [
    # The documentation's own account: 10 units, Russia costs 1, Ukraine 2.
    {"name": "docs", "login": "docs-user", "password": "S3c&<\"'>r-docs", "money": "10",
     "prices": {"Russia": "1", "Ukraine": "2"}},
    {"name": "big", "login": "big-user", "password": "big-password", "token": "big-token-7f3a",
     "money": "10000", "currency": "RUR", "prices": {"Russia": "1", "Ukraine": "2", "Tele2": "unlimited"},
     "senders": [{"name": "MyShop", "state": "completed", "operator": "MTS", "mcc": "250", "mnc": "01"},
                 {"name": "MyShopPromo", "state": "order", "operator": "Beeline"},
                 {"name": "OldShop", "state": "rejected"}]},
    {"name": "ru", "login": "ru-user", "password": "ru-password", "money": "1234.50", "language": "ru",
     "prices": {"Россия": "0.5", "Казахстан": "3", "Билайн": "unlimited"}, "any_sender": True},
    {"name": "locked", "login": "locked-user", "password": "locked-password", "money": "5", "locked": True,
     "prices": {"Russia": "1"}},
    {"name": "short", "login": "short-user", "password": "10", "money": "10", "prices": {"Russia": "1"}},
]


class RunningSimulator:
    def __init__(self, workdir: Path, config: dict[str, Any]) -> None:
        self.config_path = workdir / "simulator.json"
        self.config_path.write_text(json.dumps(config), encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, str(SIMULATOR), "--config", str(self.config_path), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"simulator did not start: {line!r} {self.process.stderr.read()!r}")
        self.api_url = line.rsplit(" ", 1)[1].strip()
        self.base = self.api_url[: -len("/xml")]

    def admin(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if payload is None else json.dumps(payload).encode()
        with urllib.request.urlopen(urllib.request.Request(self.base + path, data=data), timeout=5) as reply:
            return json.loads(reply.read())

    def requests_for(self, account: str) -> int:
        return self.admin("/admin/stats")["accounts"][account]["requests"]

    def total_requests(self) -> int:
        return self.admin("/admin/stats")["total_requests"]

    def fault(self, **fault: Any) -> None:
        self.admin("/admin/faults", fault)

    def reset(self) -> None:
        self.admin("/admin/reset", {})

    def drain(self, account: str, per_hour: float | str) -> dict[str, Any]:
        """Spend the account's money continuously at this rate (0 stops), as live traffic would."""
        return self.admin("/admin/drain", {"account": account, "per_hour": str(per_hour)})

    def top_up(self, account: str, amount: float | str) -> dict[str, Any]:
        return self.admin("/admin/topup", {"account": account, "amount": str(amount)})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream:
                stream.close()
