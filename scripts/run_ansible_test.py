"""Run ansible-test on this collection, offline: python scripts/run_ansible_test.py sanity [args...]

ansible-test needs the collection at a path ending in ansible_collections/webcom/mobi, so
the files git tracks are copied into a fresh tree under tests/output/. Its --venv
environments bootstrap pip by downloading a get-pip script; where that host is out of
reach (air-gapped machines, this project's CI) a cached copy is used instead, so this
script plants a stand-in there that bootstraps pip with ensurepip and installs what
ansible-test asks for from the machine's own package index (see docs/testing.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
TREE = REPO_ROOT / "tests" / "output" / "ansible-test-tree"
GET_PIP_STAND_IN = '''"""Offline stand-in for get-pip.py, written by webcom.mobi's scripts/ansible_test.py."""
import os
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
# ensurepip runs pip with PIP_CONFIG_FILE=/dev/null, which would hide the machine's own
# index and CA settings from the install below.
env = dict(os.environ)
env.pop("PIP_CONFIG_FILE", None)
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", *args], env=env)
'''


def collection_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    return [Path(name) for name in listed.decode().split("\0") if name]


def lay_out_tree() -> Path:
    collection = TREE / "ansible_collections" / "webcom" / "mobi"
    shutil.rmtree(TREE, ignore_errors=True)
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


def plant_get_pip_stand_ins() -> None:
    import ansible_test

    requirements = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    versions = set(re.findall(r"pip='([0-9.]+)'", requirements.read_text()))
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    for version in versions:
        path = cache / f"get_pip_{version.replace('.', '_')}.py"
        if not path.exists() or "webcom.mobi" in path.read_text():
            path.write_text(GET_PIP_STAND_IN)


def main() -> int:
    collection = lay_out_tree()
    plant_get_pip_stand_ins()
    ansible_test = Path(sys.executable).parent / "ansible-test"
    env = {**os.environ, "ANSIBLE_TEST_PREFER_PODMAN": "0"}
    return subprocess.run([str(ansible_test), *sys.argv[1:]], cwd=collection, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
