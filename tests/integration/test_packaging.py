"""The release path: build the tarball, install it into an empty collections path, run a play with it."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import yaml
from _collection_tree import REPO_ROOT
from playbook_runner import play, run_playbook

BIN = Path(sys.executable).parent
VERSION = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]
SHIPPED = {
    "README.md", "LICENSE", "CHANGELOG.md", "changelogs/changelog.yaml", "requirements.txt", "bindep.txt",
    "meta/runtime.yml", "meta/execution-environment.yml", "schemas/balance.xsd", "playbooks/preflight.yml",
    "plugins/action/balance_info.py", "plugins/action/balance_facts.py", "plugins/modules/balance_info.py",
    "plugins/modules/balance_facts.py", "plugins/lookup/balance.py", "plugins/filter/sms_plan.py",
    "plugins/test/affords.py", "plugins/plugin_utils/_cache.py", "plugins/doc_fragments/connection.py",
    "simulator/webcom_mobi_simulator.py", "docs/getting-started.md", "docs/options.md", "docs/errors.md",
}
LOCAL_ONLY_PARTS = {".git", ".tox", ".hypothesis", ".pytest_cache", ".ruff_cache", ".ansible", "__pycache__", "output"}


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


def test_the_built_tarball_is_clean_installs_and_runs(simulator, tmp_path) -> None:
    isolated = {"HOME": str(tmp_path / "home"), "PATH": str(BIN), "ANSIBLE_NOCOLOR": "1"}
    run(str(BIN / "ansible-galaxy"), "collection", "build", str(REPO_ROOT), "--output-path", str(tmp_path / "dist"),
        env=isolated)
    tarball = tmp_path / "dist" / f"webcom-mobi-{VERSION}.tar.gz"
    with tarfile.open(tarball) as archive:
        names = {member.name for member in archive.getmembers() if member.isfile()}
    assert SHIPPED <= names, sorted(SHIPPED - names)
    local = sorted(name for name in names if LOCAL_ONLY_PARTS & set(Path(name).parts)
                   or name.startswith((".venv", "tests/output")) or name.endswith((".pyc", ".tar.gz")))
    assert local == []
    assert not [name for name in names if name.startswith(("scripts/", ".ci/", "benchmarks/results"))]

    installed = tmp_path / "installed"
    run(str(BIN / "ansible-galaxy"), "collection", "install", str(tarball), "-p", str(installed), env=isolated)
    collection = installed / "ansible_collections" / "webcom" / "mobi"
    manifest = json.loads((collection / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["version"] == VERSION

    doc = json.loads(run(str(BIN / "ansible-doc"), "--json", "webcom.mobi.balance_info",
                         env={**isolated, "ANSIBLE_COLLECTIONS_PATH": str(installed)}).stdout)
    assert doc["webcom.mobi.balance_info"]["doc"]["filename"].startswith(str(collection))

    tasks = [{"name": "check", "webcom.mobi.balance_info": {
        "api_url": simulator.api_url, "token": "big-token-7f3a", "min_money": 1, "cache_ttl": 0}}]
    result = run_playbook(tmp_path / "play", [play(tasks)], env={"ANSIBLE_COLLECTIONS_PATH": str(installed)})
    assert result.returncode == 0, result.output
    assert result.task("check")["result"]["requirements"][0]["met"] is True

    introspected = run(str(BIN / "ansible-builder"), "introspect", str(installed)).stdout
    assert "requests>=2.25  # from collection webcom.mobi" in introspected
    assert "xmlschema>=4.0,<5  # from collection webcom.mobi" in introspected
    assert "ca-certificates [platform:rpm platform:dpkg]  # from collection webcom.mobi" in introspected
