"""Run an example as a reader would: ansible-playbook, with what its page says to set.

`needs` markers give KEY=VALUE: lower-case keys are extra vars (they outrank play vars, so
a play that names the reader's host can be pointed at the simulator), UPPER-CASE keys are
the controller's environment. Values may hold {api_url}, {login}, {password}, {token}
(the examples account) or {ACCOUNT.FIELD} of another simulator account.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from _collection_tree import collections_root
from examples_extract import Example
from examples_lint import wrap_tasks
from playbook_runner import PlaybookRun, run_playbook

PLACEHOLDER = re.compile(r"\{(?:(?P<account>[a-z][\w-]*)\.)?(?P<field>api_url|login|password|token)\}")


def resolve(value: str, api_url: str, accounts: dict[str, dict[str, Any]], default_account: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match["field"] == "api_url":
            return api_url
        account = accounts[match["account"] or default_account]
        return str(account[match["field"]])
    return PLACEHOLDER.sub(replace, value)


def needs_of(examples: list[Example], api_url: str, accounts: dict[str, dict[str, Any]],
             default_account: str) -> tuple[dict[str, str], dict[str, str]]:
    """(extra vars, environment) the examples' needs markers ask for."""
    extra_vars: dict[str, str] = {}
    environment: dict[str, str] = {}
    for example in examples:
        for key, value in example.markers.needs.items():
            target = environment if key.isupper() else extra_vars
            target[key] = resolve(value, api_url, accounts, default_account)
    return extra_vars, environment


def playbook_text(examples: list[Example]) -> str:
    """One example's playbook, or the tasks of several (a plugin's EXAMPLES) as one play."""
    if len(examples) == 1 and examples[0].kind == "playbook":
        return examples[0].text
    return wrap_tasks("".join(example.text for example in examples))


def task_names(tasks: list[Any]) -> list[str]:
    """Names of the tasks that must report a result: rescue sections and handlers may not run."""
    names = []
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        if "block" in task:
            names += task_names(task["block"]) + task_names(task.get("always", []))
        elif "name" in task:
            names.append(task["name"])
    return names


def expected_names(example: Example) -> list[str]:
    if example.kind == "command":
        return []
    if example.kind == "playbook":
        return [name for play in example.data for section in ("pre_tasks", "tasks", "post_tasks")
                for name in task_names(play.get(section, []))]
    return task_names(example.data)


def run_command(example: Example, workdir: Path, environment: dict[str, str]) -> PlaybookRun:
    """A shell block marked run: its commands in the page's directory, with this core's ansible-* first on PATH."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(workdir / "home"),   # the same home and cache as the page's playbook runs
        "XDG_CACHE_HOME": str(workdir / "cache"),
        "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        **environment,
    }
    try:
        completed = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", example.text], cwd=workdir, env=env,
                                   capture_output=True, text=True, timeout=300, check=False)
    finally:
        stop_left_simulator(workdir)
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, [], workdir)


def stop_left_simulator(workdir: Path) -> None:
    """A block that starts the simulator (webcom.mobi.simulator) and fails before its stop line
    leaves it running: stop it by the pid file the playbook wrote, the process it started."""
    pid_file = workdir / "webcom-mobi-simulator.pid"
    if pid_file.is_file():
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        except (ValueError, ProcessLookupError):
            pass   # an empty file, or the process is already gone
        pid_file.unlink(missing_ok=True)   # the simulator removes it itself when it stops in time


def run_examples(examples: list[Example], workdir: Path, extra_vars: dict[str, str], environment: dict[str, str]) -> PlaybookRun:
    if examples[0].kind == "command":
        if extra_vars:
            raise ValueError(f"{examples[0].location}: a command takes only UPPER-CASE (environment) needs; "
                             f"give variables on its command line: {sorted(extra_vars)}")
        return run_command(examples[0], workdir, environment)
    args: tuple[str, ...] = ()
    if extra_vars:
        # A file, not -e KEY=VALUE: the values are secrets, and the command line is visible to ps.
        needs_file = workdir / "needs.json"
        workdir.mkdir(parents=True, exist_ok=True)
        needs_file.write_text(json.dumps(extra_vars))
        args = ("-e", f"@{needs_file}")
    return run_playbook(workdir, playbook_text(examples), env=environment, args=args)


def problems(example: Example, run: PlaybookRun) -> list[str]:
    """What is wrong with this example's part of a run (empty when it did what it shows)."""
    if example.kind == "command":
        if example.markers.expect_failure:
            return [] if run.returncode != 0 else ["it is marked expect-failure, yet its commands exited 0"]
        return [f"its commands exited {run.returncode}"] if run.returncode != 0 else []
    mine = [result for result in run.results if result["task"] in expected_names(example)]
    if example.markers.expect_failure:
        if run.returncode == 0 or not any(result["status"] == "failed" for result in mine):
            return ["it is marked expect-failure, yet no task of it failed"]
        return []
    found = [] if run.returncode == 0 else [f"ansible-playbook exited {run.returncode}"]
    for name in expected_names(example):
        statuses = [result["status"] for result in mine if result["task"] == name]
        if not statuses:
            found.append(f"task {name!r} never ran")
        elif any(status != "ok" for status in statuses):
            messages = [result["result"].get("msg", "") for result in mine if result["task"] == name and result["status"] != "ok"]
            found.append(f"task {name!r} was {', '.join(sorted(set(statuses) - {'ok'}))}: {messages}")
    if not mine:
        found.append("it ran no task")
    return found
