"""The release path: build the tarball, install it into an empty collections path, and use it as a new
user does, from an empty directory with nothing of the repository on any path: the README quick start,
the CI recipe of docs/simulator.md and the pre-flight command, each verbatim."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from _collection_tree import REPO_ROOT
from playbook_runner import play, run_playbook

BIN = Path(sys.executable).parent
VERSION = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8"))["version"]
SHIPPED = {
    "README.md", "LICENSE", "CHANGELOG.md", "changelogs/changelog.yaml", "requirements.txt", "bindep.txt",
    "meta/runtime.yml", "meta/execution-environment.yml", "meta/ee/execution-environment.yml",
    "meta/ee/decision-environment.yml", "schemas/balance.xsd", "playbooks/preflight.yml", "playbooks/simulator.yml",
    "playbooks/awx_credential_type.yml", "plugins/action/balance_info.py", "plugins/action/balance_facts.py",
    "plugins/modules/balance_info.py", "plugins/modules/balance_facts.py", "plugins/lookup/balance.py",
    "plugins/filter/sms_plan.py", "plugins/test/affords.py", "plugins/plugin_utils/_cache.py",
    "plugins/doc_fragments/connection.py", "simulator/webcom_mobi_simulator.py", "simulator/demo.json",
    "docs/getting-started.md", "docs/options.md", "docs/errors.md", "docs/simulator.md", "docs/awx.md",
}
LOCAL_ONLY_PARTS = {".git", ".tox", ".hypothesis", ".pytest_cache", ".ruff_cache", ".ansible", "__pycache__", "output"}
# The collection's own warning for credentials over plain http:// (the simulator serves http).
PLAIN_HTTP = "[WARNING]: webcom.mobi: api_url uses plain http://"


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    completed = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The built tarball, its member names, and the collections path it was installed into."""
    root = tmp_path_factory.mktemp("release")
    isolated = {"HOME": str(root / "home"), "PATH": str(BIN), "ANSIBLE_NOCOLOR": "1"}
    run(str(BIN / "ansible-galaxy"), "collection", "build", str(REPO_ROOT), "--output-path", str(root / "dist"),
        env=isolated)
    tarball = root / "dist" / f"webcom-mobi-{VERSION}.tar.gz"
    with tarfile.open(tarball) as archive:
        names = {member.name for member in archive.getmembers() if member.isfile()}
    installed = root / "installed"
    run(str(BIN / "ansible-galaxy"), "collection", "install", str(tarball), "-p", str(installed), env=isolated)
    return tarball, names, installed


def test_the_built_tarball_is_clean_installs_and_runs(release, simulator, tmp_path) -> None:
    names, installed = release[1:]
    assert SHIPPED <= names, sorted(SHIPPED - names)
    local = sorted(name for name in names if LOCAL_ONLY_PARTS & set(Path(name).parts)
                   or name.startswith((".venv", "tests/output")) or name.endswith((".pyc", ".tar.gz")))
    assert local == []
    assert not [name for name in names if name.startswith(("scripts/", ".ci/", "benchmarks/results"))]

    collection = installed / "ansible_collections" / "webcom" / "mobi"
    manifest = json.loads((collection / "MANIFEST.json").read_text())
    assert manifest["collection_info"]["version"] == VERSION

    isolated = {"HOME": str(tmp_path / "home"), "PATH": str(BIN), "ANSIBLE_NOCOLOR": "1"}
    doc = json.loads(run(str(BIN / "ansible-doc"), "--json", "webcom.mobi.balance_info",
                         env={**isolated, "ANSIBLE_COLLECTIONS_PATH": str(installed)}).stdout)
    assert doc["webcom.mobi.balance_info"]["doc"]["filename"].startswith(str(collection))

    tasks = [{"name": "check", "webcom.mobi.balance_info": {
        "api_url": simulator.api_url, "token": "big-token-7f3a", "min_money": 1, "cache_ttl": 0}}]
    result = run_playbook(tmp_path / "play", [play(tasks)], env={"ANSIBLE_COLLECTIONS_PATH": str(installed)})
    assert result.returncode == 0, result.output
    assert result.task("check")["result"]["requirements"][0]["met"] is True

    # What an EE built with the collection gets: every line of requirements.txt and bindep.txt.
    introspected = run(str(BIN / "ansible-builder"), "introspect", str(installed)).stdout
    for listing in ("requirements.txt", "bindep.txt"):
        entries = [line.strip() for line in (REPO_ROOT / listing).read_text(encoding="utf-8").splitlines()
                   if line.strip() and not line.startswith("#")]
        assert entries, listing
        for entry in entries:
            assert f"{entry}  # from collection webcom.mobi" in introspected, (entry, introspected)
    assert "xmlschema" in introspected


# ------------------------------------------------------------------ a new user, from an empty directory


class FreshDirectory:
    """An empty working directory and home; only the installed collection and the Python env's tools.

    Commands run through bash exactly as written in the docs, so the shell sets PWD as a CI
    runner's does. No ansible.cfg, no inventory, no warning switched off.
    """

    def __init__(self, root: Path, installed: Path) -> None:
        self.path = root / "work"
        self.path.mkdir()
        (root / "home").mkdir()
        self.env = {
            "PATH": f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(root / "home"),
            "ANSIBLE_COLLECTIONS_PATH": str(installed),
            "ANSIBLE_NOCOLOR": "1",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }

    def sh(self, script: str, check: bool = True) -> subprocess.CompletedProcess:
        completed = subprocess.run(["/bin/bash", "-euo", "pipefail", "-c", script], cwd=self.path, env=self.env,
                                   capture_output=True, text=True, timeout=300, check=False)
        if check:
            assert completed.returncode == 0, f"$ {script}\n{completed.stdout}{completed.stderr}"
        return completed

    def file(self, name: str, text: str) -> None:
        (self.path / name).write_text(text, encoding="utf-8")


def section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    following = markdown.find("\n## ", start + len(heading))
    return markdown[start: following if following != -1 else None]


def fenced(markdown: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL)


def file_examples(markdown: str) -> dict[str, str]:
    """Blocks marked `<!-- example: file NAME -->`: files the page tells the reader to write."""
    return dict(re.findall(r"^<!-- example: file (\S+) -->\n```ya?ml\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL))


def core_warnings(output: str) -> list[str]:
    lines = [line for line in output.splitlines() if "WARNING]" in line]
    return [line for line in lines if not line.startswith(PLAIN_HTTP)]


def port_is_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def fresh(release, tmp_path):
    installed = release[2]
    directory = FreshDirectory(tmp_path, installed)
    yield directory
    # Whatever a failed assertion left running: stop it (the installed simulator, by its pid file).
    pid_file = directory.path / "webcom-mobi-simulator.pid"
    if pid_file.exists():
        simulator = installed / "ansible_collections" / "webcom" / "mobi" / "simulator" / "webcom_mobi_simulator.py"
        subprocess.run([sys.executable, str(simulator), "--stop", "--pid-file", str(pid_file)], check=False)


def start_simulator(fresh: FreshDirectory) -> str:
    """The CI recipe's first two lines: start the simulator, read the URL from the env file."""
    recipe = fenced(section((REPO_ROOT / "docs" / "simulator.md").read_text(encoding="utf-8"),
                            "## In your own CI"), "sh")[0].splitlines()
    assert recipe[0] == "ansible-playbook -i localhost, webcom.mobi.simulator -e state=started"
    fresh.sh(recipe[0])
    return dict(line.split("=", 1) for line in (fresh.path / "webcom-mobi-simulator.env").read_text().splitlines())[
        "WEBCOM_API_URL"]


def test_the_ci_recipe_runs_verbatim_from_the_installed_collection_and_stops_the_simulator(release, fresh) -> None:
    installed = release[2]
    page = (REPO_ROOT / "docs" / "simulator.md").read_text(encoding="utf-8")
    recipe = fenced(section(page, "## In your own CI"), "sh")[0].strip().splitlines()
    start, stop = recipe[0], recipe[-1]
    assert start == "ansible-playbook -i localhost, webcom.mobi.simulator -e state=started"
    assert stop == "ansible-playbook -i localhost, webcom.mobi.simulator -e state=stopped"
    for name, text in file_examples(page).items():
        fresh.file(name, text)

    running = fresh.sh("\n".join(recipe[:-1]))  # everything but the stop, in one shell as a CI step runs it
    output = running.stdout + running.stderr
    port = int(re.search(r"WEBCOM_API_URL=http://127\.0\.0\.1:(\d+)/xml", output).group(1))
    pid = int((fresh.path / "webcom-mobi-simulator.pid").read_text())
    # The simulator that answered is the installed collection's, started by the playbook.
    script = Path(Path(f"/proc/{pid}/cmdline").read_text().split("\0")[1]).resolve()
    assert script == (installed / "ansible_collections/webcom/mobi/simulator/webcom_mobi_simulator.py").resolve()
    assert "Verdict                the account can carry this traffic" in output
    assert "demo-password" not in output
    assert core_warnings(output) == [], output
    assert port_is_open(port)
    again = fresh.sh(start, check=False)  # a second start is a mistake in the CI job: say so, keep the first
    assert again.returncode == 2 and f"already running (pid {pid}" in again.stdout, again.stdout
    assert port_is_open(port)

    stopped = fresh.sh(stop)
    assert "changed: [localhost]" in stopped.stdout
    assert not port_is_open(port)
    assert not Path(f"/proc/{pid}").exists()
    assert not (fresh.path / "webcom-mobi-simulator.pid").exists()
    assert not (fresh.path / "webcom-mobi-simulator.env").exists()
    assert fresh.sh(stop).returncode == 0  # stopping again is fine (a CI's always-run step)


def test_a_failed_start_fails_the_recipe_at_once(fresh) -> None:
    failed = fresh.sh("ansible-playbook -i localhost, webcom.mobi.simulator -e state=started "
                      "-e webcom_mobi_simulator_config=missing.json", check=False)
    assert failed.returncode == 2, failed.stdout
    assert "missing.json" in failed.stdout
    assert not (fresh.path / "webcom-mobi-simulator.pid").exists()


def test_a_stale_pid_file_never_stops_another_program(release, fresh) -> None:
    """A pid file left behind by a crashed run may name a recycled pid: only a simulator is stopped."""
    bystander = subprocess.Popen(["sleep", "120"])
    try:
        (fresh.path / "webcom-mobi-simulator.pid").write_text(f"{bystander.pid}\n")
        stopped = fresh.sh("ansible-playbook -i localhost, webcom.mobi.simulator -e state=stopped")
        assert "ok: [localhost]" in stopped.stdout and "changed: [localhost]" not in stopped.stdout
        assert bystander.poll() is None  # still running
        assert not (fresh.path / "webcom-mobi-simulator.pid").exists()
    finally:
        bystander.kill()
        bystander.wait()


def readme() -> str:
    return (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_quick_start_runs_verbatim_with_only_the_host_and_token_replaced(fresh) -> None:
    api_url = start_simulator(fresh)
    quick_start = fenced(section(readme(), "## Quick start"), "yaml")[0]
    # The two values the README tells the reader to set: their host, and their token (from Vault).
    playbook, replaced = re.subn(r"(webcom_mobi_api_url:\s*)https://\S+", rf"\g<1>{api_url}", quick_start)
    assert replaced == 1, quick_start
    assert "{{ vault_webcom_token }}" in playbook
    fresh.file("site.yml", playbook)
    fresh.file("inventory.ini", "localhost ansible_connection=local\n")  # the reader's inventory: hosts: all
    ran = fresh.sh("ansible-playbook -i inventory.ini site.yml -e vault_webcom_token=demo-token", check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert re.search(r"localhost\s+: ok=\d+ .*failed=0", ran.stdout), ran.stdout
    assert "skipping: " not in ran.stdout  # every task ran, the last one too
    assert "demo-token" not in ran.stdout + ran.stderr
    assert core_warnings(ran.stdout + ran.stderr) == []


def test_the_readme_preflight_command_runs_verbatim_without_warnings(fresh) -> None:
    api_url = start_simulator(fresh)
    commands = re.findall(r"`(ansible-playbook [^`]*webcom\.mobi\.preflight[^`]*)`", readme())
    assert commands, "the README gives no pre-flight command"
    fresh.file("campaign.yml", yaml.safe_dump({
        "webcom_mobi_api_url": api_url, "webcom_mobi_token": "demo-token",
        "webcom_mobi_min_money": 500, "webcom_mobi_plan": {"Russia": 3000, "Kazakhstan": 200}}))
    for command in commands:
        ran = fresh.sh(command)
        assert "Verdict                the account can carry this traffic" in ran.stdout
        assert core_warnings(ran.stdout + ran.stderr) == [], (command, ran.stdout + ran.stderr)


def test_the_installed_readme_runs_no_script_the_tarball_does_not_ship(release) -> None:
    """A command like `bash scripts/demo.sh` is for a clone of the repository, and must say so."""
    names = release[1]
    for match in re.finditer(r"^(?:bash|sh) (\S+\.sh)|^python3? (\S+\.py)", readme(), re.MULTILINE):
        if (match.group(1) or match.group(2)) in names:
            continue
        before = readme()[: match.start()]
        heading = before.rfind("\n## ")
        assert "git clone" in before[heading:], f"{match.group(0)!r}: not in the tarball, and no clone is mentioned"
