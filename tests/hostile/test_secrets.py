"""Issue 12, class 4: a password the server echoes back is masked in every form, and masking corrupts nothing else.

Before the fix masking knew the password as sent and its XML/JSON/URL escapes only: an echo with the
whitespace folded, a numeric character reference for "'", an NBSP, or markup that an excerpt's tag
stripping split, went through. And masking replaced every substring: password "10" turned money
"100000" into asterisks, password "1" mangled "127.0.0.1".
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import quote, quote_plus

from hostile_run import assert_lookup_failed_clearly, assert_one_clear_line, balance_task, lookup_task, run_hostile
from hostile_server import http_response
from playbook_runner import play

PASSWORDS = {
    "two_spaces": "Kq7  Zr4-LEAK",
    "tab": "Tb3\tWx9-LEAK",
    "nbsp": "Nb5\u00a0Yh2-LEAK",
    "apostrophe": "Qu0'te8-LEAK",
    "markup": "pw<x>yz-LEAK",
}


def forms_of(secret: str) -> set[str]:
    """The secret as a server might echo it: folded, escaped, encoded, or with its markup stripped."""
    folded = " ".join(secret.replace("\u00a0", " ").split())
    bases = {secret, folded, secret.replace("\u00a0", " ")}
    forms = set(bases)
    for base in bases:
        forms |= {
            html.escape(base, quote=True), html.escape(base, quote=False), base.replace("'", "&#039;"), base.replace("'", "&#x27;"),
            base.replace("'", "&#39;"), base.replace("'", "&apos;"), base.replace("\u00a0", "&nbsp;"), base.replace("\u00a0", "&#160;"),
            base.replace("\u00a0", "&#xa0;"), base.replace("\t", "&#9;"), json.dumps(base)[1:-1], quote(base, safe=""), quote_plus(base),
            re.sub(r"<[^>]*>", " ", base), re.sub(r"<[^>]*>", "", base),
        }
    return forms


def echo_page(secret: str) -> bytes:
    """An HTML 500 page quoting the password in several forms, as a careless server does."""
    shown = [
        secret, " ".join(secret.replace("\u00a0", " ").split()), secret.replace("'", "&#039;"), secret.replace("'", "&#x27;"),
        secret.replace("\u00a0", "&nbsp;"), secret.replace("\u00a0", "&#160;"),
    ]
    items = "".join(f"<li>rejected password {form}</li>" for form in shown)
    return http_response(f"<html><body><h1>Error</h1><ul>{items}</ul></body></html>", status="500 Internal Server Error",
                         content_type="text/html")


def error_element(secret: str) -> bytes:
    """A platform <error> quoting the password: escaped for XML, and again with its whitespace folded."""
    folded = " ".join(secret.replace("\u00a0", " ").split())
    text = html.escape(f"Incorrect login or password: {secret} / {folded}", quote=False).replace("'", "&#039;")
    return http_response(f'<?xml version="1.0" encoding="utf-8"?><response><error>{text}</error></response>')


def echo_request(request: bytes) -> bytes:
    body = request.partition(b"\r\n\r\n")[2]
    return http_response(b"<html><body>Bad request: " + body + b" " + html.escape(body.decode("utf-8", "replace")).encode() + b"</body></html>",
                         status="500 Internal Server Error", content_type="text/html")


def credentials(var: str) -> dict[str, str]:
    return {"login": "hostile-user", "password": "{{ " + var + " }}"}


def test_echoed_passwords_are_masked_in_every_form_everywhere(serve, tmp_path) -> None:
    tasks = []
    for name in PASSWORDS:
        page, element, request = serve([echo_page(PASSWORDS[name])]), serve([error_element(PASSWORDS[name])]), serve([echo_request])
        for kind, server in (("HTML 500", page), ("error element", element), ("echoed request", request)):
            # The platform's refusal is cached (cache_ttl 60): the cache files are searched too.
            ttl = 60 if kind == "error element" else 0
            task = balance_task(f"{name} {kind}", server.api_url, timeout=2, retries=0, cache_ttl=ttl, **credentials(name))
            del task["webcom.mobi.balance_info"]["token"]
            tasks.append(task)
    lookup_server, facts_server = serve([echo_page(PASSWORDS["markup"])]), serve([error_element(PASSWORDS["nbsp"])])
    lookup = lookup_task("lookup markup HTML 500", lookup_server.api_url, timeout=2, retries=0)
    lookup["ansible.builtin.debug"]["msg"] = lookup["ansible.builtin.debug"]["msg"].replace("token=token", "login='hostile-user', password=markup")
    facts = balance_task("facts nbsp error element", facts_server.api_url, module="webcom.mobi.balance_facts", timeout=2, retries=0,
                         **credentials("nbsp"))
    del facts["webcom.mobi.balance_facts"]["token"]
    tasks += [lookup, facts]
    outcome = run_hostile(tmp_path, [play(tasks)], secrets=PASSWORDS, verbose=True, timeout=240)

    for task in tasks:
        if task["name"].startswith("lookup"):
            assert_lookup_failed_clearly(outcome, task["name"])
        else:
            assert_one_clear_line(outcome, task["name"])
    assert (tmp_path / "ansible.log").exists()
    assert any((tmp_path / "cache" / "webcom.mobi").glob("*.json")), "no refusal was cached, so the cache was not searched"
    for where, text in outcome.haystacks().items():
        for name, secret in PASSWORDS.items():
            leaked = sorted(form for form in forms_of(secret) if form in text)
            assert not leaked, f"password {name!r} leaked into {where} as {leaked}"


def test_masking_only_whole_secrets(serve, tmp_path) -> None:
    rich = serve([http_response('<?xml version="1.0" encoding="utf-8"?><response><money>100000</money><sms area="Russia">100000</sms></response>')])
    broken = serve([http_response("overloaded", status="500 Internal Server Error", content_type="text/plain")])
    shortfall = balance_task("password 10, money 100000", rich.api_url, timeout=2, retries=0, min_money=200000, **credentials("ten"))
    named_url = balance_task("password 1, URL 127.0.0.1", broken.api_url, timeout=2, retries=0, **credentials("one"))
    for task in (shortfall, named_url):
        del task["webcom.mobi.balance_info"]["token"]
    outcome = run_hostile(tmp_path, [play([shortfall, named_url])], secrets={"ten": "10", "one": "1"}, timeout=180)
    money = assert_one_clear_line(outcome, "password 10, money 100000")
    assert "100000" in money, f"masking ate the money: {money}"
    url = assert_one_clear_line(outcome, "password 1, URL 127.0.0.1", "500")
    assert f"127.0.0.1:{broken.port}" in url, f"masking mangled the URL: {url}"
