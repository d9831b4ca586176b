"""The codec against every documented, real-world and hostile response body."""

from __future__ import annotations

import io
import select
import socket
import threading
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from ansible_collections.webcom.mobi.plugins.plugin_utils import _codec
from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import AreaCount, Balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._codec import MAX_BODY_BYTES
from ansible_collections.webcom.mobi.plugins.plugin_utils._credentials import Credentials
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import (
    CredentialsError,
    PlatformError,
    ResponseFormatError,
    ResponseTooLargeError,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Reading


def decode_response(body: bytes) -> Balance:
    return _codec.decode_response(BALANCE, body)


def encode_request(**credentials: str) -> bytes:
    return _codec.encode_request(BALANCE, Credentials.of(**credentials))


def balance_schema():
    return _codec.schema_for(BALANCE)


FIXTURES = Path(__file__).resolve().parents[3] / "unit" / "fixtures" / "responses"


# Bodies in other encodings are made here rather than stored: ansible-test's sanity tests
# read every file of the collection as UTF-8 without a byte order mark.
_CYRILLIC = '<response><money>150</money><sms area="Россия">111</sms></response>'
GENERATED = {
    "utf8_bom.xml": b"\xef\xbb\xbf" + b'<?xml version="1.0" encoding="utf-8"?>'
    + b'<response><money>150</money><sms area="Russia">111</sms></response>',
    "utf16_bom.xml": ('<?xml version="1.0" encoding="UTF-16"?>' + _CYRILLIC).encode("utf-16"),
    "windows1251.xml": ('<?xml version="1.0" encoding="windows-1251"?>' + _CYRILLIC).encode("cp1251"),
}


def body(name: str) -> bytes:
    return GENERATED[name] if name in GENERATED else (FIXTURES / name).read_bytes()


def test_generated_bodies_are_what_they_claim() -> None:
    assert GENERATED["utf8_bom.xml"].startswith(b"\xef\xbb\xbf<?xml")
    assert GENERATED["utf16_bom.xml"][:2] in (b"\xff\xfe", b"\xfe\xff")
    assert "Россия".encode("cp1251") in GENERATED["windows1251.xml"]


def areas(*pairs: tuple[str, int | None]) -> tuple[AreaCount, ...]:
    return tuple(AreaCount(area, count) for area, count in pairs)


VALID = {
    "doc_balance.xml": (Decimal("150"), None, areas(("Russia", 111), ("Ukraine", 111))),
    "doc_example_before.xml": (Decimal("10"), None, areas(("Russia", 10), ("Ukraine", 5))),
    "doc_example_after.xml": (Decimal("8"), None, areas(("Russia", 8), ("Ukraine", 4))),
    "currency_rur.xml": (Decimal("150"), "RUR", areas(("Russia", 111))),
    "fractional_money.xml": (Decimal("19023.9"), None, areas(("Russia", 38047), ("Kazakhstan", 6341))),
    "negative_money.xml": (Decimal("-20.5"), "RUR", areas(("Russia", 0), ("Ukraine", 0))),
    "padded_money.xml": (Decimal("150.00"), None, areas(("Russia", 300))),
    "plus_sign_money.xml": (Decimal("150"), None, ()),
    "tiny_money.xml": (Decimal("0.0000001"), None, areas(("Russia", 0))),
    "unlimited_en.xml": (Decimal("500"), None, areas(("Russia", 1000), ("Tele2", None))),
    "unlimited_ru.xml": (Decimal("500"), None, areas(("Россия", 1000), ("Теле2", None))),
    "cyrillic_areas.xml": (Decimal("150"), "RUR", areas(("Россия", 111), ("Украина", 55))),
    "operator_areas.xml": (Decimal("90"), None, areas(("Tele2", 45), ("MTS Russia", 30), ("Beeline & Co", 29))),
    "money_only.xml": (Decimal("42"), None, ()),
    "single_sms.xml": (Decimal("42"), None, areas(("Russia", 42))),
    "duplicate_area.xml": (
        Decimal("10"),
        None,
        areas(("Russia", 10), ("Russia", 9), ("Tele2", None), ("Tele2", 3)),
    ),
    "extras_everywhere.xml": (Decimal("10.5"), "RUR", areas(("Russia", 10), ("Ukraine", 5))),
    "utf8_bom.xml": (Decimal("150"), None, areas(("Russia", 111))),
    "utf16_bom.xml": (Decimal("150"), None, areas(("Россия", 111))),
    "windows1251.xml": (Decimal("150"), None, areas(("Россия", 111))),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_response_decodes_exactly(name: str) -> None:
    money, currency, expected_areas = VALID[name]
    balance = decode_response(body(name))
    assert balance == Balance(money=money, currency=currency, areas=expected_areas)
    assert str(balance.money) == str(money)  # trailing zeros and all: money_text depends on it


def test_balance_model_matches_contract() -> None:
    model = Reading(decode_response(body("extras_everywhere.xml")), api_url="http://127.0.0.1:1/xml", fetched_at="2026-11-22T10:00:00Z").to_model()
    assert model == {
        "money": 10.5,
        "money_text": "10.5",
        "currency": "RUR",
        "sms": {"Russia": 10, "Ukraine": 5},
        "unlimited": [],
        "areas": [
            {"area": "Russia", "sms": 10, "unlimited": False},
            {"area": "Ukraine", "sms": 5, "unlimited": False},
        ],
        "api_url": "http://127.0.0.1:1/xml",
        "fetched_at": "2026-11-22T10:00:00Z",
        "cached": False,
        "age_s": 0,
    }


def test_model_money_is_int_when_whole_and_text_keeps_digits() -> None:
    model = Reading(decode_response(body("padded_money.xml")), api_url="u", fetched_at="t").to_model()
    assert model["money"] == 150 and isinstance(model["money"], int)
    assert model["money_text"] == "150.00"
    tiny = Reading(decode_response(body("tiny_money.xml")), api_url="u", fetched_at="t").to_model()
    assert tiny["money_text"] == "0.0000001"


def test_unlimited_areas_are_null_and_listed() -> None:
    model = Reading(decode_response(body("unlimited_ru.xml")), api_url="u", fetched_at="t").to_model()
    assert model["sms"] == {"Россия": 1000, "Теле2": None}
    assert model["unlimited"] == ["Теле2"]
    assert model["areas"][1] == {"area": "Теле2", "sms": None, "unlimited": True}


def test_duplicate_area_keeps_every_line_and_the_smaller_count() -> None:
    model = Reading(decode_response(body("duplicate_area.xml")), api_url="u", fetched_at="t").to_model()
    assert [line["area"] for line in model["areas"]] == ["Russia", "Russia", "Tele2", "Tele2"]
    assert model["sms"] == {"Russia": 9, "Tele2": 3}
    assert model["unlimited"] == []


ERRORS = {
    "error_auth_en.xml": ("auth", "Incorrect login or password"),
    "error_auth_ru.xml": ("auth", "Неправильный логин или пароль"),
    "error_format_en.xml": ("format", "Incorrect XML document format"),
    "error_format_ru.xml": ("format", "Неправильный формат XML документа"),
    "error_missing_post_en.xml": ("missing_post", "POST data is missing"),
    "error_missing_post_ru.xml": ("missing_post", "POST данные отсутствуют"),
    "error_locked_en.xml": ("locked", "Your account is locked"),
    "error_locked_ru.xml": ("locked", "Ваш аккаунт заблокирован"),
    "error_unknown_ru.xml": ("unknown", "Базы с таким номером не существует"),
    "doc_error.xml": ("unknown", "Error message"),
    "error_with_attribute.xml": ("auth", "Incorrect login or password"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_platform_error_is_typed_and_keeps_its_text(name: str) -> None:
    kind, text = ERRORS[name]
    with pytest.raises(PlatformError) as caught:
        decode_response(body(name))
    assert (caught.value.kind, caught.value.text) == (kind, text)
    assert f'"{text}"' in str(caught.value)
    assert "\n" not in str(caught.value)


def test_platform_error_messages_say_what_to_do() -> None:
    messages = {}
    for name in ("error_auth_en.xml", "error_locked_ru.xml", "error_missing_post_en.xml"):
        with pytest.raises(PlatformError) as caught:
            decode_response(body(name))
        messages[name] = str(caught.value)
    assert messages["error_auth_en.xml"] == (
        'the platform refused the balance check: "Incorrect login or password"; check login and password, '
        "or token, and that api_url is the host your account lives on"
    )
    assert messages["error_locked_ru.xml"].endswith("the account is locked; contact your account manager")
    assert "proxy" in messages["error_missing_post_en.xml"]


def test_empty_platform_error() -> None:
    with pytest.raises(PlatformError) as caught:
        decode_response(body("error_empty.xml"))
    assert caught.value.kind == "unknown" and caught.value.text == ""
    assert "refused the balance check: an empty error" in str(caught.value)


INVALID = {
    "invalid_no_money.xml": "at /response: Unexpected child with tag 'sms' at position 1. Tag ('error' | 'money') expected.",
    "invalid_empty_response.xml": "at /response: The content of element 'response' is not complete. "
    "Tag ('error' | 'money') expected.",
    "invalid_money_comma.xml": "at /response/money: invalid value '150,50' for xs:decimal",
    "invalid_money_nan.xml": "at /response/money: invalid value 'NaN' for xs:decimal",
    "invalid_money_empty.xml": "at /response/money: invalid value '' for xs:decimal",
    "invalid_money_exponent.xml": "at /response/money: invalid value '1.5e3' for xs:decimal",
    "invalid_count_decimal.xml": "at /response/sms: invalid value '1.0' (a count must be an integer, 'Unlim' or 'Безлимит')",
    "invalid_count_word.xml": "at /response/sms: invalid value 'many' (a count must be an integer, 'Unlim' or 'Безлимит')",
    "invalid_count_empty.xml": "at /response/sms: invalid value '' (a count must be an integer, 'Unlim' or 'Безлимит')",
    "invalid_sms_without_area.xml": "at /response/sms: missing required attribute 'area'",
    "invalid_two_money.xml": "at /response: Unexpected child with tag 'money' at position 2.",
    "invalid_money_after_error.xml": "at /response: Unexpected child with tag 'money' at position 2.",
    "invalid_wrong_root.xml": "at /result: 'result' is not an element of the schema",
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_broken_response_is_rejected_with_path_and_reason(name: str) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        decode_response(body(name))
    assert str(caught.value) == "the response does not match the balance schema " + INVALID[name]


REFUSED = {
    "invalid_namespaced_root.xml": "the response's root element is not the balance document's <response>",
    "hostile_xxe.xml": "the response declares a DTD or entities, which a balance document never does; refused for safety",
    "hostile_billion_laughs.xml": "the response declares a DTD or entities, which a balance document never does; "
    "refused for safety",
    "hostile_external_dtd.xml": "the response declares a DTD or entities, which a balance document never does; "
    "refused for safety",
    "hostile_internal_entity.xml": "the response declares a DTD or entities, which a balance document never does; "
    "refused for safety",
    "html_page.html": "the server answered with an HTML page instead of the balance XML; check that api_url is the "
    "platform's XML interface (e.g. http://lk.mysmpp.ru/xml)",
    "truncated.xml": "the response is not well-formed XML: invalid XML syntax: unclosed token: line 1, column 66",
    "plain_text.txt": "the response is not well-formed XML: invalid XML syntax: syntax error: line 1, column 0",
    "empty.txt": "the response body is empty; check api_url and any proxy in between",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_or_non_xml_body_is_refused(name: str) -> None:
    # How fast: benchmarks/codec.py prints it. Tests assert behaviour only.
    with pytest.raises(ResponseFormatError) as caught:
        decode_response(body(name))
    assert str(caught.value) == REFUSED[name]


@pytest.mark.parametrize(
    "path_like",
    [
        str(FIXTURES / "doc_balance.xml"),
        (FIXTURES / "doc_balance.xml").as_uri(),
        "doc_balance.xml",
    ],
    ids=["absolute-path", "file-url", "relative-path"],
)
def test_body_naming_a_readable_balance_file_is_never_opened(path_like, monkeypatch) -> None:
    # Were the body taken for a location, it would decode to a valid balance of 150.
    monkeypatch.chdir(FIXTURES)
    with pytest.raises(ResponseFormatError) as caught:
        decode_response(path_like.encode())
    assert str(caught.value).startswith("the response is not well-formed XML: invalid XML syntax:")


def test_body_naming_a_url_is_never_fetched() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with pytest.raises(ResponseFormatError):
            decode_response(f"http://127.0.0.1:{port}/balance.xml".encode())
        readable = select.select([listener], [], [], 0.2)[0]
        assert readable == [], "the decoder connected to the URL held in the body"


def test_body_over_the_cap_is_refused_before_parsing() -> None:
    oversized = b"<response><money>1</money>" + b" " * MAX_BODY_BYTES + b"</response>"
    with pytest.raises(ResponseTooLargeError) as caught:
        decode_response(oversized)
    assert str(caught.value) == (
        "the response is larger than 1024 KiB and was refused without reading the rest; "
        "check that api_url points at the balance interface"
    )


def test_body_exactly_at_the_cap_is_still_decoded() -> None:
    head = b"<response><money>7</money>"
    tail = b"</response>"
    padded = head + b" " * (MAX_BODY_BYTES - len(head) - len(tail)) + tail
    assert len(padded) == MAX_BODY_BYTES
    assert decode_response(padded).money == Decimal("7")


def test_too_many_elements_is_refused_under_the_size_cap() -> None:
    many = b"<response><money>1</money>" + b"<x/>" * 20_000 + b"</response>"
    assert len(many) < MAX_BODY_BYTES
    with pytest.raises(ResponseFormatError) as caught:
        decode_response(many)
    assert "more than 10000 elements" in str(caught.value)


def namespaced(count: int, *, where: str = "root") -> bytes:
    declarations = " ".join(f'xmlns:p{n}="urn:p{n}"' for n in range(count))
    if where == "root":
        return f'<response {declarations}><money>10</money><sms area="Russia">5</sms></response>'.encode()
    # Spread one declaration per extra element: the cap counts the whole document.
    extras = "".join(f'<x{n} xmlns:q{n}="urn:q{n}"/>' for n in range(count))
    return f'<response><money>10</money>{extras}<sms area="Russia">5</sms></response>'.encode()


@pytest.mark.parametrize("where", ["root", "spread"])
def test_a_namespace_flood_is_refused_before_the_schema_sees_it(where: str, monkeypatch) -> None:
    # 16 000 declarations (under 1 MiB) cost xmlschema gigabytes: the schema must never be reached.
    monkeypatch.setattr(_codec, "_schema_decode", lambda body: pytest.fail("the schema read a namespace flood"))
    with pytest.raises(ResponseFormatError) as caught:
        decode_response(namespaced(16_000, where=where))
    assert str(caught.value) == (
        "the response declares more than 16 XML namespaces; a balance document declares none, and so many would "
        "cost the controller gigabytes to read, so it was refused"
    )


def test_a_few_namespace_declarations_are_still_read() -> None:
    assert decode_response(namespaced(16)).money == Decimal("10")
    assert decode_response(namespaced(16, where="spread")).areas[0].count == 5


def test_an_attribute_flood_is_refused() -> None:
    attributes = " ".join(f'a{n}="{n}"' for n in range(65))
    with pytest.raises(ResponseFormatError) as caught:
        decode_response(f'<response {attributes}><money>1</money></response>'.encode())
    assert str(caught.value) == (
        "an element of the response has more than 64 attributes; a balance document never does, so it was refused"
    )


@pytest.mark.parametrize("count", ["٥٥", "５５", "1_000", "٥"])
def test_counts_are_ascii_digits_only(count: str) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        decode_response(f'<response><money>10</money><sms area="Russia">{count}</sms></response>'.encode())
    assert str(caught.value).startswith("the response does not match the balance schema at /response/sms: invalid value")


@pytest.mark.parametrize("count, value", [("55", 55), (" +5 ", 5), ("-3", -3), ("007", 7)])
def test_ascii_counts_in_every_lexical_form_xsd_allows(count: str, value: int) -> None:
    decoded = decode_response(f'<response><money>10</money><sms area="Russia">{count}</sms></response>'.encode())
    assert decoded.areas[0].count == value


def test_deep_nesting_is_refused() -> None:
    deep = b"<response><money>1</money>" + b"<x>" * 100 + b"</x>" * 100 + b"</response>"
    with pytest.raises(ResponseFormatError) as caught:
        decode_response(deep)
    assert "nests deeper than 32 levels" in str(caught.value)


def test_limits_are_restored_for_other_xmlschema_users() -> None:
    limits = _codec.xmlschema.limits
    before = limits.MAX_XML_ELEMENTS, limits.MAX_XML_DEPTH
    decode_response(body("doc_balance.xml"))
    with pytest.raises(ResponseFormatError):
        decode_response(b"<response>" + b"<x>" * 100 + b"</x>" * 100 + b"</response>")
    assert (limits.MAX_XML_ELEMENTS, limits.MAX_XML_DEPTH) == before


def test_text_is_refused_as_input() -> None:
    with pytest.raises(TypeError):
        decode_response("<response><money>1</money></response>")  # type: ignore[arg-type]


def test_schema_is_built_once_per_process() -> None:
    assert balance_schema() is balance_schema()


# ---------------------------------------------------------------- request

TRICKY_PASSWORD = "S3c&<\"'>r"


def parse_request(document: bytes) -> ET.Element:
    return ET.fromstring(document)


def test_request_with_password_round_trips_exactly() -> None:
    document = encode_request(login="user@example", password=TRICKY_PASSWORD)
    root = parse_request(document)
    assert [(node.tag, node.get("value")) for node in root.iter()] == [
        ("request", None),
        ("security", None),
        ("login", "user@example"),
        ("password", TRICKY_PASSWORD),
    ]
    assert balance_schema().is_valid(io.BytesIO(document))


def test_request_is_one_line_of_utf8_with_declaration() -> None:
    document = encode_request(login="логин", password="line\nbreak\r\tand tab")
    assert document.startswith(b'<?xml version="1.0" encoding="utf-8"?><request><security>')
    assert b"\n" not in document and b"\r" not in document
    assert parse_request(document).find("security/password").get("value") == "line\nbreak\r\tand tab"
    assert parse_request(document).find("security/login").get("value") == "логин"


def test_token_request() -> None:
    document = encode_request(token=TRICKY_PASSWORD)
    assert document == (
        b'<?xml version="1.0" encoding="utf-8"?><request><security>'
        b'<token value="S3c&amp;&lt;&quot;\'&gt;r" /></security></request>'
    )


@pytest.mark.parametrize(
    "credentials, message",
    [
        ({"token": TRICKY_PASSWORD, "login": "u", "password": TRICKY_PASSWORD}, "give either token, or login together with password, not both"),
        ({"login": "u"}, "missing credentials: set password"),
        ({"password": TRICKY_PASSWORD}, "missing credentials: set login"),
        ({}, "missing credentials: set token, or login and password"),
        ({"login": "u", "password": ""}, "missing credentials: set password"),
        ({"login": "u", "password": "S3c\x01" + TRICKY_PASSWORD}, "password contains a control character that XML cannot carry"),
        ({"token": 12345}, "token must be a string"),
    ],
)
def test_bad_credentials_fail_without_echoing_them(credentials, message) -> None:
    with pytest.raises(CredentialsError) as caught:
        encode_request(**credentials)
    assert str(caught.value) == message
    assert TRICKY_PASSWORD not in str(caught.value)
    assert caught.value.__cause__ is None


def test_schema_encode_failure_never_carries_the_password() -> None:
    # The XSD itself rejects the document here (a login of 0 characters, which Credentials.of
    # would refuse, made directly): xmlschema's own error text would hold the password.
    with pytest.raises(CredentialsError) as caught:
        _codec.encode_request(BALANCE, Credentials(login="", password=TRICKY_PASSWORD))
    assert str(caught.value) == "the credentials could not be encoded into a request for the balance check"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_missing_xmlschema_says_what_to_install() -> None:
    import subprocess
    import sys

    from conftest import COLLECTIONS_ROOT

    script = (
        "import sys\n"
        "sys.modules['xmlschema'] = None  # makes 'import xmlschema' raise ImportError\n"
        f"sys.path.insert(0, {str(COLLECTIONS_ROOT)!r})\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils import _codec\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import MissingDependencyError\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._credentials import Credentials\n"
        "for call in (lambda: _codec.decode_response(BALANCE, b'<response/>'),\n"
        "             lambda: _codec.encode_request(BALANCE, Credentials(token='t'))):\n"
        "    try:\n"
        "        call()\n"
        "    except MissingDependencyError as exc:\n"
        "        print(exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    expected = (
        "webcom.mobi needs the Python library xmlschema on the Ansible controller: install it with "
        "'python3 -m pip install xmlschema' for the Python that runs ansible"
    )
    assert result.stdout.splitlines() == [expected, expected]


# --- the schema loads in a thread while the connection is made ------------------------------------------

def _loader_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "webcom.mobi schema"]


def test_the_schema_loads_in_its_own_thread_within_the_block_and_no_thread_outlives_it(monkeypatch) -> None:
    monkeypatch.setattr(_codec, "_schemas", {})
    with _codec.loading_in_background(BALANCE):
        seen_inside = _loader_threads()
        # What the transport does once connected: encoding waits for the thread's schema.
        request = _codec.encode_request(BALANCE, Credentials(token="t0k"))
    assert len(seen_inside) == 1
    assert _loader_threads() == [] and _codec._loading == {}
    assert request.endswith(b'<security><token value="t0k" /></security></request>')
    assert BALANCE.schema_file in _codec._schemas


def counting_loads(monkeypatch) -> list[str]:
    """The loader threads started from now on, by the name of the schema each was for."""
    started: list[str] = []
    real = _codec._load_quietly

    def counted(document) -> None:
        started.append(document.schema_file)
        real(document)

    monkeypatch.setattr(_codec, "_load_quietly", counted)
    return started


def test_fetches_in_threads_of_one_process_share_one_loader(monkeypatch) -> None:
    monkeypatch.setattr(_codec, "_schemas", {})
    started = counting_loads(monkeypatch)
    together = threading.Barrier(4)
    requests: list[bytes] = []

    def fetch_like() -> None:  # what each event source's fetch does, from its own thread
        together.wait()
        with _codec.loading_in_background(BALANCE):
            requests.append(_codec.encode_request(BALANCE, Credentials(token="t0k")))

    fetches = [threading.Thread(target=fetch_like) for _fetch in range(4)]
    for fetch in fetches:
        fetch.start()
    for fetch in fetches:
        fetch.join(30)
    assert started == [BALANCE.schema_file]
    assert len(requests) == 4 and len(set(requests)) == 1
    assert _loader_threads() == [] and _codec._loading == {}


def test_a_schema_loaded_already_starts_no_thread(monkeypatch) -> None:
    _codec.schema_for(BALANCE)
    started = counting_loads(monkeypatch)
    with _codec.loading_in_background(BALANCE):
        pass
    assert started == []


def test_without_a_thread_to_be_had_the_caller_loads_the_schema_itself(monkeypatch) -> None:
    monkeypatch.setattr(_codec, "_schemas", {})

    class NoThreads(threading.Thread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    monkeypatch.setattr(_codec.threading, "Thread", NoThreads)
    for _fetch in range(2):  # and the next fetch is not left waiting on a thread that never ran
        with _codec.loading_in_background(BALANCE):
            request = _codec.encode_request(BALANCE, Credentials(token="t0k"))
        assert request.endswith(b'<security><token value="t0k" /></security></request>')
        assert _codec._loading == {}


def test_the_block_waits_for_the_thread_even_when_nothing_asked_for_the_schema(monkeypatch) -> None:
    # A connection that failed: the block still ends with the thread done, and its schema kept.
    monkeypatch.setattr(_codec, "_schemas", {})
    with _codec.loading_in_background(BALANCE):
        pass
    assert _loader_threads() == []
    assert BALANCE.schema_file in _codec._schemas


def test_when_the_thread_fails_the_caller_meets_its_failure_without_loading_again(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(_codec, "_schemas", {})
    monkeypatch.setattr(_codec, "SCHEMAS", tmp_path)  # no XSD there: the thread's load fails
    with pytest.raises(FileNotFoundError) as caught:
        with _codec.loading_in_background(BALANCE):
            _codec.encode_request(BALANCE, Credentials(token="t0k"))
    assert caught.value is _codec._failures[BALANCE.schema_file]  # the thread's own, not a second attempt's
    assert _loader_threads() == []


def test_a_missing_library_is_reported_before_anything_is_sent() -> None:
    import subprocess
    import sys

    from conftest import COLLECTIONS_ROOT

    script = (
        "import socket, sys\n"
        "sys.modules['xmlschema'] = None  # makes 'import xmlschema' raise ImportError\n"
        f"sys.path.insert(0, {str(COLLECTIONS_ROOT)!r})\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._client import fetch\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import MissingDependencyError\n"
        "from ansible_collections.webcom.mobi.plugins.plugin_utils._options import connection_settings\n"
        "listener = socket.create_server(('127.0.0.1', 0))\n"
        "api_url = f'http://127.0.0.1:{listener.getsockname()[1]}/xml'\n"
        "try:\n"
        "    fetch(connection_settings({'api_url': api_url, 'token': 't', 'cache_ttl': 0}), BALANCE)\n"
        "except MissingDependencyError as exc:\n"
        "    print(type(exc).__name__)\n"
        "listener.settimeout(0.5)\n"
        "try:\n"
        "    listener.accept()\n"
        "    print('connected')\n"
        "except TimeoutError:\n"
        "    print('nothing sent')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["MissingDependencyError", "nothing sent"]
