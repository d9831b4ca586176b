"""AWX / Automation Platform: the dependency list (meta/execution-environment.yml, requirements.txt,
bindep.txt) gives an image all the plugins import; the EE and DE definitions (meta/ee/) are accepted by
ansible-builder; the credential type is one AWX accepts; jobs and the cache behave as docs/awx.md says."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jinja2
import jinja2.sandbox
import jsonschema
import yaml
from _collection_tree import REPO_ROOT
from playbook_runner import run_playbook
from simulator_harness import RunningSimulator

META = REPO_ROOT / "meta" / "execution-environment.yml"
# Installed with ansible-core in every execution environment (PyYAML and Jinja2 are ansible-core's
# own requirements), so never listed.
PROVIDED = {"ansible", "ansible_collections", "yaml", "jinja2"}
# Used when installed, never required (statically, a guarded import looks like a required one).
OPTIONAL = {"certifi"}  # the transport's CA bundle where certifi is installed, else the system's
BINDEP_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]*( \[[a-z0-9:!_ -]+\])?$")


def runtime_imports() -> set[str]:
    """Top-level names every shipped plugin imports (at module level or inside functions)."""
    names: set[str] = set()
    for path in (REPO_ROOT / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - PROVIDED - set(sys.stdlib_module_names) - {"__future__"}


def requirement_names(path) -> set[str]:
    lines = [line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return {re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0].lower() for line in lines if line}


def test_the_ee_file_points_at_both_dependency_files() -> None:
    meta = yaml.safe_load(META.read_text(encoding="utf-8"))
    assert meta["version"] == 1
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    for relative in meta["dependencies"].values():
        assert (REPO_ROOT / relative).is_file(), relative


def test_requirements_name_every_third_party_runtime_import() -> None:
    imports = runtime_imports() - OPTIONAL
    assert "xmlschema" in imports  # the codec's: the scan finds what the plugins import
    # A new dependency must be added to requirements.txt, and one no longer imported dropped from it.
    assert requirement_names(REPO_ROOT / "requirements.txt") == imports


def test_bindep_lines_parse() -> None:
    entries = [line.strip() for line in (REPO_ROOT / "bindep.txt").read_text(encoding="utf-8").splitlines()]
    entries = [line for line in entries if line and not line.startswith("#")]
    assert entries, "bindep.txt lists no package"
    for line in entries:
        assert BINDEP_LINE.match(line), line


# ------------------------------------------------------------------ EE and DE definitions

EE_DIR = REPO_ROOT / "meta" / "ee"
BIN = Path(sys.executable).parent


def builder_create(definition: Path, context: Path) -> tuple[str, dict[str, str]]:
    """Run ansible-builder create (no container runtime needed); the build file and the _build files."""
    completed = subprocess.run([str(BIN / "ansible-builder"), "create", "-f", str(definition), "--context", str(context)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    build_file = next(context / name for name in ("Containerfile", "Dockerfile") if (context / name).is_file())
    built = {path.name: path.read_text(encoding="utf-8") for path in (context / "_build").glob("*") if path.is_file()}
    return build_file.read_text(encoding="utf-8"), built


def test_the_execution_environment_is_accepted_by_ansible_builder(tmp_path) -> None:
    definition = yaml.safe_load((EE_DIR / "execution-environment.yml").read_text(encoding="utf-8"))
    build_file, built = builder_create(EE_DIR / "execution-environment.yml", tmp_path / "ee")
    base = definition["images"]["base_image"]["name"]
    assert base.startswith("quay.io/ansible/")
    assert f"ARG EE_BASE_IMAGE=\"{base}\"" in build_file
    collections = yaml.safe_load(built["requirements.yml"])["collections"]
    assert [entry["name"] for entry in collections] == ["webcom.mobi"]
    assert "ansible-core>=2.16,<2.22" in build_file  # the range meta/runtime.yml supports
    assert yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text())["requires_ansible"] == ">=2.16.0"


def test_the_decision_environment_is_accepted_by_ansible_builder(tmp_path) -> None:
    build_file, built = builder_create(EE_DIR / "decision-environment.yml", tmp_path / "de")
    assert "ansible-rulebook>=1.1,<2" in built["requirements.txt"].split()
    assert re.search(r"^java-17-openjdk\S* \[platform:rpm\]$", built["bindep.txt"], re.MULTILINE)  # the rule engine's JVM
    collections = yaml.safe_load(built["requirements.yml"])["collections"]
    assert "webcom.mobi" in [entry["name"] for entry in collections]
    assert "ansible-core>=2.16,<2.22" in build_file


def test_the_dependency_list_is_not_mistaken_for_a_definition() -> None:
    """meta/execution-environment.yml stays the collection's dependency list (what introspect reads)."""
    assert "meta/ee/execution-environment.yml" in META.read_text(encoding="utf-8")


# ------------------------------------------------------------------ the AWX credential type

CREDENTIAL_PLAYBOOK = REPO_ROOT / "playbooks" / "awx_credential_type.yml"
# awx.awx is not installed in the test environments: AWX's own rules for a custom credential
# type are restated here from awx/main/fields.py (CredentialTypeInputField,
# CredentialTypeInjectorField) and awx/main/constants.py (ENV_BLOCKLIST), and the playbook runs
# against a stand-in of awx.awx.credential_type that records the arguments Ansible passes it.
NAME = {"type": "string", "pattern": "^[a-zA-Z_]+[a-zA-Z0-9_]*$"}
AWX_INPUTS_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "required": {"type": "array", "items": {"type": "string"}},
        "fields": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["id", "label"],
            "properties": {
                "type": {"enum": ["string", "boolean"]}, "format": {"enum": ["ssh_private_key", "url"]},
                "choices": {"type": "array", "minItems": 1, "items": {"type": "string"}, "uniqueItems": True},
                "id": NAME, "label": {"type": "string"}, "help_text": {"type": "string"},
                "multiline": {"type": "boolean"}, "secret": {"type": "boolean"},
                "ask_at_runtime": {"type": "boolean"}, "default": {},
            },
        }},
    },
}
AWX_INJECTORS_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "file": {"type": "object", "additionalProperties": False,
                 "patternProperties": {r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$": {"type": "string"}}},
        "env": {"type": "object", "additionalProperties": False,
                "patternProperties": {NAME["pattern"]: {"type": "string", "pattern": "^[\x00-\x7f]*$"}}},
        "extra_vars": {"type": "object", "additionalProperties": False,
                       "patternProperties": {NAME["pattern"]: {"type": "string"}}},
    },
}
AWX_ENV_BLOCKLIST = {
    "VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
    "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION",
    "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH",
}
# awx.awx.credential_type's own options (beside the controller connection ones).
MODULE_OPTIONS = {"name", "new_name", "description", "kind", "inputs", "injectors", "state"}
STAND_IN = '''
from __future__ import annotations
import json
import os
from ansible.plugins.action import ActionBase
class ActionModule(ActionBase):
    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        with open(os.environ["RECORDED_ARGS"], "w", encoding="utf-8") as stream:
            json.dump(self._task.args, stream)
        return {"changed": True}
'''


def credential_type_arguments(tmp_path) -> dict:
    """What the playbook passes to awx.awx.credential_type, through a real ansible-playbook run."""
    stand_in = tmp_path / "collections" / "ansible_collections" / "awx" / "awx" / "plugins" / "action"
    stand_in.mkdir(parents=True)
    (stand_in / "credential_type.py").write_text(STAND_IN, encoding="utf-8")
    (stand_in.parents[1] / "galaxy.yml").write_text("namespace: awx\nname: awx\nversion: 0.0.1\n", encoding="utf-8")
    recorded = tmp_path / "args.json"
    env = {"PATH": str(BIN), "HOME": str(tmp_path), "ANSIBLE_NOCOLOR": "1", "RECORDED_ARGS": str(recorded),
           "ANSIBLE_COLLECTIONS_PATH": f"{tmp_path / 'collections'}:{os.environ['ANSIBLE_COLLECTIONS_PATH']}"}
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "webcom.mobi.awx_credential_type"]
    for extra in (["--syntax-check"], []):
        completed = subprocess.run(command + extra, capture_output=True, text=True, env=env, check=False)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "[WARNING]" not in completed.stdout + completed.stderr
    return json.loads(recorded.read_text(encoding="utf-8"))


def documented_sources() -> dict[str, tuple[str, str]]:
    """Connection option -> (environment variable, variable), as every plugin documents them."""
    from ansible_collections.webcom.mobi.plugins.doc_fragments.connection import ModuleDocFragment

    options = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]
    return {name: (spec["env"][0]["name"], spec["vars"][0]["name"])
            for name, spec in options.items() if spec.get("env")}


def test_the_credential_type_is_one_awx_accepts_and_feeds_the_documented_names(tmp_path) -> None:
    arguments = credential_type_arguments(tmp_path)
    assert set(arguments) <= MODULE_OPTIONS
    assert arguments["kind"] in ("cloud", "net")  # the only kinds AWX allows a custom credential type
    inputs, injectors = arguments["inputs"], arguments["injectors"]
    jsonschema.Draft4Validator(AWX_INPUTS_SCHEMA).validate(inputs)
    jsonschema.Draft4Validator(AWX_INJECTORS_SCHEMA).validate(injectors)
    fields = {field["id"]: field for field in inputs["fields"]}
    assert len(fields) == len(inputs["fields"]) and "tower" not in fields
    assert set(inputs["required"]) <= set(fields)
    for field in fields.values():
        if "default" in field:
            assert isinstance(field["default"], {"string": str, "boolean": bool}[field.get("type", "string")])
    assert set(injectors["env"]).isdisjoint(AWX_ENV_BLOCKLIST)
    assert not [name for name in injectors["env"] if name.startswith("ANSIBLE_")]
    # AWX renders each injector with only the inputs defined (StrictUndefined): a typo fails there.
    sandbox = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    for injector in injectors.values():
        for template in injector.values():
            sandbox.from_string(template).render({name: "EXAMPLE" for name in fields})

    sources = documented_sources()
    assert set(fields) == {"api_url", "login", "password", "token"} == set(sources)
    assert {name for name, field in fields.items() if field.get("secret")} == {"password", "token"}
    assert injectors["env"] == {sources[name][0]: f"{{{{ {name} }}}}" for name in fields}
    assert injectors["extra_vars"] == {sources[name][1]: f"{{{{ {name} }}}}" for name in fields}


def yaml_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL)


def test_the_credential_type_in_the_docs_is_the_one_the_playbook_creates(tmp_path) -> None:
    arguments = credential_type_arguments(tmp_path)
    blocks = [yaml.safe_load(block) for block in yaml_blocks(AWX_DOC.read_text(encoding="utf-8"))]
    assert arguments["inputs"] in blocks
    assert arguments["injectors"] in blocks


# ------------------------------------------------------------------ jobs share no files (docs/awx.md)

AWX_DOC = REPO_ROOT / "docs" / "awx.md"


def test_jobs_ask_once_each_and_a_cacheable_fact_carries_a_balance_to_a_later_job(tmp_path) -> None:
    """Each run is a job: its own home and balance cache; only the fact cache is shared."""
    blocks = yaml_blocks(AWX_DOC.read_text(encoding="utf-8"))
    check_job = next(block for block in blocks if "- name: Check the account once" in block)
    campaign_job = next(block for block in blocks if "- name: A campaign job of the workflow" in block)
    (tmp_path / "sim").mkdir()
    demo = json.loads((REPO_ROOT / "simulator" / "demo.json").read_text(encoding="utf-8"))
    simulator = RunningSimulator(tmp_path / "sim", demo)
    try:
        credential = {"WEBCOM_API_URL": simulator.api_url, "WEBCOM_TOKEN": "demo-token",
                      "ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(tmp_path / "facts")}
        first = run_playbook(tmp_path / "job1", check_job, hosts=3, env=credential)
        assert first.returncode == 0, first.output
        assert simulator.requests_for("demo") == 1
        later = run_playbook(tmp_path / "job2", campaign_job, env=credential)
        assert later.returncode == 0, later.output
        assert later.task("The shared balance is recent and carries this campaign")["status"] == "ok"
        assert simulator.requests_for("demo") == 1  # decided from the shared fact alone
        again = run_playbook(tmp_path / "job3", check_job, hosts=3, env=credential)
        assert again.returncode == 0, again.output
        assert simulator.requests_for("demo") == 2  # a new job, a new container: one request again
        assert "demo-token" not in first.output + later.output + again.output
    finally:
        simulator.stop()
