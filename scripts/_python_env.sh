# Sourced by the scripts: make every installed Python visible, and give them a tools venv.
# pyenv's shims refuse python3.12/python3.13 until those versions are activated.
if command -v pyenv >/dev/null 2>&1 && [ -z "${PYENV_VERSION:-}" ]; then
  PYENV_VERSION=$(pyenv versions --bare | grep -E '^3\.(1[0-9])\.' | sort -t. -k2,2n -k3,3n | tac \
    | awk -F. '!seen[$1"."$2]++' | tac | paste -sd: -)
  # Keep the machine's default first so plain python3 stays what it was.
  default=$(pyenv version-name 2>/dev/null | cut -d: -f1)
  if [ -n "$default" ]; then
    PYENV_VERSION="$default:$(printf '%s' "$PYENV_VERSION" | tr ':' '\n' | grep -vx "$default" | paste -sd: -)"
  fi
  export PYENV_VERSION
fi

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools_venv="$repo_root/.venv-tools"

# pip install, without the per-package notes some machines' index configuration prints.
quiet_pip() {
  local python=$1
  shift
  "$python" -m pip install --quiet "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

ensure_tools_venv() {
  if [ ! -x "$tools_venv/bin/tox" ]; then
    python3 -m venv "$tools_venv"
    quiet_pip "$tools_venv/bin/python" --upgrade pip
    quiet_pip "$tools_venv/bin/python" "tox>=4.20,<5"
  fi
}
