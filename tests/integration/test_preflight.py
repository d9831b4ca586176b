"""The collection playbook webcom.mobi.preflight, run as its documentation says, passing and failing."""

from __future__ import annotations

import datetime
import ipaddress
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _collection_tree import REPO_ROOT, collections_root
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from playbook_runner import CALLBACKS, PlaybookRun, run_playbook
from simulator_harness import SIMULATOR, RunningSimulator

DEMO = json.loads((REPO_ROOT / "simulator" / "demo.json").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent
# The command the playbook's header and docs/simulator.md give; README.md gives it too.
PREFLIGHT_COMMAND = "ansible-playbook -i localhost, webcom.mobi.preflight -e @campaign.yml"
# The collection's own warning for credentials over plain http:// (the simulator serves http).
PLAIN_HTTP = "[WARNING]: webcom.mobi: api_url uses plain http://"


@pytest.fixture
def demo_simulator(tmp_path):
    (tmp_path / "sim").mkdir()
    running = RunningSimulator(tmp_path / "sim", DEMO)
    try:
        yield running
    finally:
        running.stop()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its own CA), valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def https_simulator(tmp_path):
    """The demo account over https://, so an ok run has nothing at all to warn about."""
    (tmp_path / "tls").mkdir()
    cert, key = self_signed_certificate(tmp_path / "tls")
    (tmp_path / "tls" / "demo.json").write_text(json.dumps(DEMO), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(SIMULATOR), "--config", str(tmp_path / "tls" / "demo.json"), "--port", "0",
         "--tls-cert", str(cert), "--tls-key", str(key)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert "listening on https://127.0.0.1:" in line, line + process.stderr.read()
        yield line.rsplit(" ", 1)[1].strip(), cert
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def documented_run(workdir: Path, command: str = PREFLIGHT_COMMAND) -> PlaybookRun:
    """The documented command as a user types it: no ansible.cfg, no inventory, no warning switched off.

    Only the home, the cache and the collection path are the test's own, plus a callback that
    records each result (it prints nothing).
    """
    results = workdir / "results.jsonl"
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(workdir / "home"),
        "XDG_CACHE_HOME": str(workdir / "cache"),
        "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
        "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
        "ANSIBLE_CALLBACKS_ENABLED": "record_results",
        "RECORD_RESULTS_FILE": str(results),
        "ANSIBLE_NOCOLOR": "1",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    (workdir / "home").mkdir(exist_ok=True)
    completed = subprocess.run(shlex.split(command), cwd=workdir, env=env, capture_output=True, text=True,
                               timeout=300, check=False)
    recorded = [json.loads(line) for line in results.read_text().splitlines()] if results.exists() else []
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, recorded, workdir)


def warnings_beside_plain_http(output: str) -> list[str]:
    """Every warning line but the collection's (identical, so shown once) plain-http one."""
    lines = [line for line in output.splitlines() if "[WARNING]" in line or "[DEPRECATION WARNING]" in line]
    assert sum(line.startswith(PLAIN_HTTP) for line in lines) <= 1, output
    return [line for line in lines if not line.startswith(PLAIN_HTTP)]


def preflight(sim, workdir, **requirements):
    variables = {"webcom_mobi_api_url": sim.api_url, "webcom_mobi_login": "demo",
                 "webcom_mobi_password": "demo-password", **requirements}
    workdir.mkdir(parents=True)
    (workdir / "campaign.yml").write_text(yaml.safe_dump(variables))
    run = documented_run(workdir)
    assert "demo-password" not in run.output
    summary = run.task("Summary")["result"]["msg"]
    return run, summary


def test_the_documented_command_is_the_one_tested() -> None:
    assert PREFLIGHT_COMMAND in (REPO_ROOT / "playbooks" / "preflight.yml").read_text(encoding="utf-8")
    assert PREFLIGHT_COMMAND in (REPO_ROOT / "docs" / "simulator.md").read_text(encoding="utf-8")


def test_an_ok_run_over_https_prints_no_warning_at_all(https_simulator, tmp_path) -> None:
    api_url, ca_path = https_simulator
    (tmp_path / "campaign.yml").write_text(yaml.safe_dump({
        "webcom_mobi_api_url": api_url, "webcom_mobi_ca_path": str(ca_path), "webcom_mobi_token": "demo-token",
        "webcom_mobi_min_money": 100, "webcom_mobi_plan": {"Russia": 5000, "Ukraine": 2000}}))
    run = documented_run(tmp_path)
    assert run.returncode == 0, run.output
    assert "WARNING" not in run.output, run.output
    assert run.task("Summary")["result"]["msg"][-1] == "Verdict                the account can carry this traffic"


def test_a_mix_that_fits_passes_with_a_readable_summary_and_no_core_warning(demo_simulator, tmp_path) -> None:
    run, summary = preflight(demo_simulator, tmp_path / "fits", webcom_mobi_min_money=100,
                             webcom_mobi_min_sms={"Russia": 8000}, webcom_mobi_plan={"Russia": 5000, "Ukraine": 2000})
    assert run.returncode == 0, run.output
    assert warnings_beside_plain_http(run.output) == []
    assert summary[0] == f"Account                {demo_simulator.api_url}"
    assert summary[2:9] == [
        "Money                  10000.00 RUR",
        "Area                       SMS left",
        "  Russia                      10000",
        "  Ukraine                      5000",
        "  Kazakhstan                   1600",
        "  Tele2                   unlimited",
        "Requirement            Met     Detail",
    ]
    assert summary[9] == "  min_money            yes     money 10000.00 meets min_money 100"
    assert summary[11].startswith("  plan                 yes     the plan surely fits: it uses ")
    assert summary[-1] == "Verdict                the account can carry this traffic"
    assert run.task("Every requirement is met")["status"] == "ok"
    assert demo_simulator.total_requests() == 1


def test_each_shortfall_is_said_once_then_one_failing_line(demo_simulator, tmp_path) -> None:
    run, summary = preflight(demo_simulator, tmp_path / "exceeds", webcom_mobi_min_money=20000,
                             webcom_mobi_min_sms={"Russia": 9000, "Ukraine": 2000},
                             webcom_mobi_plan={"Russia": 9000, "Ukraine": 2000})
    assert run.returncode == 2, run.output
    assert warnings_beside_plain_http(run.output) == []
    assert summary[9].startswith("  min_money            NO      ")
    assert summary[10:12] == [
        "  min_sms[Russia]      yes     Russia has 10000 SMS, at least the 9000 required",
        "  min_sms[Ukraine]     yes     Ukraine has 5000 SMS, at least the 2000 required",
    ]
    assert summary[12].startswith("  plan                 NO      the plan does not fit: it needs ")
    assert summary[-1] == "Verdict                the account CANNOT surely carry this traffic"
    checks = run.task("Check the balance against the requirements")
    assert checks["status"] == "ok"  # a shortfall is data for the summary, not a failure of the check
    unmet = [check for check in checks["result"]["requirements"] if check["met"] is not True]
    assert [check["name"] for check in unmet] == ["min_money", "plan"]
    for check in unmet:
        assert run.output.count(check["msg"]) == 1, (check["msg"], run.output)
    failed = run.task("Every requirement is met")
    assert failed["status"] == "failed"
    assert failed["result"]["msg"] == "2 of 4 requirements not surely met (min_money, plan): see the summary above"
    assert re.search(r"^fatal: \[localhost\]: FAILED!", run.output, re.MULTILINE)
    assert len(re.findall(r"^fatal:", run.output, re.MULTILINE)) == 1


def test_no_requirements_just_shows_the_balance(demo_simulator, tmp_path) -> None:
    run, summary = preflight(demo_simulator, tmp_path / "none")
    assert run.returncode == 0, run.output
    assert "Requirement            Met     Detail" not in summary
    assert summary[-1] == "Verdict                no requirements given"


def test_a_check_that_gets_no_balance_fails_at_once_with_the_platform_error(demo_simulator, tmp_path) -> None:
    run = documented_run_with(tmp_path, demo_simulator, webcom_mobi_password="wrong-password", webcom_mobi_min_money=1)
    assert run.returncode == 2, run.output
    failed = run.task("Check the balance against the requirements")
    assert failed["status"] == "failed"
    assert "Incorrect login or password" in failed["result"]["msg"]
    assert not [r for r in run.results if r["task"] == "Summary"]
    assert "wrong-password" not in run.output


def documented_run_with(workdir: Path, sim: RunningSimulator, **variables) -> PlaybookRun:
    (workdir / "campaign.yml").write_text(yaml.safe_dump(
        {"webcom_mobi_api_url": sim.api_url, "webcom_mobi_login": "demo", **variables}))
    return documented_run(workdir)


IMPORTING_PLAYBOOK = """\
- name: Pre-flight before the campaign
  ansible.builtin.import_playbook: webcom.mobi.preflight
  vars:
    webcom_mobi_api_url: {api_url}
    webcom_mobi_token: "{{{{ vault_webcom_token }}}}"
    webcom_mobi_min_money: {min_money}
    webcom_mobi_plan: {{Russia: 3000, Kazakhstan: 200}}

- name: The campaign
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Send
      ansible.builtin.debug:
        msg: sending
"""


@pytest.mark.parametrize(("min_money", "passes"), [(500, True), (50000, False)])
def test_import_playbook_with_vars_runs_the_preflight_inside_a_users_playbook(
        demo_simulator, tmp_path, min_money, passes) -> None:
    playbook = IMPORTING_PLAYBOOK.format(api_url=demo_simulator.api_url, min_money=min_money)
    run = run_playbook(tmp_path, playbook, args=("-e", "vault_webcom_token=demo-token"))
    assert "demo-token" not in run.output
    summary = run.task("Summary")["result"]["msg"]
    assert summary[9].startswith("  min_money            " + ("yes" if passes else "NO "))
    assert summary[10].startswith("  plan                 yes     the plan surely fits")
    if passes:
        assert run.returncode == 0, run.output
        assert run.task("Send")["status"] == "ok"
    else:
        assert run.returncode == 2, run.output
        assert run.task("Every requirement is met")["result"]["msg"] == (
            "1 of 2 requirements not surely met (min_money): see the summary above")
        assert not [r for r in run.results if r["task"] == "Send"]  # the campaign never starts


def test_what_an_awx_credential_with_only_a_token_injects_is_a_token_credential(demo_simulator, tmp_path) -> None:
    """AWX renders every injector, so unset inputs arrive as empty strings (docs/awx.md)."""
    run = documented_run_with(tmp_path, demo_simulator, webcom_mobi_login="", webcom_mobi_password="",
                              webcom_mobi_token="demo-token", webcom_mobi_min_money=1)
    assert run.returncode == 0, run.output
    assert run.task("Every requirement is met")["status"] == "ok"
    assert "demo-token" not in run.output


def test_sender_names_join_the_summary_and_the_one_failing_line(demo_simulator, tmp_path) -> None:
    approved, summary = preflight(demo_simulator, tmp_path / "approved", webcom_mobi_min_money=100,
                                  webcom_mobi_senders=["WebcomDemo"])
    assert approved.returncode == 0, approved.output
    assert any(line.split()[:4] == ["sender", "WebcomDemo", "yes", "sender"] for line in summary), summary

    review, summary = preflight(demo_simulator, tmp_path / "review", webcom_mobi_min_money=100,
                                webcom_mobi_senders=["WebcomDemo", "DemoPromo"])
    assert review.returncode != 0
    row = "sender 'DemoPromo' is still under review, not usable until approved"
    assert sum(row in line for line in summary) == 1, summary
    assert review.output.count(row) == 1, review.output  # said once: in the summary
    failing = review.task("Every requirement is met")["result"]["msg"]
    assert failing == "1 of 3 requirements not surely met (sender DemoPromo): see the summary above"
    assert demo_simulator.admin("/admin/stats")["accounts"]["demo"]["sender_requests"] == 2
