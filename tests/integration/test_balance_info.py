"""webcom.mobi.balance_info and balance_facts through real ansible-playbook runs."""

from __future__ import annotations

import pytest
from playbook_runner import play, run_playbook

DOCS = {"login": "docs-user", "password": "S3c&<\"'>r-docs"}
PLAIN_HTTP_WARNING = (
    "webcom.mobi: api_url uses plain http://, so the password or token crosses the network unencrypted; "
    "use an https:// api_url where the platform host serves one (e.g. https://my3.webcom.mobi/xml)"
)


@pytest.fixture
def sim(simulator):
    simulator.reset()
    yield simulator
    simulator.reset()


def info(sim, name: str, **args) -> dict:
    return {"name": name, "webcom.mobi.balance_info": {"api_url": sim.api_url, **DOCS, **args}, "ignore_errors": True}


def test_requirements_met_unmet_and_uncertain(sim, tmp_path) -> None:
    run = run_playbook(tmp_path, [play([
        info(sim, "all met", min_money=5, min_sms={"Russia": 10, "Ukraine": 1}, plan={"Russia": 6, "Ukraine": 2}),
        info(sim, "all unmet", min_money=10.5, min_sms={"Ukraine": 6}, plan={"Russia": 8, "Ukraine": 2}),
        info(sim, "warn only", min_money=11, on_shortfall="warn"),
        info(sim, "unknown area", min_sms={"Belarus": 1}),
        info(sim, "bad count", plan={"Russia": -2}),
        {"name": "uncertain", "webcom.mobi.balance_info": {
            "api_url": sim.api_url, "login": "ru-user", "password": "ru-password",
            "plan": {"Россия": 1000, "Казахстан": 245}}, "ignore_errors": True},
    ])])
    met = run.task("all met")
    assert met["status"] == "ok" and met["result"]["changed"] is False
    assert [(c["name"], c["met"], c["need"], c["have"]) for c in met["result"]["requirements"]] == [
        ("min_money", True, 5.0, 10),
        ("min_sms[Russia]", True, 10, 10),
        ("min_sms[Ukraine]", True, 1, 5),
        ("plan", True, {"Russia": 6, "Ukraine": 2}, met["result"]["requirements"][3]["have"]),
    ]
    assert met["result"]["requirements"][3]["have"]["verdict"] == "fits"

    unmet = run.task("all unmet")
    assert unmet["status"] == "failed"
    assert unmet["result"]["msg"] == (
        "unmet requirements: money 10 is below min_money 10.5; Ukraine has 5 SMS, fewer than the 6 required; "
        "the plan does not fit: it needs 106% to 120% of the balance 10"
    )
    assert unmet["result"]["balance"]["money"] == 10  # the balance still comes back

    warned = run.task("warn only")
    assert warned["status"] == "ok"
    assert warned["result"]["requirements"][0]["met"] is False
    assert warned["result"]["warnings"] == [PLAIN_HTTP_WARNING, "money 10 is below min_money 11"]

    unknown = run.task("unknown area")
    assert unknown["status"] == "failed"
    assert unknown["result"]["msg"] == (
        "min_sms names area 'Belarus', which the balance does not list; known areas: Russia, Ukraine"
    )

    bad = run.task("bad count")
    assert bad["status"] == "failed"
    assert bad["result"]["msg"] == "the plan's number of messages for 'Russia' must not be negative, got -2"

    uncertain = run.task("uncertain")
    assert uncertain["status"] == "failed"
    assert uncertain["result"]["requirements"][0]["met"] is None
    assert uncertain["result"]["msg"].startswith("unmet requirements: the plan may or may not fit: it needs 99.9% to ")
    # One request per account: every later task was answered from the cache (cache_ttl 60 by default).
    assert sim.total_requests() == 2
    assert run.output.count("[WARNING]: webcom.mobi: api_url uses plain http://") == 1


def test_facts_module_returns_only_the_fact_and_affords_works_on_it(sim, tmp_path) -> None:
    run = run_playbook(tmp_path, [play([
        {"name": "facts", "webcom.mobi.balance_facts": {"api_url": sim.api_url, "token": "big-token-7f3a"}},
        {"name": "capacity", "ansible.builtin.assert": {"that": [
            "ansible_facts['webcom_mobi_balance'] is webcom.mobi.affords({'Russia': 5000, 'Ukraine': 2500, 'Tele2': 99999})",
            "ansible_facts['webcom_mobi_balance'] is not webcom.mobi.affords({'Russia': 5001, 'Ukraine': 2500})",
            "(ansible_facts['webcom_mobi_balance'] | webcom.mobi.sms_plan({'Russia': 2000})).sms_left == "
            "{'Russia': 8000, 'Ukraine': 4000, 'Tele2': None}",
        ]}},
    ])])
    assert run.returncode == 0, run.output
    facts = run.task("facts")["result"]
    assert set(facts) - {"_ansible_no_log", "warnings"} == {"changed", "ansible_facts"}
    assert list(facts["ansible_facts"]) == ["webcom_mobi_balance"]
    assert facts["ansible_facts"]["webcom_mobi_balance"]["sms"] == {"Russia": 10000, "Ukraine": 5000, "Tele2": None}


def test_check_mode_module_defaults_and_environment(sim, tmp_path) -> None:
    plays = [
        play(
            [
                {"name": "info via group defaults", "webcom.mobi.balance_info": {"min_money": 1}},
                {"name": "facts via group defaults", "webcom.mobi.balance_facts": {}},
            ],
            module_defaults={"group/webcom.mobi.api": {"api_url": sim.api_url, "token": "big-token-7f3a"}},
        ),
        play([{"name": "info via environment", "webcom.mobi.balance_info": {}}]),
    ]
    env = {"WEBCOM_API_URL": sim.api_url, "WEBCOM_LOGIN": "ru-user", "WEBCOM_PASSWORD": "ru-password"}
    run = run_playbook(tmp_path, plays, args=("--check",), env=env)
    assert run.returncode == 0, run.output
    assert run.task("info via group defaults")["result"]["balance"]["money"] == 10000
    assert run.task("facts via group defaults")["result"]["ansible_facts"]["webcom_mobi_balance"]["currency"] == "RUR"
    assert run.task("info via environment")["result"]["balance"]["money_text"] == "1234.50"


def test_argument_errors_name_the_options_and_send_nothing(sim, tmp_path) -> None:
    base = {"api_url": sim.api_url}
    run = run_playbook(tmp_path, [play([
        {"name": "both kinds", "webcom.mobi.balance_info": {**base, **DOCS, "token": "t0k"}, "ignore_errors": True},
        {"name": "neither", "webcom.mobi.balance_facts": base, "ignore_errors": True},
        {"name": "login only", "webcom.mobi.balance_facts": {**base, "login": "x"}, "ignore_errors": True},
        {"name": "typo", "webcom.mobi.balance_info": {**base, **DOCS, "min_mony": 1}, "ignore_errors": True},
        {"name": "bad choice", "webcom.mobi.balance_info": {**base, **DOCS, "on_shortfall": "ignore"}, "ignore_errors": True},
        {"name": "bad url", "webcom.mobi.balance_info": {"api_url": "lk.mysmpp.ru/xml", **DOCS}, "ignore_errors": True},
        {"name": "port out of range", "webcom.mobi.balance_facts": {"api_url": "http://127.0.0.1:99999/xml", **DOCS},
         "ignore_errors": True},
        {"name": "timeout nan", "webcom.mobi.balance_facts": {**base, **DOCS, "timeout": "nan"}, "ignore_errors": True},
        {"name": "timeout inf", "webcom.mobi.balance_facts": {**base, **DOCS, "timeout": "inf"}, "ignore_errors": True},
        {"name": "broken proxy", "webcom.mobi.balance_facts": {**base, **DOCS, "proxy": "http://user:pa55w0rd@[::1"},
         "ignore_errors": True},
    ])])
    messages = {r["task"]: r["result"]["msg"] for r in run.results}
    assert all(r["status"] == "failed" for r in run.results)
    assert messages == {
        "both kinds": "webcom.mobi.balance_info: the task (or module_defaults): give either token, or login together with "
        "password, not both",
        "neither": "webcom.mobi.balance_facts: missing credentials: give token, or login with password, in one of: "
        "the task (or module_defaults); variables webcom_mobi_token, or webcom_mobi_login with webcom_mobi_password; "
        "environment variables WEBCOM_TOKEN, or WEBCOM_LOGIN with WEBCOM_PASSWORD; the [webcom_mobi] section of ansible.cfg",
        "login only": "webcom.mobi.balance_facts: the task (or module_defaults) give login but not password; credentials "
        "come as a set from one place, so give password there too (or a token instead)",
        "typo": "webcom.mobi.balance_info: unknown option 'min_mony'; did you mean 'min_money'?",
        "bad choice": "webcom.mobi.balance_info: value of on_shortfall must be one of: fail, warn, got: ignore",
        "bad url": "api_url must be a URL with the scheme http or https, such as http://lk.mysmpp.ru/xml",
        "port out of range": "api_url is not a valid URL (check its host and port, 1-65535); e.g. http://lk.mysmpp.ru/xml",
        "timeout nan": "timeout must be a finite number, got nan",
        "timeout inf": "timeout must be a finite number, got inf",
        "broken proxy": "proxy is not a valid URL (check its host and port, 1-65535); e.g. http://proxy.example:3128",
    }
    assert sim.total_requests() == 0


@pytest.mark.parametrize(
    "fault, credentials, message",
    [
        (None, {"login": "docs-user", "password": "nope"},
         'the platform refused the balance check: "Incorrect login or password"; check login and password, or token, '
         "and that api_url is the host your account lives on"),
        (None, {"login": "locked-user", "password": "locked-password"},
         'the platform refused the balance check: "Your account is locked"; the account is locked; contact your '
         "account manager"),
        ({"kind": "error_200", "error": "auth"}, {"login": "ru-user", "password": "ru-password"},
         'the platform refused the balance check: "Неправильный логин или пароль"; check login and password, or '
         "token, and that api_url is the host your account lives on"),
        ({"kind": "html", "status": 200}, DOCS,
         "the server answered with an HTML page instead of the balance XML; check that api_url is the platform's "
         "XML interface (e.g. http://lk.mysmpp.ru/xml)"),
        ({"kind": "truncated"}, DOCS, "the response is not well-formed XML: invalid XML syntax: "),
        ({"kind": "oversized"}, DOCS, "the response is larger than 1024 KiB and was refused without reading the rest"),
        ({"kind": "non_xml", "status": 500}, DOCS, 'HTTP 500 Internal Server Error from SIM/balance.php: "Internal Server Error"'),
        ({"kind": "status", "status": 503, "retry_after": "0"}, DOCS, "HTTP 503 Service Unavailable from SIM/balance.php after 2 tries in "),
        ({"kind": "delay", "seconds": 2}, DOCS, "timeout: no complete answer within 0.5 s from SIM/balance.php after 2 tries in "),
    ],
    ids=["auth", "locked", "error-200-ru", "html", "truncated", "oversized", "http-500", "retries-exhausted", "timeout"],
)
def test_every_error_class_is_one_clean_line(sim, tmp_path, fault, credentials, message) -> None:
    if fault:
        sim.fault(**fault)
    run = run_playbook(tmp_path, [play([
        {"name": "check", "webcom.mobi.balance_info": {"api_url": sim.api_url, **credentials, "retries": 1, "timeout": 0.5}},
    ])])
    failed = run.task("check")
    assert failed["status"] == "failed"
    msg = failed["result"]["msg"]
    assert msg.startswith(message.replace("SIM", sim.api_url)), msg
    assert "\n" not in msg and "Traceback" not in run.output
    assert "Traceback" not in str(failed["result"].get("exception", ""))


def test_connection_refused_is_reported_after_retries(tmp_path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = run_playbook(tmp_path, [play([
        {"name": "check", "webcom.mobi.balance_facts": {"api_url": f"http://127.0.0.1:{port}/xml", **DOCS, "retries": 1}},
    ])])
    assert run.task("check")["result"]["msg"].startswith(
        f"cannot connect: connection refused from http://127.0.0.1:{port}/xml/balance.php after 2 tries in "
    )


def test_short_numeric_password_does_not_mangle_figures(sim, tmp_path) -> None:
    run = run_playbook(tmp_path, [play([
        {"name": "check", "webcom.mobi.balance_info": {
            "api_url": sim.api_url, "login": "short-user", "password": "10", "min_money": 10, "min_sms": {"Russia": 10}}},
    ])])
    result = run.task("check")["result"]
    assert result["balance"]["money"] == 10 and result["balance"]["money_text"] == "10"
    assert result["balance"]["sms"] == {"Russia": 10}
    assert [c["have"] for c in result["requirements"]] == [10, 10]
