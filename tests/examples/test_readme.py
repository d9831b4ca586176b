"""The README reads right on Galaxy too: its links are absolute, and those into the repository exist."""

from __future__ import annotations

import re

import yaml
from _collection_tree import REPO_ROOT

LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")


def test_readme_links_are_absolute_and_name_files_that_exist() -> None:
    galaxy = yaml.safe_load((REPO_ROOT / "galaxy.yml").read_text())
    into_repository = f"{galaxy['repository']}/blob/main/"
    links = LINK.findall((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    assert links, "the README links to its guides"
    relative = [link for link in links if not re.match(r"https?://", link)]
    assert not relative, f"relative links break on Galaxy: {relative}"
    for link in links:
        if link.startswith(into_repository):
            path = link[len(into_repository):].split("#")[0]
            assert (REPO_ROOT / path).is_file(), f"{link} names {path}, which the repository does not have"
