"""Find every YAML example a reader may copy: fenced blocks in the Markdown docs, and EXAMPLES.

The marker convention (docs/testing.md, "Writing examples") decides what a test does with
each example; without a marker the content decides (a playbook or tasks run, anything else
is parsed and linted only, and says so in its test id). Nothing is dropped silently: a
marker the extractor does not understand is an error, not an ignored line.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^`]*$")
MD_MARKER = re.compile(r"^\s*<!--\s*example:\s*(?P<body>.*?)\s*-->\s*$")
YAML_MARKER = re.compile(r"^#\s*example:\s*(?P<body>.*?)\s*$")
PLUGIN_DIRS = ("plugins/modules", "plugins/lookup", "plugins/filter", "plugins/test",
               "plugins/inventory", "plugins/callback", "extensions/eda/plugins/event_source")
RUNNABLE = ("playbook", "tasks", "command")
SHELL_LANGUAGES = ("sh", "shell", "bash", "console")


@dataclass
class Markers:
    parse_only: str | None = None        # the reason given
    file_name: str | None = None         # written to this name for later examples of the page
    expect_failure: bool = False
    run: bool = False                    # a shell block: run its commands in the page's directory
    needs: dict[str, str] = field(default_factory=dict)

    def add(self, body: str, where: str) -> None:
        verb, rest = (body.split(" ", 1) + [""])[:2]
        verb = verb.rstrip(":")
        rest = rest.strip()
        if verb == "parse-only":
            if not rest.lstrip(":").strip():
                raise ValueError(f"{where}: 'example: parse-only' needs a reason after it")
            self.parse_only = rest.lstrip(":").strip()
        elif verb == "file":
            if not rest or "/" in rest or rest.startswith("."):
                raise ValueError(f"{where}: 'example: file NAME' needs a plain file name, got {rest!r}")
            self.file_name = rest
        elif verb == "expect-failure":
            self.expect_failure = True
        elif verb == "run":
            self.run = True
        elif verb == "needs":
            for item in shlex.split(rest):
                key, value = (item.split("=", 1) + [""])[:2]
                if "=" not in item or not key:
                    raise ValueError(f"{where}: 'example: needs' takes KEY=VALUE items, got {item!r}")
                self.needs[key] = value
        else:
            raise ValueError(f"{where}: unknown example marker {body!r} (see docs/testing.md, Writing examples)")


@dataclass
class Example:
    source: str            # path relative to the repository root
    line: int              # 1-based line of the opening fence, or of the task in EXAMPLES
    text: str              # the YAML exactly as the reader sees it (dedented)
    markers: Markers
    label: str = ""        # "EXAMPLES#2" for plugin examples
    group: str = ""        # examples that run together in one play (a plugin's EXAMPLES)
    language: str = "yaml"  # "sh" for a shell block marked run
    data: Any = None
    error: str | None = None   # the YAML parser's complaint, if it does not parse

    @property
    def location(self) -> str:
        return f"{self.source}:{self.label}" if self.label else f"{self.source}:{self.line}"

    @property
    def kind(self) -> str:
        if self.language != "yaml":
            return "command"
        return classify(self.data) if self.error is None else "invalid YAML"

    @property
    def runnable(self) -> bool:
        return self.kind in RUNNABLE and self.markers.parse_only is None and self.markers.file_name is None

    @property
    def test_id(self) -> str:
        if self.error is not None:
            return self.location
        if self.markers.file_name:
            return f"{self.location} (file {self.markers.file_name}: parsed only: {self.kind})"
        if self.markers.parse_only is not None:
            return f"{self.location} (parsed only: {self.kind}: {self.markers.parse_only})"
        if not self.runnable:
            return f"{self.location} (parsed only: {self.kind})"
        suffix = " (command)" if self.kind == "command" else ""
        return self.location + suffix + (" (expect failure)" if self.markers.expect_failure else "")


def slug(text: str) -> str:
    """A file-name-safe form of an example's location or a page's path."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def classify(data: Any) -> str:
    """What a reader would take this YAML for, judged by its content."""
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        if all("rules" in item and "sources" in item for item in data):
            return "rulebook"
        if all("hosts" in item or "import_playbook" in item or "ansible.builtin.import_playbook" in item for item in data):
            return "playbook"
        if any("hosts" in item for item in data):
            return "mixed list"
        return "tasks"
    if isinstance(data, dict):
        if "version" in data and ("dependencies" in data or "images" in data):
            return "execution environment"
        if any(isinstance(key, str) and key.startswith(("webcom_mobi_", "vault_")) for key in data):
            return "variables"
        return "mapping"
    if isinstance(data, list):
        return "list"
    return type(data).__name__


def parse(example: Example) -> Example:
    if example.language != "yaml":
        example.data = example.text
        return example
    try:
        example.data = yaml.safe_load(example.text)
    except yaml.YAMLError as exc:
        example.error = " ".join(str(exc).split())
    return example


def markdown_examples(root: Path, relative: str) -> list[Example]:
    lines = (root / relative).read_text(encoding="utf-8").splitlines()
    examples: list[Example] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening or not opening["ticks"]:
            index += 1
            continue
        ticks, indent = opening["ticks"], opening["indent"]
        end = index + 1
        while end < len(lines) and not re.match(rf"^\s*{re.escape(ticks[0])}{{{len(ticks)},}}\s*$", lines[end]):
            end += 1
        language = opening["info"].lower()
        markers = Markers()
        above = index - 1
        while above >= 0 and MD_MARKER.match(lines[above]):
            above -= 1
        for marker_line in range(above + 1, index):
            markers.add(MD_MARKER.match(lines[marker_line])["body"], f"{relative}:{marker_line + 1}")
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[index + 1:end]) + "\n"
        if language in ("yaml", "yml"):
            if markers.run:
                raise ValueError(f"{relative}:{index + 1}: 'example: run' is for shell blocks; YAML plays and tasks run anyway")
            examples.append(parse(Example(relative, index + 1, body, markers)))
        elif markers.run and language in SHELL_LANGUAGES:
            examples.append(parse(Example(relative, index + 1, body, markers, language="sh")))
        elif above + 1 < index:
            raise ValueError(f"{relative}:{index + 1}: an example marker on a {language or 'plain'} block, which is no example")
        index = end + 1
    return examples


def plugin_examples_text(path: Path) -> tuple[str, int] | None:
    """EXAMPLES of a plugin file and the line it starts on, read without importing the plugin."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "EXAMPLES" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value, node.value.lineno
    return None


def plugin_examples(root: Path, relative: str) -> list[Example]:
    """Each top-level task of EXAMPLES is one example; they run in order as one play."""
    found = plugin_examples_text(root / relative)
    if found is None:
        return []
    text, first_line = found
    lines = text.splitlines()
    markers = Markers()
    starts: list[int] = []
    for number, line in enumerate(lines):
        marker = YAML_MARKER.match(line)
        if marker:
            markers.add(marker["body"], f"{relative}:EXAMPLES line {number + 1}")
        elif line.startswith("- "):
            starts.append(number)
    if not starts:
        return [parse(Example(relative, first_line, text, markers, label="EXAMPLES#1", group=relative))]
    examples = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        chunk = "\n".join(line for line in lines[start:end] if not YAML_MARKER.match(line)).rstrip() + "\n"
        examples.append(parse(Example(relative, first_line + start, chunk, markers,
                                      label=f"EXAMPLES#{position + 1}", group=relative)))
    return examples


def documentation_pages(root: Path) -> list[str]:
    pages = ["README.md"] + sorted(str(p.relative_to(root)) for p in (root / "docs").rglob("*.md"))
    return [page for page in pages if (root / page).is_file()]


def plugin_files(root: Path) -> list[str]:
    files = []
    for directory in PLUGIN_DIRS:
        files += sorted(str(p.relative_to(root)) for p in (root / directory).glob("*.py") if not p.name.startswith("_"))
    return files


def all_examples(root: Path) -> list[Example]:
    examples: list[Example] = []
    for page in documentation_pages(root):
        examples += markdown_examples(root, page)
    for plugin in plugin_files(root):
        examples += plugin_examples(root, plugin)
    return examples
