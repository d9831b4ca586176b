#!/usr/bin/env bash
# The whole test suite, on a fresh machine with Python 3 and git: bash scripts/test.sh
# Extra arguments go to tox (e.g. -e units-core219).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_python_env.sh"
ensure_tools_venv
cd "$repo_root"
exec "$tools_venv/bin/tox" run "$@"
