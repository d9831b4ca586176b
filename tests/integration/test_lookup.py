"""webcom.mobi.balance (lookup) through real ansible-playbook runs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
from _collection_tree import collections_root
from cache_hit import LOADED_MISS_ONLY
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
    assert "webcom.mobi.balance: unknown option 'timout'; did you mean 'timeout'?" in option["result"]["msg"]


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
    assert (
        "webcom.mobi.balance: missing credentials: give token, or login with password, in one of: the lookup call; "
        "variables webcom_mobi_token, or webcom_mobi_login with webcom_mobi_password; environment variables "
        "WEBCOM_TOKEN, or WEBCOM_LOGIN with WEBCOM_PASSWORD; the [webcom_mobi] section of ansible.cfg"
    ) in run.task("no credentials")["result"]["msg"]
    assert sim.total_requests() == 1


def test_credentials_come_as_a_set_from_the_highest_place(sim, tmp_path) -> None:
    base = {"api_url": sim.api_url}
    run = run_playbook(tmp_path, [play([
        {"name": "token in task, login in env", "webcom.mobi.balance_facts": {**base, "token": "big-token-7f3a"}},
        {"name": "login in task, password in env", "webcom.mobi.balance_facts": {**base, "login": "ru-user"},
         "ignore_errors": True},
        {"name": "env alone", "webcom.mobi.balance_facts": base},
    ])], env={"WEBCOM_LOGIN": "ru-user", "WEBCOM_PASSWORD": "ru-password"})
    fact = "ansible_facts"
    assert run.task("token in task, login in env")["result"][fact]["webcom_mobi_balance"]["money_text"] == "10000"
    assert run.task("env alone")["result"][fact]["webcom_mobi_balance"]["money_text"] == "1234.50"
    # Never a login from one place with a password from another: a wrong pair risks locking the account.
    assert run.task("login in task, password in env")["result"]["msg"] == (
        "webcom.mobi.balance_facts: the task (or module_defaults) give login but not password; credentials come "
        "as a set from one place, so give password there too (or a token instead)"
    )
    assert sim.total_requests() == 2

    both = run_playbook(tmp_path / "both", [play([
        {"name": "both kinds in env", "webcom.mobi.balance_facts": base, "ignore_errors": True},
    ])], env={"WEBCOM_TOKEN": "big-token-7f3a", "WEBCOM_LOGIN": "docs-user", "WEBCOM_PASSWORD": "x"})
    assert both.task("both kinds in env")["result"]["msg"] == (
        "webcom.mobi.balance_facts: the WEBCOM_* environment variables: give either token, or login together "
        "with password, not both"
    )


def test_modules_and_lookup_agree_on_every_source(sim, tmp_path) -> None:
    """The same variables, environment and ansible.cfg reach the modules and the lookup alike."""
    ini = f"\n[webcom_mobi]\napi_url = {sim.api_url}\ncache_ttl = 0\nretries = 0\n"
    run = run_playbook(tmp_path, [play([
        {"name": "module from vars", "webcom.mobi.balance_facts": {}, "ignore_errors": True},
        debug("lookup from vars", "lookup('webcom.mobi.balance').money_text"),
        {"name": "module typo", "webcom.mobi.balance_info": {"min_mony": 5}, "ignore_errors": True},
        {"name": "module typo in defaults", "webcom.mobi.balance_facts": {"api_ulr": "http://x/xml"},
         "ignore_errors": True},
    ], vars={"webcom_mobi_token": "big-token-7f3a"})], ansible_cfg=ini, env={"WEBCOM_API_URL": "http://127.0.0.1:9/xml"})
    # The environment names an unreachable host, but the modules' own api_url is not set: variables
    # and ansible.cfg give the rest, and WEBCOM_API_URL outranks ansible.cfg for both front doors.
    module = run.task("module from vars")
    assert module["status"] == "failed" and "127.0.0.1:9" in module["result"]["msg"]
    assert "127.0.0.1:9" in run.task("lookup from vars")["result"]["msg"]
    assert run.task("module typo")["result"]["msg"] == "webcom.mobi.balance_info: unknown option 'min_mony'; did you mean 'min_money'?"
    assert run.task("module typo in defaults")["result"]["msg"] == (
        "webcom.mobi.balance_facts: unknown option 'api_ulr'; did you mean 'api_url'?"
    )
    assert sim.total_requests() == 0

    agreed = run_playbook(tmp_path / "agreed", [play([
        {"name": "module from vars", "webcom.mobi.balance_facts": {}},
        debug("lookup from vars", "lookup('webcom.mobi.balance').money_text"),
    ], vars={"webcom_mobi_token": "big-token-7f3a"})], ansible_cfg=ini)
    assert agreed.task("module from vars")["result"]["ansible_facts"]["webcom_mobi_balance"]["money_text"] == "10000"
    assert value(agreed, "lookup from vars") == "10000"
    assert sim.total_requests() == 2  # cache_ttl 0 from ansible.cfg reached both


# A warm lookup loads none of the miss path (cache_hit.MISS_ONLY), nor the option tables Ansible has read for it.
LOADED_LOOKUP = f"""
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
from ansible.template import Templar
init_plugin_loader()
lookup = lookup_loader.get("webcom.mobi.balance", loader=DataLoader(), templar=Templar(loader=DataLoader()))
answer = lookup.run(["Russia"], {{}}, api_url=sys.argv[1], token="big-token-7f3a")
from ansible_collections.webcom.mobi.plugins.plugin_utils import _resolver
loaded = {LOADED_MISS_ONLY}
parsed = sorted(n for n in ("CONNECTION_OPTIONS", "REQUIREMENT_OPTIONS", "SENDER_OPTIONS") if n in vars(_resolver))
print(json.dumps({{"answer": answer, "loaded": loaded, "tables_parsed": parsed}}))
"""
MADE_DIRECTLY = """
import sys
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible.plugins.loader import init_plugin_loader, lookup_loader
init_plugin_loader()
from ansible_collections.webcom.mobi.plugins.lookup.balance import LookupModule
lookup_loader.get("ansible.builtin.env")  # another lookup's definitions are known, ours are not
lookup = LookupModule(loader=DataLoader(), templar=Templar(loader=DataLoader()))
try:
    lookup.run(["Russia"], {}, api_url=sys.argv[1], token="big-token-7f3a", timeout=2, retries=0, cache_ttl=0)
except AnsibleLookupError as exc:
    print("AnsibleLookupError:", exc)
"""


def _python(code: str, *args: str, cache_home) -> subprocess.CompletedProcess:
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
                   "PYTHONPATH": str(collections_root())}
    return subprocess.run([sys.executable, "-c", code, *args],
                          capture_output=True, text=True, check=False, env=environment)


def test_a_warm_lookup_loads_only_what_a_cache_hit_needs(sim, tmp_path) -> None:
    first = _python(LOADED_LOOKUP, sim.api_url, cache_home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["answer"] == [10000]
    hit = _python(LOADED_LOOKUP, sim.api_url, cache_home=tmp_path)
    assert hit.returncode == 0, hit.stderr
    assert json.loads(hit.stdout) == {"answer": [10000], "loaded": [], "tables_parsed": []}
    assert sim.total_requests() == 1


def test_a_lookup_made_without_ansible_s_loader_reads_its_own_documentation(tmp_path) -> None:
    # A closed port: the answer is the one-line connection error, not a crash over missing option definitions.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/xml"
    made = _python(MADE_DIRECTLY, closed, cache_home=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("AnsibleLookupError: webcom.mobi.balance: "), made.stdout
    assert "connection refused" in made.stdout


def test_with_loops_over_areas(sim, tmp_path) -> None:
    # Core 2.16-2.18 hand with_ lookups Ansible's own wantlist keyword.
    run = run_playbook(tmp_path, [play(
        [{"name": "each", "ansible.builtin.debug": {"msg": "{{ item | to_json }}"}, "with_webcom.mobi.balance": ["Russia", "Tele2"]}],
        vars={"webcom_mobi_api_url": sim.api_url, "webcom_mobi_token": "big-token-7f3a"},
    )])
    assert run.returncode == 0, run.output
    assert [json.loads(item["msg"]) for item in run.task("each")["result"]["results"]] == [10000, None]
