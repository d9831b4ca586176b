"""Run real ansible-playbook against the collection, in an isolated home, and read the results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from _collection_tree import REPO_ROOT, collections_root

CALLBACKS = REPO_ROOT / "tests" / "integration" / "callback_plugins"
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]]
    workdir: Path

    def task(self, name: str, host: str | None = None) -> dict[str, Any]:
        """The one recorded result of the task with this name (on this host)."""
        found = [r for r in self.results if r["task"] == name and (host is None or r["host"] == host)]
        assert len(found) == 1, f"expected one result for {name!r}, got {len(found)}:\n{self.output}"
        return found[0]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_playbook(
    workdir: Path,
    plays: list[dict[str, Any]] | str,
    *,
    hosts: int = 0,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    ansible_cfg: str = "",
    timeout: int = 300,
    collection_playbook: str | None = None,
) -> PlaybookRun:
    """Write the playbook, an inventory of localhost (+ ``hosts`` more local hosts), and run it.

    ``collection_playbook`` (e.g. ``webcom.mobi.preflight``) runs instead of the written ``plays``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    playbook = workdir / "playbook.yml"
    playbook.write_text(plays if isinstance(plays, str) else yaml.safe_dump(plays, allow_unicode=True, sort_keys=False))
    inventory = workdir / "inventory.ini"
    extra = "".join(f"host{n:03d}\n" for n in range(hosts))
    inventory.write_text(
        "[all]\nlocalhost\n" + extra
        + f"\n[all:vars]\nansible_connection=local\nansible_python_interpreter={sys.executable}\n"
    )
    config = workdir / "ansible.cfg"
    config.write_text("[defaults]\nretry_files_enabled = False\n" + ansible_cfg)
    results_file = workdir / "results.jsonl"
    results_file.unlink(missing_ok=True)
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    run_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(workdir / "cache"),
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-tmp"),
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_CALLBACKS_ENABLED": "record_results",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "RECORD_RESULTS_FILE": str(results_file),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    for name in ("PYENV_VERSION", "SSL_CERT_FILE", "TMPDIR"):
        if name in os.environ:
            run_env[name] = os.environ[name]
    run_env.update(env or {})
    completed = subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), collection_playbook or str(playbook), *args],
        cwd=workdir,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    results = [json.loads(line) for line in results_file.read_text().splitlines()] if results_file.exists() else []
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, results, workdir)


def play(tasks: list[dict[str, Any]], *, hosts: str = "localhost", **keywords: Any) -> dict[str, Any]:
    return {"name": "test", "hosts": hosts, "gather_facts": False, **keywords, "tasks": tasks}
