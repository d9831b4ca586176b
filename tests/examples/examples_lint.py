"""Lint every example in one ansible-lint run, and give each example back its own findings.

Each example is written into a throw-away project where ansible-lint recognises its kind
(tasks are wrapped in a play, as the runner runs them, so play-only rules such as
run-once[task] see them too). Findings are mapped back to the example's own lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from examples_extract import Example, slug

ANSIBLE_LINT = Path(sys.executable).parent / "ansible-lint"
LINT_ARGS = ("--offline", "--profile", "production", "--strict", "-f", "codeclimate")
WRAPPER = "---\n- name: Run the example\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
WRAPPER_LINES = WRAPPER.count("\n")


def wrap_tasks(text: str) -> str:
    """The tasks as the body of a play on localhost: the same text, indented under tasks:."""
    return WRAPPER + "".join(f"    {line}\n" if line.strip() else "\n" for line in text.splitlines())


def lint_file_for(example: Example, slug: str) -> tuple[str, str, int]:
    """(relative path, content, number of lines added before the example's first line)."""
    kind = example.kind
    if kind == "tasks":
        return f"playbooks/{slug}.yml", wrap_tasks(example.text), WRAPPER_LINES
    directory = {"playbook": "playbooks", "variables": "group_vars", "rulebook": "rulebooks"}.get(kind, "other")
    path = f"{slug}/execution-environment.yml" if kind == "execution environment" else f"{directory}/{slug}.yml"
    if example.text.startswith("---"):
        return path, example.text, 0
    return path, "---\n" + example.text, 1


@dataclass
class Finding:
    rule: str
    line: int          # the line in the example's source file (README.md, a plugin's .py)
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.rule}: {self.message}"


def source_line(example: Example, line_in_example: int) -> int:
    # A Markdown example starts on the line after its fence; a plugin example on its own line.
    return example.line + line_in_example - (1 if example.label else 0)


def lint(examples: list[Example], project: Path, env: dict[str, str]) -> dict[str, list[Finding]]:
    """Findings per example location (every example gets an entry, most an empty list)."""
    project.mkdir(parents=True, exist_ok=True)
    # A config file marks the project root, so ansible-lint does not climb to / looking for one.
    # run-once is listed as a production rule, yet --profile production leaves it out (ansible-lint
    # 26): without a profile it flags run_once, so readers who lint that way would trip on it.
    (project / ".ansible-lint").write_text("---\nprofile: production\noffline: true\nenable_list:\n  - run-once\n")
    by_path: dict[str, tuple[Example, int]] = {}
    for number, example in enumerate(examples):
        if example.error is not None or example.kind == "command":
            continue   # the parse step reports bad YAML; ansible-lint would only say the same
        relative, content, offset = lint_file_for(example, f"{number:03d}-{slug(example.location)}")
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(content, encoding="utf-8")
        by_path[relative] = (example, offset)
    if not ANSIBLE_LINT.exists():
        raise RuntimeError(f"ansible-lint is not installed next to {sys.executable}: run this suite in an examples-core* tox env")
    completed = subprocess.run(
        [str(ANSIBLE_LINT), *LINT_ARGS, *sorted(by_path)],
        cwd=project, env={**os.environ, **env}, capture_output=True, text=True, timeout=600, check=False,
    )
    try:
        reported = json.loads(completed.stdout or "null")
    except json.JSONDecodeError:
        reported = None
    if not isinstance(reported, list):
        raise RuntimeError(f"ansible-lint gave no report (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    findings: dict[str, list[Finding]] = {example.location: [] for example in examples}
    for issue in reported:
        location = issue["location"]
        path = location["path"]
        if path not in by_path:
            raise RuntimeError(f"ansible-lint reported on a file that is no example: {issue}")
        example, offset = by_path[path]
        begin = (location.get("positions") or {}).get("begin") or {}
        line = begin.get("line") or (location.get("lines") or {}).get("begin") or 1
        findings[example.location].append(
            Finding(issue["check_name"], source_line(example, max(line - offset, 1)), issue["description"]))
    if completed.returncode != 0 and not reported:
        raise RuntimeError(f"ansible-lint failed without findings (exit {completed.returncode}):\n{completed.stderr}")
    return findings
