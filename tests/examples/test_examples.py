"""The docs are tests: every YAML example a reader may copy is parsed, linted and, if it is a
play or tasks, run for real against the simulator with what its page tells the reader to set.

Test ids name the example (`README.md:12`, `plugins/lookup/balance.py:EXAMPLES#2`); one that is
only parsed and linted says so in its id, with its kind or the reason its marker gives.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from _collection_tree import REPO_ROOT
from docs_to_rst import ConversionError, Converter, generated
from examples_extract import Example, Markers, documentation_pages, markdown_examples, parse, plugin_files
from examples_lint import Finding, lint
from examples_run import problems
from examples_setup import EXAMPLES, ExampleRunner


def quick_start() -> Example:
    runnable = [example for example in EXAMPLES if example.source == "README.md" and example.runnable]
    assert runnable, "README.md has no runnable quick start"
    return runnable[0]


def mutant(example: Example, label: str, old: str, new: str) -> Example:
    """A copy of a real example with one deliberate mistake, to prove the suite notices it."""
    assert old in example.text, f"{example.location} no longer contains {old!r}: pick another mutation"
    return parse(dataclasses.replace(example, text=example.text.replace(old, new, 1), label=label, data=None, error=None))


def run_once_mutant() -> Example:
    """The README quick start with a task given run_once, which the docs must not teach."""
    return mutant(quick_start(), "mutant: run_once", "      webcom.mobi.balance_facts:\n",
                  "      webcom.mobi.balance_facts:\n      run_once: true\n")


@pytest.fixture(scope="module")
def lint_findings(tmp_path_factory: pytest.TempPathFactory, lint_environment: dict[str, str]) -> dict[str, list[Finding]]:
    """One ansible-lint run over every example, and the run_once mutant when the quick start has its task."""
    try:
        extra = [run_once_mutant()]
    except AssertionError:
        extra = []   # test_run_once_in_an_example_fails_lint reports why
    return lint([*EXAMPLES, *extra], tmp_path_factory.mktemp("lint-project"), lint_environment)


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.test_id for example in EXAMPLES])
def test_example(example: Example, lint_findings: dict[str, list[Finding]], example_runner: ExampleRunner) -> None:
    assert example.error is None, f"{example.location} is not valid YAML: {example.error}"
    failures = [f"ansible-lint --profile production: {finding}" for finding in lint_findings[example.location]]
    if example.runnable:
        run = example_runner.run(example)
        found = problems(example, run)
        if found:
            failures += [f"run: {problem}" for problem in found] + [f"ansible-playbook output:\n{run.output}"]
    assert not failures, f"{example.location}:\n" + "\n".join(failures)


def test_every_page_and_plugin_was_searched() -> None:
    pages = set(documentation_pages(REPO_ROOT))
    assert {"README.md", "docs/getting-started.md", "docs/options.md", "docs/capacity.md"} <= pages
    sources = {example.source for example in EXAMPLES}
    for plugin in plugin_files(REPO_ROOT):
        if plugin.startswith(("plugins/modules/", "plugins/lookup/", "plugins/filter/", "plugins/test/")):
            assert plugin in sources, f"{plugin} has no EXAMPLES"
    assert "README.md" in sources


def test_a_misspelt_option_makes_its_example_fail(example_runner: ExampleRunner, tmp_path: Path) -> None:
    misspelt = mutant(quick_start(), "mutant: misspelt option", "min_money:", "min_mony:")
    run = example_runner.run_alone([misspelt], tmp_path)
    assert problems(misspelt, run), run.output
    assert "min_mony" in run.output


def test_run_once_in_an_example_fails_lint(lint_findings: dict[str, list[Finding]]) -> None:
    assert [finding.rule for finding in lint_findings[run_once_mutant().location]] == ["run-once[task]"]


def test_the_issue_13_when_line_does_not_parse() -> None:
    broken = mutant(quick_start(), "mutant: unquoted when", "when: \"", "when: ")
    assert broken.error is not None and "mapping values are not allowed" in broken.error


def test_markers_are_read_and_unknown_ones_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- example: parse-only: shows a fragment -->\n```yaml\na: 1\n```\n\n"
        "<!-- example: file campaign.yml -->\n```yml\nwebcom_mobi_plan: {Russia: 1}\n```\n\n"
        "<!-- example: expect-failure -->\n<!-- example: needs vault_webcom_token={token} WEBCOM_API_URL={api_url} -->\n"
        "```yaml\n- name: Check\n  webcom.mobi.balance_info:\n```\n\n"
        "```yaml\n- name: Play\n  hosts: all\n  tasks: []\n```\n\n```sh\nnot: [an example\n```\n"
        "<!-- example: run -->\n```sh\nansible-playbook -i localhost, webcom.mobi.preflight -e @campaign.yml\n```\n"
    )
    fragment, campaign, failing, play, command = markdown_examples(tmp_path, "page.md")
    assert fragment.test_id == "page.md:2 (parsed only: mapping: shows a fragment)"
    assert campaign.test_id == "page.md:7 (file campaign.yml: parsed only: variables)" and not campaign.runnable
    assert failing.markers == Markers(expect_failure=True, needs={"vault_webcom_token": "{token}", "WEBCOM_API_URL": "{api_url}"})
    assert failing.test_id == "page.md:13 (expect failure)" and failing.kind == "tasks"
    assert play.kind == "playbook" and play.runnable
    assert command.test_id == "page.md:28 (command)" and command.runnable
    page.write_text("<!-- example: skip -->\n```yaml\na: 1\n```\n")
    with pytest.raises(ValueError, match="unknown example marker"):
        markdown_examples(tmp_path, "page.md")
    page.write_text("<!-- example: parse-only: why -->\n```json\n{}\n```\n")
    with pytest.raises(ValueError, match="a json block, which is no example"):
        markdown_examples(tmp_path, "page.md")


def test_the_docsite_guides_are_generated_from_the_markdown() -> None:
    """docs/docsite/rst/ is docs_to_rst.py's output for docs/*.md, and extra-docs.yml lists every guide."""
    wanted = generated(REPO_ROOT)
    committed = sorted((REPO_ROOT / "docs" / "docsite" / "rst").glob("*.rst"))
    assert sorted(wanted) == committed, "run: python tests/examples/docs_to_rst.py"
    stale = [path.name for path, text in wanted.items() if path.read_text(encoding="utf-8") != text]
    assert not stale, f"{stale} differ from docs/*.md: run python tests/examples/docs_to_rst.py"
    index = yaml.safe_load((REPO_ROOT / "docs" / "docsite" / "extra-docs.yml").read_text())
    listed = [entry["ref"] for section in index["sections"] for entry in section["toctree"]]
    assert sorted(listed) == sorted(path.stem for path in wanted)


def test_a_link_to_a_missing_heading_stops_the_docsite(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "options.md").write_text("# Options\n\n## The cache\n\nText.\n")
    (tmp_path / "docs" / "errors.md").write_text("# Errors\n\nSee [the cache](options.md#the-cache).\n")
    assert ":ref:`the cache <ansible_collections.webcom.mobi.docsite.options.the-cache>`" in Converter(tmp_path, "errors").convert()
    (tmp_path / "docs" / "errors.md").write_text("# Errors\n\nSee [the cache](options.md#the-cahce).\n")
    with pytest.raises(ConversionError, match="options.md has no heading #the-cahce"):
        Converter(tmp_path, "errors").convert()


def test_the_docsite_build_fails_on_our_broken_references_only() -> None:
    """Lines as Sphinx writes them offline: unreachable inventories and docs.ansible.com labels pass, ours fail."""
    from build_docsite import judge

    failing, unchecked = judge(
        "WARNING: failed to reach any of the inventories with the following issues:\n"
        "intersphinx inventory 'https://docs.ansible.com/projects/ansible/devel/objects.inv' not fetchable\n"
        "rst/balance_info_module.rst:60: WARNING: undefined label: 'action_plugins' [ref.ref]\n"
        "rst/docsite/errors.rst:77: WARNING: undefined label: 'ansible_collections.webcom.mobi.docsite.capacityx' [ref.ref]\n"
        "rst/docsite/awx.rst: WARNING: document isn't included in any toctree [toc.not_included]\n"
    )
    assert unchecked == ["action_plugins"]
    assert [line.split(": WARNING: ")[1] for line in failing] == [
        "undefined label: 'ansible_collections.webcom.mobi.docsite.capacityx' [ref.ref]",
        "document isn't included in any toctree [toc.not_included]",
    ]
