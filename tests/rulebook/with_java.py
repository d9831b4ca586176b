"""Run a command with JAVA_HOME set from the ``java`` on the PATH (ansible-rulebook's rule engine needs Java 17+).

    python tests/rulebook/with_java.py pytest tests/rulebook

Fails loudly, never skips: without a Java 17 or newer on the PATH the rulebook tests cannot run,
and a test environment that passes without running them would hide that.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

MINIMUM_JAVA = 17


def java_home() -> Path:
    java = shutil.which("java")
    if java is None:
        sys.exit(f"with_java.py: no `java` on the PATH; ansible-rulebook needs Java {MINIMUM_JAVA} or newer "
                 "(Debian/Ubuntu: apt-get install openjdk-17-jre-headless)")
    home = Path(java).resolve().parents[1]  # <JAVA_HOME>/bin/java, through the alternatives symlinks
    version = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    found = re.search(r'version "(\d+)', version)
    if found is None or int(found.group(1)) < MINIMUM_JAVA:
        sys.exit(f"with_java.py: {java} is not Java {MINIMUM_JAVA} or newer: {version.strip()[:200]!r}")
    return home


def main(argv: list[str]) -> int:
    if not argv:
        sys.exit("usage: with_java.py COMMAND [ARGS...]")
    os.environ["JAVA_HOME"] = str(java_home())
    os.execvp(argv[0], argv)
    return 1  # not reached


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
