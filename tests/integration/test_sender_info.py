"""webcom.mobi.sender_info through real ansible-playbook runs against the simulator."""

from __future__ import annotations

import json

import pytest
from playbook_runner import play, run_playbook

BIG = {"webcom_mobi_token": "big-token-7f3a"}


@pytest.fixture
def sim(fresh_simulator):
    return fresh_simulator


def senders_task(name: str, **options) -> dict:
    return {"name": name, "webcom.mobi.sender_info": options, "ignore_errors": True}


def test_every_state_and_the_contract_model(sim, tmp_path) -> None:
    run = run_playbook(tmp_path, [play([
        senders_task("list"),
        senders_task("approved", require=["MyShop"]),
        senders_task("under review, rejected, unknown, case", require=["MyShop", "MyShopPromo", "OldShop", "Nope", "myshop"]),
        senders_task("warn only", require=["MyShopPromo"], on_shortfall="warn"),
        senders_task("any sender", require=["Whatever"], token="", login="ru-user", password="ru-password"),
    ], vars={"webcom_mobi_api_url": sim.api_url, **BIG})])
    listed = run.task("list")["result"]["senders"]
    assert listed["any_sender"] is False
    assert listed["names"][0] == {"name": "MyShop", "state": "completed", "usable": True, "operator": "MTS", "mcc": "250",
                                  "mnc": "01", "template": None, "comment": None, "history": None}
    assert [(n["name"], n["state"], n["usable"]) for n in listed["names"]] == [
        ("MyShop", "completed", True), ("MyShopPromo", "order", False), ("OldShop", "rejected", False)]
    assert listed["usable"] == ["MyShop"]
    assert listed["api_url"] == sim.api_url and listed["cached"] is False
    assert "requirements" not in run.task("list")["result"]

    approved = run.task("approved")
    assert approved["status"] == "ok"
    assert approved["result"]["requirements"] == [
        {"name": "sender", "need": "MyShop", "have": "completed", "met": True, "msg": "sender 'MyShop' is approved"}]

    shortfall = run.task("under review, rejected, unknown, case")
    assert shortfall["status"] == "failed"
    assert shortfall["result"]["msg"] == (
        "sender names not usable: sender 'MyShopPromo' is still under review, not usable until approved; "
        "sender 'OldShop' is rejected, not usable until approved; sender 'Nope' is not on the account's list; "
        "sender 'myshop' is not on the account's list (did you mean 'MyShop'? names match exactly)"
    )
    assert [check["met"] for check in shortfall["result"]["requirements"]] == [True, False, False, False, False]

    warned = run.task("warn only")
    assert warned["status"] == "ok"
    assert "sender 'MyShopPromo' is still under review, not usable until approved" in warned["result"]["warnings"]

    anything = run.task("any sender")
    assert anything["status"] == "ok", anything
    assert anything["result"]["senders"]["any_sender"] is True
    assert anything["result"]["requirements"][0]["met"] is True


def test_a_state_changed_on_the_platform_is_seen_after_the_cache(sim, tmp_path) -> None:
    sim.admin("/admin/senders", {"account": "big", "name": "MyShopPromo", "state": "completed"})
    run = run_playbook(tmp_path, [play([senders_task("promo", require=["MyShopPromo"], cache_ttl=0)],
                                       vars={"webcom_mobi_api_url": sim.api_url, **BIG})])
    assert run.task("promo")["status"] == "ok"


def test_errors_check_mode_and_no_secret_at_vvvv(sim, tmp_path) -> None:
    secrets = tmp_path / "run" / "secrets.json"
    secrets.parent.mkdir()
    secrets.write_text(json.dumps({"p": "big-password"}))
    sim.fault(kind="echo", account="big", times=1)
    run = run_playbook(tmp_path / "run", [play([
        senders_task("echoing server", login="big-user", password="{{ p }}", cache_ttl=0),
        senders_task("wrong password", login="big-user", password="{{ p }}x"),
        senders_task("typo", requir=["MyShop"]),
        senders_task("bad require", require="MyShop", login="big-user", password="{{ p }}"),
        senders_task("check mode", require=["MyShop"], login="big-user", password="{{ p }}"),
    ], vars={"webcom_mobi_api_url": sim.api_url}, check_mode=True)], args=("-vvvv", "-e", f"@{secrets}"))
    assert run.task("echoing server")["status"] == "failed"
    assert run.task("wrong password")["result"]["msg"].startswith(
        'the platform refused the sender list request: "Incorrect login or password"; check login and password'
    )
    assert run.task("typo")["result"]["msg"] == "webcom.mobi.sender_info: unknown option 'requir'; did you mean 'require'?"
    assert run.task("bad require")["status"] == "ok"  # a single name is a list of one, as Ansible reads lists
    assert run.task("check mode")["status"] == "ok"
    assert run.task("check mode")["result"]["requirements"][0]["met"] is True
    for where in (run.stdout, run.stderr):
        assert "big-password" not in where


def test_one_request_per_document_and_account_for_many_hosts_and_forks(sim, tmp_path) -> None:
    run = run_playbook(tmp_path, [play([
        {"name": "balance", "webcom.mobi.balance_facts": {}},
        {"name": "senders", "webcom.mobi.sender_info": {"require": ["MyShop"]}},
        {"name": "lookup", "ansible.builtin.debug": {"msg": "{{ lookup('webcom.mobi.balance', 'Russia') }}"}},
    ], hosts="all", vars={"webcom_mobi_api_url": sim.api_url, **BIG})], hosts=12, args=("--forks", "6"))
    assert run.returncode == 0, run.output
    stats = sim.admin("/admin/stats")["accounts"]["big"]
    assert (stats["requests"], stats["sender_requests"]) == (2, 1)  # one balance, one sender list
    assert sum(1 for r in run.results if r["task"] == "senders" and r["result"]["senders"]["cached"]) == 12
