"""Run a command inside a copy of the collection laid out as ansible_collections/webcom/mobi.

    python scripts/in_collection_tree.py COMMAND [ARGS...]

ansible-test, antsibull-docs and ansible-lint find a collection by that path, so the files
git tracks are copied into a fresh tree under tests/output/ (ignored by git) and COMMAND
runs there, with ANSIBLE_COLLECTIONS_PATH pointing at the tree. The exit status is COMMAND's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TREE = REPO_ROOT / "tests" / "output" / "collection-tree"


def collection_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    return [Path(name) for name in listed.decode().split("\0") if name]


def lay_out_tree(tree: Path = TREE) -> Path:
    """A fresh copy of the tracked files at tree/ansible_collections/webcom/mobi, as a git work tree."""
    collection = tree / "ansible_collections" / "webcom" / "mobi"
    shutil.rmtree(tree, ignore_errors=True)
    for relative in collection_files():
        source = REPO_ROOT / relative
        if source.is_file():
            target = collection / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    # ansible-test wants a git view of the tree to know which files belong to the collection.
    subprocess.run(["git", "init", "-q"], cwd=collection, check=True)
    subprocess.run(["git", "add", "-A"], cwd=collection, check=True)
    return collection


def run_in_tree(command: list[str], env: dict[str, str] | None = None, tree: Path = TREE) -> int:
    collection = lay_out_tree(tree)
    run_env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(tree), **(env or {})}
    return subprocess.run(command, cwd=collection, env=run_env, check=False).returncode


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(run_in_tree(sys.argv[1:]))
