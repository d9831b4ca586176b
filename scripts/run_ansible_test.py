"""Run ansible-test on this collection, offline: python scripts/run_ansible_test.py sanity [args...]

ansible-test needs the collection at a path ending in ansible_collections/webcom/mobi, so
the files git tracks are copied into a fresh tree under tests/output/. Its --venv
environments bootstrap pip by downloading a get-pip script; where that host is out of
reach (air-gapped machines, this project's CI) a cached copy is used instead, so this
script plants a stand-in there that bootstraps pip with ensurepip and installs what
ansible-test asks for from the machine's own package index (see docs/testing.md).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from in_collection_tree import run_in_tree

GET_PIP_STAND_IN = '''"""Offline stand-in for get-pip.py, written by webcom.mobi's scripts/run_ansible_test.py."""
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
    plant_get_pip_stand_ins()
    ansible_test = Path(sys.executable).parent / "ansible-test"
    return run_in_tree([str(ansible_test), *sys.argv[1:]], env={"ANSIBLE_TEST_PREFER_PODMAN": "0"})


if __name__ == "__main__":
    sys.exit(main())
