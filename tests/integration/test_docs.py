"""Rendered docs agree with the code, and every plugin's EXAMPLES run for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _collection_tree import REPO_ROOT, collections_root
from playbook_runner import play, run_playbook

from ansible_collections.webcom.mobi.plugins.plugin_utils._options import COLLECTION_VERSION
from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import (
    CONNECTION_OPTIONS,
    REQUIREMENT_OPTIONS,
    argument_spec,
)

CONNECTION_ARGUMENT_SPEC = argument_spec(CONNECTION_OPTIONS)
REQUIREMENTS_ARGUMENT_SPEC = argument_spec(REQUIREMENT_OPTIONS)

ANSIBLE_DOC = Path(sys.executable).parent / "ansible-doc"
PLUGINS = {
    ("module", "balance_info"): "plugins/modules/balance_info.py",
    ("module", "balance_facts"): "plugins/modules/balance_facts.py",
    ("lookup", "balance"): "plugins/lookup/balance.py",
    ("filter", "sms_plan"): "plugins/filter/sms_plan.py",
    ("test", "affords"): "plugins/test/affords.py",
}
SPECS = {
    "balance_info": {**CONNECTION_ARGUMENT_SPEC, **REQUIREMENTS_ARGUMENT_SPEC},
    "balance_facts": CONNECTION_ARGUMENT_SPEC,
}


def rendered(kind: str, name: str) -> dict:
    completed = subprocess.run(
        [str(ANSIBLE_DOC), "--json", "-t", kind, f"webcom.mobi.{name}"],
        capture_output=True, text=True, check=True,
        env={"ANSIBLE_COLLECTIONS_PATH": str(collections_root()), "PATH": "", "HOME": str(REPO_ROOT / "tests" / "output")},
    )
    return json.loads(completed.stdout)[f"webcom.mobi.{name}"]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_module_docs_match_the_argument_spec(name: str) -> None:
    options = rendered("module", name)["doc"]["options"]
    spec = SPECS[name]
    assert sorted(options) == sorted(spec)
    for option, rules in spec.items():
        doc = options[option]
        assert doc["type"] == rules["type"], option
        assert doc.get("default") == rules.get("default"), option
        assert doc.get("choices") == rules.get("choices"), option
        assert bool(doc.get("required", False)) == bool(rules.get("required", False)), option
        assert doc.get("elements") == rules.get("elements"), option
        assert sorted(doc.get("aliases", [])) == sorted(rules.get("aliases", [])), option
        if rules.get("no_log"):
            assert "secret" in " ".join(doc["description"]).lower(), option


def test_lookup_documents_the_same_connection_options() -> None:
    options = rendered("lookup", "balance")["doc"]["options"]
    assert sorted(set(options) - {"_terms"}) == sorted(CONNECTION_ARGUMENT_SPEC)
    for option, rules in CONNECTION_ARGUMENT_SPEC.items():
        assert options[option]["type"] == rules["type"], option
        assert options[option].get("default") == rules.get("default"), option
        assert options[option]["vars"] == [{"name": f"webcom_mobi_{option}"}]
        assert options[option]["ini"] == [{"section": "webcom_mobi", "key": option}]


def test_modules_are_in_the_action_group_they_document() -> None:
    runtime = yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text())
    assert runtime["action_groups"]["api"] == ["balance_facts", "balance_info"]
    for name in SPECS:
        attributes = rendered("module", name)["doc"]["attributes"]
        assert attributes["action_group"]["membership"] == ["webcom.mobi.api"]
        assert attributes["check_mode"]["support"] == "full"


def test_version_constant_matches_galaxy_yml() -> None:
    assert yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"] == COLLECTION_VERSION


def examples_of(relative: str) -> list[dict]:
    source = (REPO_ROOT / relative).read_text()
    namespace: dict = {}
    exec(compile(source.split("\nfrom typing import")[0].split("\nfrom ansible")[0], relative, "exec"), namespace)
    return yaml.safe_load(namespace["EXAMPLES"])


def test_every_example_runs_against_the_simulator(simulator, tmp_path) -> None:
    simulator.reset()
    connection = {
        "webcom_api_url": simulator.api_url,
        "webcom_login": "big-user",
        "webcom_password": "big-password",
        "webcom_token": "big-token-7f3a",
        "webcom_mobi_api_url": simulator.api_url,
        "webcom_mobi_token": "big-token-7f3a",
    }
    read_fact = {"name": "read the fact the filter and test examples use",
                 "webcom.mobi.balance_facts": {"api_url": simulator.api_url, "token": "big-token-7f3a"}}
    plays = []
    for (kind, _plugin), relative in PLUGINS.items():
        tasks = examples_of(relative)
        assert tasks, f"{relative} has no EXAMPLES"
        plays.append(play(([read_fact] if kind in ("filter", "test") else []) + tasks, vars=connection))
    run = run_playbook(tmp_path, plays)
    assert run.returncode == 0, run.output
    assert all(result["status"] == "ok" for result in run.results), run.output
    assert len(run.results) == sum(len(p["tasks"]) for p in plays)


def test_readme_demo_playbook_runs_against_the_demo_simulator(tmp_path) -> None:
    from simulator_harness import RunningSimulator

    config = json.loads((REPO_ROOT / "simulator" / "demo.json").read_text())
    sim = RunningSimulator(tmp_path, config)
    try:
        run = run_playbook(
            tmp_path / "run",
            (REPO_ROOT / "demo" / "preflight-demo.yml").read_text(),
            args=("-e", f"webcom_api_url={sim.api_url}", "-e", "webcom_login=demo", "-e", "webcom_password=demo-password"),
        )
    finally:
        sim.stop()
    assert run.returncode == 0, run.output
    assert run.task("Plan A: 8000 to Russia and 1500 to Ukraine (passes per area, does not fit together)")["status"] == "failed"
    assert "Plan B: FITS - the plan surely fits: it uses 97.9% to 98% of the balance 10000.00" in run.stdout
