"""The collection playbook webcom.mobi.preflight against the demo account, passing and failing."""

from __future__ import annotations

import json

import pytest
import yaml
from _collection_tree import REPO_ROOT
from playbook_runner import run_playbook
from simulator_harness import RunningSimulator

DEMO = json.loads((REPO_ROOT / "simulator" / "demo.json").read_text(encoding="utf-8"))


@pytest.fixture
def demo_simulator(tmp_path):
    (tmp_path / "sim").mkdir()
    running = RunningSimulator(tmp_path / "sim", DEMO)
    try:
        yield running
    finally:
        running.stop()


def preflight(sim, workdir, **requirements):
    variables = {"webcom_mobi_api_url": sim.api_url, "webcom_mobi_login": "demo",
                 "webcom_mobi_password": "demo-password", **requirements}
    workdir.mkdir(parents=True)
    (workdir / "vars.yml").write_text(yaml.safe_dump(variables))
    run = run_playbook(workdir, [], collection_playbook="webcom.mobi.preflight", args=("-e", f"@{workdir / 'vars.yml'}"))
    assert "demo-password" not in run.output
    summary = run.task("Summary")["result"]["msg"]
    return run, summary


def test_a_mix_that_fits_passes_with_a_readable_summary(demo_simulator, tmp_path) -> None:
    run, summary = preflight(demo_simulator, tmp_path / "fits", webcom_mobi_min_money=100,
                             webcom_mobi_min_sms={"Russia": 8000}, webcom_mobi_plan={"Russia": 5000, "Ukraine": 2000})
    assert run.returncode == 0, run.output
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


def test_a_mix_that_each_area_passes_but_the_balance_cannot_carry_fails(demo_simulator, tmp_path) -> None:
    run, summary = preflight(demo_simulator, tmp_path / "exceeds",
                             webcom_mobi_min_sms={"Russia": 9000, "Ukraine": 2000},
                             webcom_mobi_plan={"Russia": 9000, "Ukraine": 2000})
    assert run.returncode == 2, run.output
    assert summary[9:11] == [
        "  min_sms[Russia]      yes     Russia has 10000 SMS, at least the 9000 required",
        "  min_sms[Ukraine]     yes     Ukraine has 5000 SMS, at least the 2000 required",
    ]
    assert summary[11].startswith("  plan                 NO      the plan does not fit: it needs ")
    assert summary[-1] == "Verdict                the account CANNOT surely carry this traffic"
    failed = run.task("Every requirement is met")
    assert failed["status"] == "failed"
    assert failed["result"]["msg"].startswith("the plan does not fit: it needs ")


def test_no_requirements_just_shows_the_balance(demo_simulator, tmp_path) -> None:
    run, summary = preflight(demo_simulator, tmp_path / "none")
    assert run.returncode == 0, run.output
    assert "Requirement            Met     Detail" not in summary
    assert summary[-1] == "Verdict                no requirements given"
