#!/usr/bin/env bash
# The main job, on a fresh machine with Python 3 and git: bash scripts/demo.sh
# Starts the bundled simulator on a free loopback port, runs a real pre-flight playbook
# against it with the webcom.mobi collection, shows the result, and stops the simulator.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_python_env.sh"
cd "$repo_root"

demo_venv="$repo_root/.venv-demo"
if [ ! -x "$demo_venv/bin/ansible-playbook" ]; then
  echo "Installing ansible-core, requests and xmlschema into $demo_venv ..."
  python3 -m venv "$demo_venv"
  quiet_pip "$demo_venv/bin/python" --upgrade pip
  quiet_pip "$demo_venv/bin/python" "ansible-core>=2.16,<2.22" -r requirements.txt
fi

work=$(mktemp -d)
simulator_pid=""
cleanup() {
  [ -n "$simulator_pid" ] && kill "$simulator_pid" 2>/dev/null && wait "$simulator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Ansible loads collections only from a path ending in ansible_collections/webcom/mobi.
mkdir -p "$work/collections/ansible_collections/webcom"
ln -s "$repo_root" "$work/collections/ansible_collections/webcom/mobi"

"$demo_venv/bin/python" simulator/webcom_mobi_simulator.py --config simulator/demo.json --port 0 \
  --port-file "$work/port" > "$work/simulator.log" 2>&1 &
simulator_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "the simulator did not start:"; cat "$work/simulator.log"; exit 1; }
api_url="http://127.0.0.1:$(cat "$work/port")/xml"
echo "Simulator of the Webcom Mobi balance endpoint: $api_url"

ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
XDG_CACHE_HOME="$work/cache" ANSIBLE_RETRY_FILES_ENABLED=0 \
  "$demo_venv/bin/ansible-playbook" demo/preflight-demo.yml \
    -e "webcom_api_url=$api_url" -e webcom_login=demo -e webcom_password=demo-password
