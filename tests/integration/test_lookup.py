"""webcom.mobi.balance (lookup) through real ansible-playbook runs."""

from __future__ import annotations

import json

import pytest
from playbook_runner import play, run_playbook


@pytest.fixture
def sim(simulator):
    simulator.reset()
    yield simulator
    simulator.reset()


def debug(name: str, expression: str) -> dict:
    # to_json: ansible-core before 2.19 templates to strings, so compare values, not template typing.
    return {"name": name, "ansible.builtin.debug": {"msg": "{{ (" + expression + ") | to_json }}"}, "ignore_errors": True}


def value(run, task: str):
    return json.loads(run.task(task)["result"]["msg"])


def test_whole_balance_one_area_and_several(sim, tmp_path) -> None:
    run = run_playbook(tmp_path, [play(
        [
            debug("model", "lookup('webcom.mobi.balance')"),
            debug("one area", "lookup('webcom.mobi.balance', 'Russia')"),
            debug("in order", "query('webcom.mobi.balance', 'Tele2', 'Ukraine', 'Russia')"),
            debug("unknown area", "lookup('webcom.mobi.balance', 'Russia', 'Belarus')"),
            debug("unknown option", "lookup('webcom.mobi.balance', api_url=webcom_mobi_api_url, timout=3)"),
        ],
        vars={"webcom_mobi_api_url": sim.api_url, "webcom_mobi_token": "big-token-7f3a"},
    )])
    model = value(run, "model")
    assert (model["money_text"], model["currency"], model["unlimited"]) == ("10000", "RUR", ["Tele2"])
    assert value(run, "one area") == 10000
    assert value(run, "in order") == [None, 5000, 10000]
    unknown = run.task("unknown area")
    assert unknown["status"] == "failed"
    assert "webcom.mobi.balance: area(s) Belarus not in the balance; known areas: Russia, Ukraine, Tele2" in unknown["result"]["msg"]
    option = run.task("unknown option")
    assert option["status"] == "failed"
    assert "webcom.mobi.balance: unknown option(s) timout; known options: api_url, ca_path" in option["result"]["msg"]


def test_option_precedence_direct_vars_env_ini(sim, tmp_path) -> None:
    # ansible.cfg names the docs account, the environment the Russian one, variables the big one.
    ini = f"\n[webcom_mobi]\napi_url = {sim.api_url}\nlogin = docs-user\npassword = S3c&<\"'>r-docs\n"
    env = {"WEBCOM_LOGIN": "ru-user", "WEBCOM_PASSWORD": "ru-password"}
    plays = [
        play([debug("ini only", "lookup('webcom.mobi.balance').money_text")]),
        play([debug("env over ini", "lookup('webcom.mobi.balance').money_text")]),
        play([
            debug("vars over env", "lookup('webcom.mobi.balance').money_text"),
            debug("direct over vars", "lookup('webcom.mobi.balance', login='docs-user', password=docs_password).money_text"),
            debug("direct token beats configured login", "lookup('webcom.mobi.balance', token='big-token-7f3a').money_text"),
        ], vars={"webcom_mobi_login": "big-user", "webcom_mobi_password": "big-password",
                 "docs_password": "S3c&<\"'>r-docs"}),
    ]
    first = run_playbook(tmp_path / "ini", plays[:1], ansible_cfg=ini)
    rest = run_playbook(tmp_path / "env", plays[1:], ansible_cfg=ini, env=env)
    assert value(first, "ini only") == "10"
    assert value(rest, "env over ini") == "1234.50"
    assert value(rest, "vars over env") == "10000"
    assert value(rest, "direct over vars") == "10"
    assert value(rest, "direct token beats configured login") == "10000"


def test_lookup_errors_are_one_line(sim, tmp_path) -> None:
    run = run_playbook(tmp_path, [play([
        debug("wrong password", f"lookup('webcom.mobi.balance', api_url='{sim.api_url}', login='docs-user', password='nope')"),
        debug("no credentials", f"lookup('webcom.mobi.balance', api_url='{sim.api_url}')"),
    ])])
    assert 'webcom.mobi.balance: the platform refused the balance check: "Incorrect login or password"' in (
        run.task("wrong password")["result"]["msg"]
    )
    assert "webcom.mobi.balance: missing credentials: set token, or login and password" in (
        run.task("no credentials")["result"]["msg"]
    )
    assert sim.total_requests() == 1


def test_module_credentials_from_environment_complete_but_never_override(sim, tmp_path) -> None:
    base = {"api_url": sim.api_url}
    run = run_playbook(tmp_path, [play([
        {"name": "token in task, login in env", "webcom.mobi.balance_facts": {**base, "token": "big-token-7f3a"}},
        {"name": "login in task, password in env", "webcom.mobi.balance_facts": {**base, "login": "ru-user"}},
    ])], env={"WEBCOM_LOGIN": "docs-user", "WEBCOM_PASSWORD": "ru-password"})
    assert run.returncode == 0, run.output
    fact = "ansible_facts"
    assert run.task("token in task, login in env")["result"][fact]["webcom_mobi_balance"]["money_text"] == "10000"
    assert run.task("login in task, password in env")["result"][fact]["webcom_mobi_balance"]["money_text"] == "1234.50"

    both = run_playbook(tmp_path / "both", [play([
        {"name": "both kinds in env", "webcom.mobi.balance_facts": base, "ignore_errors": True},
    ])], env={"WEBCOM_TOKEN": "big-token-7f3a", "WEBCOM_LOGIN": "docs-user", "WEBCOM_PASSWORD": "x"})
    assert both.task("both kinds in env")["result"]["msg"] == (
        "the WEBCOM_* environment variables hold both a token and a login or password; keep one kind there, "
        "or give the credentials in the task"
    )
