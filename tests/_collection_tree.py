"""Make ``ansible_collections.webcom.mobi`` importable, and findable by ansible-playbook.

Ansible only loads a collection from a path ending in ``ansible_collections/webcom/mobi``.
When the checkout is not already at such a path, a symlink under ``tests/output/`` (which
git and ansible-test ignore) provides one. Used by the tests and the benchmarks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def collections_root() -> Path:
    if REPO_ROOT.parent.name == "webcom" and REPO_ROOT.parent.parent.name == "ansible_collections":
        return REPO_ROOT.parents[2]
    root = REPO_ROOT / "tests" / "output" / "collections"
    link = root / "ansible_collections" / "webcom" / "mobi"
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO_ROOT, target_is_directory=True)
    return root


def activate() -> Path:
    """Put the collection on sys.path and on ANSIBLE_COLLECTIONS_PATH for child processes."""
    root = collections_root()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = str(root)
    return root
