"""The shipped example rulebook under a real ansible-rulebook (Java rule engine), against the simulator.

Run through tox -e rulebook, which sets JAVA_HOME from the java on the PATH (tests/rulebook/with_java.py).
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from _collection_tree import REPO_ROOT

RULEBOOKS = REPO_ROOT / "extensions" / "eda" / "rulebooks"
ANSIBLE_RULEBOOK = Path(sys.executable).with_name("ansible-rulebook")
TOKEN = "big-token-7f3a"
# Bounds on waits, generous for a busy 2-core machine: they decide only how long a broken run takes to fail.
START_S = 90.0
STEP_S = 60.0
INVENTORY = """\
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""


@pytest.fixture(scope="module", autouse=True)
def java_and_rulebook() -> None:
    # Never a skip: without Java the end-to-end test has not run, and that must show as a failure.
    java_home = os.environ.get("JAVA_HOME")
    if not java_home or not (Path(java_home) / "bin" / "java").exists():
        pytest.fail("JAVA_HOME is not set to a Java 17+ installation: run this through `tox -e rulebook`, "
                    "whose tests/rulebook/with_java.py sets it from the java on the PATH")
    if not ANSIBLE_RULEBOOK.exists():
        pytest.fail(f"ansible-rulebook is not installed beside {sys.executable} (tox -e rulebook installs it)")


class Rulebook:
    """ansible-rulebook running the shipped rulebook; its output is read line by line as it comes."""

    def __init__(self, workdir: Path, extra_vars: dict[str, object]) -> None:
        (workdir / "inventory.yml").write_text(INVENTORY, encoding="utf-8")
        vars_file = workdir / "vars.yml"
        vars_file.write_text("".join(f"{name}: {value!r}\n" for name, value in extra_vars.items()), encoding="utf-8")
        home = workdir / "home"
        home.mkdir()
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "PATH": f"{ANSIBLE_RULEBOOK.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        for name in ("WEBCOM_API_URL", "WEBCOM_LOGIN", "WEBCOM_PASSWORD", "WEBCOM_TOKEN"):
            env.pop(name, None)
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        # As the docs say: run from the rulebook's directory, where its playbooks/ are found.
        self.process = subprocess.Popen(
            [str(ANSIBLE_RULEBOOK), "-r", "balance_alerts.yml", "-i", str(workdir / "inventory.yml"),
             "--vars", str(vars_file), "-vv"],  # debug output too must not show a secret
            cwd=RULEBOOKS, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, text: str, within_s: float = STEP_S) -> str:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.output.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not seen; ansible-rulebook said:\n" + "\n".join(self.output[-60:]))

    def exit_code(self, within_s: float = STEP_S) -> int:
        code = self.process.wait(timeout=within_s)
        while (line := self._lines.get(timeout=5)) is not None:
            self.output.append(line)
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for_checks(sim, count: int) -> None:
    before = sim.requests_for("big")
    deadline = time.monotonic() + STEP_S
    while sim.requests_for("big") < before + count:
        assert time.monotonic() < deadline, f"fewer than {count} checks reached the simulator"
        time.sleep(0.2)


def test_low_recovered_failed_and_recovered_again(fresh_simulator, tmp_path) -> None:
    sim = fresh_simulator
    rulebook = Rulebook(tmp_path, {
        "webcom_mobi_api_url": sim.api_url,
        "webcom_mobi_token": TOKEN,
        "webcom_mobi_login": "",  # as a credential injects a field left blank
        "webcom_mobi_watch_interval": 1,
        "webcom_mobi_min_money": 9990,
    })
    try:
        rulebook.wait_for("webcom.mobi.balance: None -> ok: money", START_S)
        # 36000 per hour is 10 per second: from 10000 the money drops below 9990 within two seconds.
        sim.drain("big", 36000)
        low = rulebook.wait_for("WEBCOM LOW: unmet requirements: money")
        assert "is below min_money 9990" in low and "spending" in low and "out of money around 20" in low
        # Still low over several more checks: no further event, so no second notification.
        wait_for_checks(sim, 3)
        sim.drain("big", 0)
        sim.top_up("big", 100)
        assert "money" in rulebook.wait_for("WEBCOM RECOVERED (was low)")
        # A broken server echoes the request, token and all: the failure is reported, masked.
        sim.fault(kind="echo", status=500, times=1)
        failed = rulebook.wait_for("WEBCOM CHECK FAILED:")
        assert "HTTP 500" in failed and "********" in failed
        rulebook.wait_for("WEBCOM RECOVERED (was error)")
        wait_for_checks(sim, 3)
    finally:
        rulebook.stop()
    rulebook.exit_code()
    text = "\n".join(rulebook.output)
    # One event per state change, none while a state held: ok, low, ok, error, ok.
    changes = [line.split("webcom.mobi.balance: ", 2)[-1].split(":")[0] for line in rulebook.output
               if "- webcom.mobi.balance - INFO - webcom.mobi.balance: " in line and " -> " in line]
    assert changes == ["None -> ok", "ok -> low", "low -> ok", "ok -> error", "error -> ok"]
    assert text.count("PLAY [Tell the team the SMS balance is running low]") == 1
    assert text.count("PLAY [Tell the team the SMS balance has recovered]") == 2
    assert text.count("PLAY [Tell the team the SMS balance cannot be checked]") == 1
    assert TOKEN not in text and "7f3a" not in text


def test_a_bad_argument_alerts_and_fails_the_activation(fresh_simulator, tmp_path) -> None:
    rulebook = Rulebook(tmp_path, {
        "webcom_mobi_api_url": fresh_simulator.api_url,
        "webcom_mobi_token": TOKEN,
        "webcom_mobi_watch_interval": "soon",
    })
    try:
        failed = rulebook.wait_for("WEBCOM CHECK FAILED: webcom.mobi.balance:", START_S)
        assert "interval" in failed
        code = rulebook.exit_code()
    finally:
        rulebook.stop()
    assert code != 0  # the activation fails where an operator looks, after the alert went out
    assert "SourceArgumentError" in "\n".join(rulebook.output)
    assert fresh_simulator.total_requests() == 0


def test_with_java_fails_loudly_without_java(tmp_path) -> None:
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    run = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("with_java.py")), "true"],
        env={**os.environ, "PATH": str(empty_path)}, capture_output=True, text=True, check=False,
    )
    assert run.returncode != 0
    assert "no `java` on the PATH" in run.stderr
    assert shutil.which("java") is not None  # and on this machine there is one, so the tests above ran
