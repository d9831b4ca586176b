"""meta/execution-environment.yml, requirements.txt and bindep.txt give an image all the plugins import."""

from __future__ import annotations

import ast
import re
import sys

import yaml
from _collection_tree import REPO_ROOT

META = REPO_ROOT / "meta" / "execution-environment.yml"
# Installed with ansible-core in every execution environment, so never listed.
PROVIDED = {"ansible", "ansible_collections"}
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
    imports = runtime_imports()
    assert imports == {"requests", "xmlschema"}  # a new dependency must be added to requirements.txt too
    assert requirement_names(REPO_ROOT / "requirements.txt") == imports


def test_bindep_lines_parse() -> None:
    entries = [line.strip() for line in (REPO_ROOT / "bindep.txt").read_text(encoding="utf-8").splitlines()]
    entries = [line for line in entries if line and not line.startswith("#")]
    assert entries, "bindep.txt lists no package"
    for line in entries:
        assert BINDEP_LINE.match(line), line
