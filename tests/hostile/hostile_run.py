"""Run a playbook against hostile servers and judge what users would see.

Secrets go in an extra-vars file (``-e @file``), as a vault would hold them: ansible-core 2.19+
prints a failing task's playbook lines, so a secret typed into the playbook would show anyway.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import playbook_runner
from playbook_runner import PlaybookRun, run_playbook

# Every controller process (ansible-playbook and its forks) gets this much address space: a
# regression that allocates without bound then fails fast with MemoryError instead of swapping
# the machine. It is a guard, not the measurement (see peak_rss_mb).
ADDRESS_SPACE_LIMIT = 1536 * 1024 * 1024

# Ansible's own start-up (and a loaded CI machine) on top of a behavioural bound.
STARTUP_ALLOWANCE_S = 30.0

_WRAPPER = """#!{python}
# Runs ansible-playbook with a capped address space and writes the peak resident set size of
# its process tree (the largest single process: Linux folds each waited-for descendant's peak
# into RUSAGE_CHILDREN; ansible-playbook waits for its forks) in KiB to a file.
import os, resource, subprocess, sys
limit = int(os.environ["HOSTILE_ADDRESS_SPACE_LIMIT"])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
code = subprocess.call([{ansible_playbook!r}, *sys.argv[1:]])
with open(os.environ["HOSTILE_PEAK_RSS_FILE"], "w") as stream:
    stream.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


@dataclass
class HostileRun:
    run: PlaybookRun
    elapsed_s: float
    peak_rss_mb: float | None
    secrets_file: Path

    def result(self, task: str, host: str | None = None) -> dict[str, Any]:
        return self.run.task(task, host)

    def status(self, task: str) -> str:
        return self.run.task(task)["status"]

    def msg(self, task: str, host: str | None = None) -> str:
        return str(self.run.task(task, host)["result"].get("msg", ""))

    def haystacks(self) -> dict[str, str]:
        """Everything a secret could leak into: stdout, stderr and every file the run wrote."""
        found = {"stdout": self.run.stdout, "stderr": self.run.stderr}
        for path in self.run.workdir.rglob("*"):
            if path.is_file() and not path.is_symlink() and path != self.secrets_file:
                found[str(path)] = path.read_text(encoding="utf-8", errors="replace")
        return found


def run_hostile(
    workdir: Path,
    plays: list[dict[str, Any]],
    *,
    secrets: dict[str, str] | None = None,
    verbose: bool = False,
    measure_memory: bool = False,
    timeout: float = 300,
    hosts: int = 0,
    ansible_cfg: str = "",
) -> HostileRun:
    """One ansible-playbook run, timed; with ``measure_memory`` under a capped wrapper that reports peak RSS."""
    workdir.mkdir(parents=True, exist_ok=True)
    secrets_file = workdir / "secrets.json"
    secrets_file.write_text(json.dumps(secrets or {}))
    args = ["-e", f"@{secrets_file}"] + (["-vvvv"] if verbose else [])
    env = {"ANSIBLE_LOG_PATH": str(workdir / "ansible.log")}
    executable = playbook_runner.ANSIBLE_PLAYBOOK
    peak_file = workdir / "peak-rss-kib"
    if measure_memory:
        executable = workdir / "capped-ansible-playbook"
        executable.write_text(_WRAPPER.format(python=sys.executable, ansible_playbook=str(playbook_runner.ANSIBLE_PLAYBOOK)))
        executable.chmod(0o755)
        env |= {"HOSTILE_ADDRESS_SPACE_LIMIT": str(ADDRESS_SPACE_LIMIT), "HOSTILE_PEAK_RSS_FILE": str(peak_file)}
    started = time.monotonic()
    try:
        with mock.patch.object(playbook_runner, "ANSIBLE_PLAYBOOK", executable):
            run = run_playbook(workdir, plays, hosts=hosts, env=env, args=tuple(args), ansible_cfg=ansible_cfg, timeout=int(timeout))
    except subprocess.TimeoutExpired:
        # subprocess.run killed ansible-playbook only: its forks may still hang (on a FIFO, a socket).
        _kill_processes_of(workdir)
        raise
    elapsed = time.monotonic() - started
    peak = int(peak_file.read_text()) / 1024 if measure_memory else None
    return HostileRun(run, elapsed, peak, secrets_file)


def _kill_processes_of(workdir: Path) -> None:
    """Kill, by pid, the processes this run started: those whose command line names its inventory."""
    marker = str(workdir / "inventory.ini").encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
        except OSError:
            pass  # gone already, or not ours to read


def assert_one_clear_line(outcome: HostileRun, task: str, *keywords: str, host: str | None = None) -> str:
    """The task failed with one line from the collection, no crash, holding one of ``keywords`` (any)."""
    record = outcome.result(task, host)
    msg = str(record["result"].get("msg", ""))
    assert record["status"] == "failed", f"{task}: expected a failure, got {record}"
    assert msg.strip(), f"{task}: no message: {record}"
    assert "\n" not in msg.strip(), f"{task}: not one line: {msg!r}"
    assert "unexpected" not in msg.lower() and "traceback" not in msg.lower(), f"{task}: a crash, not a clear line: {msg}"
    if keywords:
        assert any(word in msg.lower() for word in keywords), f"{task}: none of {keywords} in {msg!r}"
    return msg


def assert_lookup_failed_clearly(outcome: HostileRun, task: str, *keywords: str) -> str:
    """A lookup inside ``debug`` failed with the collection's message (Ansible may wrap it), not a crash."""
    record = outcome.result(task)
    msg = str(record["result"].get("msg", ""))
    assert record["status"] == "failed", f"{task}: expected a failure, got {record}"
    lowered = msg.lower()
    for crash in ("unexpected", "traceback", "requests.exceptions", "urllib3", "builtins.", "<class 'ValueError"):
        assert crash.lower() not in lowered, f"{task}: a crash, not a clear line: {msg}"
    assert "webcom.mobi" in msg, f"{task}: not the collection's message: {msg}"
    if keywords:
        assert any(word in lowered for word in keywords), f"{task}: none of {keywords} in {msg!r}"
    return msg


def tries_in(msg: str) -> int | None:
    """How many tries a transport error says it made ("after 2 tries", "2 attempts", "tried 2 times")."""
    match = re.search(r"(\d+)\s+(?:tr(?:y|ies)|attempts?)|tried\s+(\d+)", msg)
    return int(match.group(1) or match.group(2)) if match else None


def balance_task(name: str, server_url: str, *, module: str = "webcom.mobi.balance_info", **options: Any) -> dict[str, Any]:
    """A task against one server with the token from the secrets file; failures do not stop the play."""
    arguments = {"api_url": server_url, "token": "{{ token }}", "cache_ttl": 0, **options}
    return {"name": name, module: arguments, "ignore_errors": True}


def lookup_task(name: str, server_url: str, **options: Any) -> dict[str, Any]:
    keywords = ", ".join(f"{key}={value!r}" for key, value in {"api_url": server_url, "cache_ttl": 0, **options}.items())
    return {"name": name, "ansible.builtin.debug": {"msg": "{{ lookup('webcom.mobi.balance', " + keywords + ", token=token) }}"}, "ignore_errors": True}
