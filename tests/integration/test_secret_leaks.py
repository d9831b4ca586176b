"""No password or token in any output, at -vvvv, or in any file a run writes: every plugin, every outcome."""

from __future__ import annotations

import json
from pathlib import Path

from playbook_runner import play, run_playbook

PASSWORD = "Pw-LEAK-0x5eC7et&<'\""
TOKEN = "Tk-LEAK-9d2f41a7"
SECRETS = (PASSWORD, TOKEN)
ESCAPED_FORMS = {s.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;") for s in SECRETS} | {
    s.replace('"', '\\"') for s in SECRETS
}


def leak_accounts() -> list[dict]:
    return [
        {"name": "leaky-pw", "login": "leak-user", "password": PASSWORD, "money": "50", "prices": {"Russia": "1"}},
        {"name": "leaky-token", "token": TOKEN, "money": "50", "prices": {"Russia": "1"}},
    ]


def every_file_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and not path.is_symlink()]


def test_no_secret_anywhere_at_vvvv(tmp_path) -> None:
    from simulator_harness import RunningSimulator

    (tmp_path / "sim").mkdir()
    sim = RunningSimulator(tmp_path / "sim", {"accounts": leak_accounts()})
    try:
        url = sim.api_url
        # Secrets live in an extra-vars file, as in a vault: ansible-core 2.19+ prints the failing
        # task's playbook lines, so a secret typed into the playbook itself would show whatever we do.
        pw = {"api_url": url, "login": "leak-user", "password": "{{ p }}"}
        tk = {"api_url": url, "token": "{{ t }}"}
        wrong = {"api_url": url, "login": "leak-user", "password": "{{ p }}x"}
        unreachable = {"api_url": "http://127.0.0.1:9/xml", "token": "{{ t }}", "retries": 0}
        tasks = [
            {"name": "info echoing server", "webcom.mobi.balance_info": pw},
            {"name": "lookup echoing server", "ansible.builtin.debug": {
                "msg": "{{ lookup('webcom.mobi.balance', api_url=u, login='leak-user', password=p) }}"}},
            {"name": "info ok", "webcom.mobi.balance_info": {**pw, "min_money": 1}},
            {"name": "info shortfall", "webcom.mobi.balance_info": {**tk, "min_money": 100, "plan": {"Russia": 60}}},
            {"name": "info warn", "webcom.mobi.balance_info": {**tk, "min_money": 100, "on_shortfall": "warn"}},
            {"name": "info auth error", "webcom.mobi.balance_info": wrong},
            {"name": "info both kinds", "webcom.mobi.balance_info": {**pw, "token": "{{ t }}"}},
            {"name": "info bad option", "webcom.mobi.balance_info": {**pw, "retries": "many"}},
            {"name": "info unreachable", "webcom.mobi.balance_info": unreachable},
            {"name": "facts ok", "webcom.mobi.balance_facts": tk},
            {"name": "senders ok", "webcom.mobi.sender_info": {**tk, "require": ["Nope"], "on_shortfall": "warn"}},
            {"name": "senders auth error", "webcom.mobi.sender_info": wrong},
            {"name": "facts auth error", "webcom.mobi.balance_facts": wrong},
            {"name": "facts unknown option", "webcom.mobi.balance_facts": {**tk, "passwd": "{{ p }}"}},
            {"name": "lookup ok", "ansible.builtin.debug": {"msg": "{{ lookup('webcom.mobi.balance', api_url=u, token=t) }}"}},
            {"name": "lookup auth error", "ansible.builtin.debug": {
                "msg": "{{ lookup('webcom.mobi.balance', api_url=u, login='leak-user', password=p ~ 'x') }}"}},
            {"name": "lookup unreachable", "ansible.builtin.debug": {
                "msg": "{{ lookup('webcom.mobi.balance', api_url='http://127.0.0.1:9/xml', token=t, retries=0) }}"}},
            {"name": "lookup unknown area", "ansible.builtin.debug": {
                "msg": "{{ lookup('webcom.mobi.balance', 'Nowhere', api_url=u, login='leak-user', password=p) }}"}},
        ]
        for task in tasks:
            task["ignore_errors"] = True
        sim.fault(kind="echo", account="leaky-pw", times=2)
        secrets_file = tmp_path / "run" / "secrets.json"
        secrets_file.parent.mkdir()
        secrets_file.write_text(json.dumps({"t": TOKEN, "p": PASSWORD}))
        run = run_playbook(
            tmp_path / "run",
            [play(tasks, vars={"u": url})],
            args=("-vvvv", "-e", f"@{secrets_file}"),
            env={"ANSIBLE_LOG_PATH": str(tmp_path / "run" / "ansible.log"), "ANSIBLE_KEEP_REMOTE_FILES": "1"},
        )
        outcomes = {r["task"]: r["status"] for r in run.results}
        assert outcomes == {
            "info echoing server": "failed", "lookup echoing server": "failed",
            "info ok": "ok", "info shortfall": "failed", "info warn": "ok", "info auth error": "failed",
            "info both kinds": "failed", "info bad option": "failed", "info unreachable": "failed",
            "facts ok": "ok", "facts auth error": "failed", "senders ok": "ok", "senders auth error": "failed", "facts unknown option": "failed",
            "lookup ok": "ok", "lookup auth error": "failed", "lookup unreachable": "failed",
            "lookup unknown area": "failed",
        }, run.output
        haystacks = {"stdout": run.stdout, "stderr": run.stderr}
        for path in every_file_under(tmp_path / "run"):
            if path == secrets_file:
                continue  # the user's own secret store
            haystacks[str(path)] = path.read_text(encoding="utf-8", errors="replace")
        assert (tmp_path / "run" / "ansible.log").exists()
        echoed = run.task("info echoing server")["result"]["msg"]
        assert echoed.startswith('HTTP 500 Internal Server Error from ') and '"password": "********"' in echoed
        assert '"login": "leak-user"' in echoed
        for where, text in haystacks.items():
            for secret in set(SECRETS) | ESCAPED_FORMS:
                assert secret not in text, f"secret found in {where}"
    finally:
        sim.stop()
