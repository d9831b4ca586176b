"""The client and transport against the simulator over real HTTP on loopback."""

from __future__ import annotations

import socket
import time
from decimal import Decimal

import pytest

from ansible_collections.webcom.mobi.plugins.plugin_utils._client import fetch
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import (
    CredentialsError,
    HTTPStatusError,
    PlatformError,
    ResponseFormatError,
    ResponseTooLargeError,
    TransportError,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import OptionsError, connection_settings
from ansible_collections.webcom.mobi.plugins.plugin_utils._transport import COLLECTION_VERSION

DOCS_PASSWORD = "S3c&<\"'>r-docs"
SECRETS = (DOCS_PASSWORD, "big-token-7f3a", "big-password")


def settings(api_url: str, **options):
    values = {"api_url": api_url, "login": "docs-user", "password": DOCS_PASSWORD, "retries": 0, "timeout": 5}
    values.update(options)
    return connection_settings({k: v for k, v in values.items() if v is not None})


def fetch_balance(settings) -> dict:
    """The balance model as a plugin returns it, straight from the platform."""
    return fetch(settings, BALANCE).to_model()


@pytest.fixture
def sim(simulator):
    simulator.reset()
    yield simulator
    simulator.reset()


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_documented_account_decodes_to_the_contract_model(sim) -> None:
    model = fetch_balance(settings(sim.api_url))
    assert {k: model[k] for k in ("money", "money_text", "currency", "sms", "unlimited", "areas", "api_url")} == {
        "money": 10,
        "money_text": "10",
        "currency": None,
        "sms": {"Russia": 10, "Ukraine": 5},
        "unlimited": [],
        "areas": [
            {"area": "Russia", "sms": 10, "unlimited": False},
            {"area": "Ukraine", "sms": 5, "unlimited": False},
        ],
        "api_url": sim.api_url,
    }
    assert model["cached"] is False and model["age_s"] == 0
    assert model["fetched_at"].endswith("Z") and len(model["fetched_at"]) == 20


def test_request_headers(sim) -> None:
    fetch_balance(settings(sim.api_url))
    assert sim.admin("/admin/stats")["last_headers"] == {
        "Content-Type": "text/xml; charset=utf-8",
        "User-Agent": f"webcom.mobi-ansible/{COLLECTION_VERSION}",
    }


def test_token_account_with_currency_and_unlimited_area(sim) -> None:
    model = fetch_balance(settings(sim.api_url, login=None, password=None, token="big-token-7f3a"))
    assert (model["money_text"], model["currency"]) == ("10000", "RUR")
    assert model["sms"] == {"Russia": 10000, "Ukraine": 5000, "Tele2": None}
    assert model["unlimited"] == ["Tele2"]


def test_russian_account(sim) -> None:
    model = fetch_balance(settings(sim.api_url, login="ru-user", password="ru-password"))
    assert model["money_text"] == "1234.50" and model["money"] == 1234.5
    assert model["sms"] == {"Россия": 2469, "Казахстан": 411, "Билайн": None}


def test_docs_spend_example_lowers_every_count(fresh_simulator) -> None:
    before = fetch_balance(settings(fresh_simulator.api_url))
    fresh_simulator.admin("/admin/spend", {"account": "docs", "area": "Russia", "count": 2})
    after = fetch_balance(settings(fresh_simulator.api_url))
    assert (before["money"], before["sms"]) == (10, {"Russia": 10, "Ukraine": 5})
    assert (after["money"], after["sms"]) == (8, {"Russia": 8, "Ukraine": 4})


@pytest.mark.parametrize(
    "login, password, kind, text",
    [
        ("docs-user", "wrong", "auth", "Incorrect login or password"),
        ("locked-user", "locked-password", "locked", "Your account is locked"),
    ],
)
def test_platform_errors_are_not_retried(sim, login, password, kind, text) -> None:
    with pytest.raises(PlatformError) as caught:
        fetch_balance(settings(sim.api_url, login=login, password=password, retries=3))
    assert (caught.value.kind, caught.value.text) == (kind, text)
    assert sim.total_requests() == 1
    assert_no_secret(str(caught.value))


def test_error_with_status_200_is_still_an_error(sim) -> None:
    sim.fault(kind="error_200", error="auth")
    with pytest.raises(PlatformError) as caught:
        fetch_balance(settings(sim.api_url))
    assert caught.value.kind == "auth"


def test_transient_503_is_retried_until_success(sim) -> None:
    sim.fault(kind="status", status=503, retry_after="0", times=2)
    model = fetch_balance(settings(sim.api_url, retries=3))
    assert model["money"] == 10
    assert sim.total_requests() == 3


def test_retry_after_is_honoured(sim) -> None:
    sim.fault(kind="status", status=429, retry_after="1", times=1)
    started = time.monotonic()
    fetch_balance(settings(sim.api_url, retries=1))
    assert time.monotonic() - started >= 1.0
    assert sim.total_requests() == 2


def test_retries_run_out_with_tries_and_elapsed_in_the_message(sim) -> None:
    sim.fault(kind="status", status=503, retry_after="0")
    with pytest.raises(TransportError) as caught:
        fetch_balance(settings(sim.api_url, retries=2))
    message = str(caught.value)
    assert message.startswith(f"HTTP 503 Service Unavailable from {sim.api_url}/balance.php after 3 tries in ")
    assert message.endswith(" s; check api_url, proxy and network, or raise timeout/retries")
    assert sim.total_requests() == 3


def test_timeout_says_timeout(sim) -> None:
    sim.fault(kind="delay", seconds=1.5, times=2)
    with pytest.raises(TransportError) as caught:
        fetch_balance(settings(sim.api_url, timeout=0.3, retries=1))
    assert str(caught.value).startswith("timeout: no complete answer within 0.3 s from ")
    assert " after 2 tries in " in str(caught.value)


def test_dropped_connection_is_retried(sim) -> None:
    sim.fault(kind="drop", times=1)
    assert fetch_balance(settings(sim.api_url, retries=1))["money"] == 10


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransportError) as caught:
        fetch_balance(settings(f"http://127.0.0.1:{port}/xml", retries=1))
    assert str(caught.value).startswith(
        f"cannot connect: connection refused from http://127.0.0.1:{port}/xml/balance.php after 2 tries in "
    )


def test_http_error_with_non_xml_body_gives_status_and_excerpt(sim) -> None:
    sim.fault(kind="non_xml", status=500, times=1)
    with pytest.raises(HTTPStatusError) as caught:
        fetch_balance(settings(sim.api_url, retries=3))
    assert str(caught.value) == (
        f'HTTP 500 Internal Server Error from {sim.api_url}/balance.php: "Internal Server Error"; the platform or '
        "a proxy in between failed: check api_url, or try again later"
    )
    assert sim.total_requests() == 1  # 500 is not transient


@pytest.mark.parametrize(
    "fault, error, message_start",
    [
        ({"kind": "html", "status": 200}, ResponseFormatError, "the server answered with an HTML page"),
        ({"kind": "truncated"}, ResponseFormatError, "the response is not well-formed XML: invalid XML syntax"),
        ({"kind": "oversized"}, ResponseTooLargeError, "the response is larger than 1024 KiB"),
    ],
)
def test_broken_bodies(sim, fault, error, message_start) -> None:
    sim.fault(times=1, **fault)
    with pytest.raises(error) as caught:
        fetch_balance(settings(sim.api_url))
    assert str(caught.value).startswith(message_start)


def test_redirect_is_not_followed(sim) -> None:
    sim.fault(kind="status", status=302, location="http://elsewhere.invalid/xml/balance.php", times=1)
    with pytest.raises(TransportError) as caught:
        fetch_balance(settings(sim.api_url))
    assert str(caught.value).startswith(
        f"HTTP 302: {sim.api_url}/balance.php redirects to http://elsewhere.invalid/xml/balance.php; set api_url"
    )


def test_explicit_proxy_carries_the_request(sim) -> None:
    # The simulator also answers requests in proxy (absolute-URI) form.
    model = fetch_balance(settings("http://balance.invalid/xml", proxy=sim.base))
    assert model["money"] == 10
    assert sim.admin("/admin/stats")["proxied_requests"] == 1


def test_proxy_from_the_environment_and_no_proxy(sim, monkeypatch) -> None:
    monkeypatch.setenv("http_proxy", sim.base)
    monkeypatch.setenv("no_proxy", "")
    assert fetch_balance(settings("http://balance.invalid/xml"))["money"] == 10
    assert sim.admin("/admin/stats")["proxied_requests"] == 1
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    fetch_balance(settings(sim.api_url))
    assert sim.admin("/admin/stats")["proxied_requests"] == 1


def test_tls_failure_names_the_certificate_problem(tmp_path) -> None:
    import ssl
    import subprocess
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True, capture_output=True,
    )
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(TransportError) as caught:
            fetch_balance(settings(f"https://127.0.0.1:{server.server_address[1]}/xml", retries=2))
    finally:
        server.shutdown()
        server.server_close()
    assert str(caught.value).startswith(
        f"TLS failure talking to https://127.0.0.1:{server.server_address[1]}/xml/balance.php: "
        "certificate verify failed: self-signed certificate; set ca_path"
    )


@pytest.mark.parametrize(
    "options, message",
    [
        ({"token": "t"}, "give either token, or login together with password, not both"),
        ({"login": None, "password": None}, "missing credentials: set token, or login and password"),
        ({"password": None}, "missing credentials: set password"),
        ({"password": "pass\x01word"}, "password contains a control character that XML cannot carry"),
        ({"api_url": "ftp://x/xml"}, "api_url must be a URL with the scheme http or https, such as http://lk.mysmpp.ru/xml"),
        ({"api_url": "http://127.0.0.1:99999/xml"}, "api_url is not a valid URL (check its host and port, 1-65535); e.g. http://lk.mysmpp.ru/xml"),
        ({"api_url": "http://[::1/xml"}, "api_url is not a valid URL (check its host and port, 1-65535); e.g. http://lk.mysmpp.ru/xml"),
        ({"api_url": "http://host/x\x1b[2Jml"}, "api_url must not contain spaces or control characters; e.g. http://lk.mysmpp.ru/xml"),
        ({"proxy": "http://user:pa55@[::1"}, "proxy is not a valid URL (check its host and port, 1-65535); e.g. http://proxy.example:3128"),
        ({"proxy": "ftp://proxy:21"}, "proxy must be a URL with the scheme http or https or socks5 or socks5h, such as http://proxy.example:3128"),
        ({"timeout": float("nan")}, "timeout must be a finite number, got nan"),
        ({"timeout": float("inf")}, "timeout must be a finite number, got inf"),
        ({"api_url": "http://user:S3c&<\"'>r-docs@host/xml"}, "api_url must not contain credentials; use the login and password, or token, options"),
        ({"api_url": "http://host/xml?login=a"}, "api_url must be the base of the XML interface, without a query or fragment"),
        ({"timeout": 0}, "timeout must be a positive number of seconds, got 0"),
        ({"retries": -1}, "retries must be from 0 to 20, got -1"),
        ({"retries": 21}, "retries must be from 0 to 20, got 21"),
        ({"cache_ttl": -5}, "cache_ttl must be 0 (off) or more seconds, got -5"),
    ],
)
def test_option_errors_are_one_line_and_send_nothing(sim, options, message) -> None:
    with pytest.raises((OptionsError, CredentialsError)) as caught:
        settings(**{"api_url": sim.api_url, **options})
    assert str(caught.value) == message
    assert sim.total_requests() == 0


def test_settings_repr_hides_secrets(sim) -> None:
    assert_no_secret(repr(settings(sim.api_url)))


def test_money_is_exact_decimal_through_the_chain(fresh_simulator) -> None:
    fresh_simulator.admin("/admin/set", {"account": "docs", "money": "0.10"})
    model = fetch_balance(settings(fresh_simulator.api_url))
    assert model["money_text"] == "0.10" and Decimal(model["money_text"]) == Decimal("0.1")
