"""The documentation's worked example, through ansible-playbook: spending lowers every area's count."""

from __future__ import annotations

from playbook_runner import play, run_playbook


def test_two_sms_to_russia_turn_10_10_5_into_8_8_4(fresh_simulator, tmp_path) -> None:
    connection = {"api_url": fresh_simulator.api_url, "login": "docs-user", "password": "{{ docs_password }}"}
    run = run_playbook(tmp_path, [play(
        [
            {"name": "before", "webcom.mobi.balance_info": {**connection, "cache_ttl": 0}},
            {"name": "send two SMS to Russia", "ansible.builtin.uri": {
                "url": fresh_simulator.base + "/admin/spend", "method": "POST", "body_format": "json",
                "body": {"account": "docs", "area": "Russia", "count": 2}}},
            {"name": "after", "webcom.mobi.balance_info": {**connection, "cache_ttl": 0}},
        ],
        vars={"docs_password": "S3c&<\"'>r-docs"},
    )])
    assert run.returncode == 0, run.output
    before = run.task("before")["result"]["balance"]
    after = run.task("after")["result"]["balance"]
    assert (before["money"], before["sms"]) == (10, {"Russia": 10, "Ukraine": 5})
    assert (after["money"], after["sms"]) == (8, {"Russia": 8, "Ukraine": 4})
