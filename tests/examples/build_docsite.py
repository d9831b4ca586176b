"""Build the collection's docsite as docs.ansible.com would, and fail on any broken link or reference.

    python tests/examples/build_docsite.py [--dest DIR]     (tox -e docs)

1. The guides' RST (docs/docsite/rst/) must be what docs_to_rst.py makes of docs/*.md.
2. `antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs` on a copy of
   the tracked files laid out as ansible_collections/webcom/mobi.
3. `antsibull-docs sphinx-init` + `antsibull-docs collection` + `sphinx-build`: every Sphinx
   warning fails the build, except the two an offline machine cannot avoid: the intersphinx
   inventories of docs.ansible.com and docs.python.org cannot be fetched, so references *into*
   those sites (labels outside this collection) cannot be checked. References between our
   own pages and plugins are always checked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(REPO_ROOT / "scripts"))
sys.path.insert(0, str(HERE))

from docs_to_rst import main as rst_check  # noqa: E402
from in_collection_tree import lay_out_tree  # noqa: E402

COLLECTION = "webcom.mobi"
OWN_LABEL = "ansible_collections.webcom.mobi."
UNREACHABLE = re.compile(r"failed to reach any of the inventories|^intersphinx inventory ")
UNDEFINED_LABEL = re.compile(r"undefined label: '(?P<label>[^']+)'")


def run(command: list[str], cwd: Path, env: dict[str, str]) -> None:
    print("+", " ".join(command), flush=True)
    completed = subprocess.run(command, cwd=cwd, env=env, check=False)
    if completed.returncode != 0:
        sys.exit(f"failed ({completed.returncode}): {' '.join(command)}")


def judge(warnings: str) -> tuple[list[str], list[str]]:
    """(warnings that fail the build, references into other sites that could not be checked)."""
    failing, unchecked = [], []
    for line in warnings.splitlines():
        label = UNDEFINED_LABEL.search(line)
        if not line.strip() or UNREACHABLE.search(line):
            continue
        if label and not label["label"].startswith(OWN_LABEL):
            unchecked.append(label["label"])
        else:
            failing.append(line)
    return failing, unchecked


def build(dest: Path) -> int:
    if rst_check(["--check"]) != 0:
        return 1
    collection = lay_out_tree()
    tree = collection.parents[2]
    env = {**os.environ, "ANSIBLE_COLLECTIONS_PATH": str(tree)}
    run(["antsibull-docs", "lint-collection-docs", "--plugin-docs", "--check-extra-docs-refs", "."], collection, env)
    dest.mkdir(parents=True, exist_ok=True)
    run(["antsibull-docs", "sphinx-init", "--use-current", "--squash-hierarchy", "--dest-dir", str(dest), COLLECTION], dest, env)
    (dest / "rst").mkdir(exist_ok=True)
    (dest / "rst").chmod(0o755)   # antsibull-docs wants the directory writable by itself only
    run(["antsibull-docs", "--config-file", "antsibull-docs.cfg", "collection", "--cleanup", "everything",
         "--use-current", "--squash-hierarchy", "--dest-dir", "rst", COLLECTION], dest, env)
    warnings_file = dest / "sphinx-warnings.log"
    run([sys.executable, "-m", "sphinx", "-M", "html", "rst", "build", "-c", ".", "--keep-going", "-q", "-w", str(warnings_file)], dest, env)
    failing, unchecked = judge(warnings_file.read_text(encoding="utf-8"))
    if unchecked:
        print(f"not checked offline (references into docs.ansible.com): {', '.join(sorted(set(unchecked)))}")
    if failing:
        print("the docsite has broken links or references:\n" + "\n".join(failing))
        return 1
    print(f"docsite built: {dest / 'build' / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--dest"] and len(arguments) == 2:
        sys.exit(build(Path(arguments[1]).resolve()))
    if arguments:
        sys.exit(__doc__)
    with tempfile.TemporaryDirectory(prefix="webcom-mobi-docsite-") as directory:
        sys.exit(build(Path(directory)))
