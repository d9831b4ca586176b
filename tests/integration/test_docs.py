"""Rendered docs agree with the code, and the README demo runs.

Every plugin's EXAMPLES, and every YAML example of README.md and docs/, run in tests/examples.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _collection_tree import REPO_ROOT, collections_root
from playbook_runner import run_playbook

from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import (
    CONNECTION_OPTIONS,
    REQUIREMENT_OPTIONS,
    SENDER_OPTIONS,
    argument_spec,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._transport import COLLECTION_VERSION

CONNECTION_ARGUMENT_SPEC = argument_spec(CONNECTION_OPTIONS)
REQUIREMENTS_ARGUMENT_SPEC = argument_spec(REQUIREMENT_OPTIONS)

ANSIBLE_DOC = Path(sys.executable).parent / "ansible-doc"
SPECS = {
    "balance_info": {**CONNECTION_ARGUMENT_SPEC, **REQUIREMENTS_ARGUMENT_SPEC},
    "balance_facts": CONNECTION_ARGUMENT_SPEC,
    "sender_info": {**CONNECTION_ARGUMENT_SPEC, **argument_spec(SENDER_OPTIONS)},
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
    assert runtime["action_groups"]["api"] == ["balance_facts", "balance_info", "sender_info"]
    for name in SPECS:
        attributes = rendered("module", name)["doc"]["attributes"]
        assert attributes["action_group"]["membership"] == ["webcom.mobi.api"]
        assert attributes["check_mode"]["support"] == "full"


def test_version_constant_matches_galaxy_yml() -> None:
    assert yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())["version"] == COLLECTION_VERSION


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


def test_the_lookup_reads_the_same_option_table_from_ansible_as_from_the_fragments() -> None:
    # The lookup takes its table from Ansible's own reading of its documentation (no second parse
    # per host): it must be the very table the modules and the event source parse from the fragments.
    probe = (
        "from ansible import constants\n"
        "from ansible.plugins.loader import init_plugin_loader, lookup_loader\n"
        "init_plugin_loader()\n"
        "lookup = lookup_loader.get('webcom.mobi.balance')\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils import _resolver\n"
        "table = _resolver.plugin_options(constants.config.get_configuration_definitions('lookup', lookup._load_name))\n"
        "print(sorted(table), table == _resolver.CONNECTION_OPTIONS)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False,
        env={"ANSIBLE_COLLECTIONS_PATH": str(collections_root()), "HOME": str(REPO_ROOT / "tests" / "output")},
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"{sorted(CONNECTION_OPTIONS)} True"
