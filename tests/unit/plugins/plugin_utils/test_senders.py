"""The sender list: its XSD against the page's own example and every quirk the page leaves open,
the typed result and its model, and the requirement check of sender_info."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.webcom.mobi.plugins.plugin_utils import _codec
from ansible_collections.webcom.mobi.plugins.plugin_utils._credentials import Credentials
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE, SENDERS
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import PlatformError, ResponseFormatError
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Reading
from ansible_collections.webcom.mobi.plugins.plugin_utils._senders import (
    SenderName,
    Senders,
    SendersInputError,
    check_senders,
    shortfall_message,
)

FIXTURES = Path(__file__).resolve().parents[3] / "unit" / "fixtures" / "senders"


def senders(name: str) -> Senders:
    return _codec.decode_response(SENDERS, (FIXTURES / name).read_bytes())


def test_the_pages_own_example_decodes_with_its_placeholders() -> None:
    decoded = senders("doc_example.xml")
    assert decoded == Senders(any_sender=False, names=(SenderName(
        name="Sender", state="rejected", operator="operator", mcc="MCC", mnc="MNC",
        template="template", comment="comment", history="comment"),))
    assert decoded.usable == []


def test_the_contracts_example_is_the_contracts_model() -> None:
    model = Reading(senders("contract_example.xml"), api_url="http://lk.mysmpp.ru/xml", fetched_at="2026-11-22T10:00:00Z").to_model()
    assert model == {
        "any_sender": False,
        "names": [{"name": "MyShop", "state": "completed", "usable": True, "operator": "MTS", "mcc": "250",
                   "mnc": "01", "template": "", "comment": "", "history": ""}],
        "usable": ["MyShop"],
        "api_url": "http://lk.mysmpp.ru/xml",
        "fetched_at": "2026-11-22T10:00:00Z",
        "cached": False,
        "age_s": 0,
    }


def test_every_state_missing_and_empty_attributes_and_a_name_per_operator() -> None:
    decoded = senders("every_state.xml")
    assert [(entry.name, entry.state) for entry in decoded.names] == [
        ("MyShop", "completed"), ("MyShopPromo", "order"), ("Shop-Old", "rejected"), ("Paused", "suspended"),
        ("NoState", None), ("EmptyState", ""), ("MyShop", "order"),
    ]
    assert decoded.names[1].mcc is None and decoded.names[5].comment == ""
    assert decoded.usable == ["MyShop"]  # once, though listed twice; an unknown state is never usable
    model = decoded.to_model()
    assert [entry["usable"] for entry in model["names"]] == [True, False, False, False, False, False, False]


@pytest.mark.parametrize(
    "name, any_sender, names",
    [
        ("any_true_no_list.xml", True, []),
        ("any_true_lower_with_list.xml", True, ["Pending"]),
        ("empty_list.xml", False, []),
        ("missing_list.xml", False, []),
        ("extras_everywhere.xml", False, ["MyShop"]),
    ],
)
def test_what_the_page_leaves_open_is_read_both_ways(name: str, any_sender: bool, names: list[str]) -> None:
    decoded = senders(name)
    assert decoded.any_sender is any_sender
    assert [entry.name for entry in decoded.names] == names
    if any_sender:
        assert decoded.usable == [] and all(entry["usable"] for entry in decoded.to_model()["names"])


def test_the_platforms_error_is_the_same_as_for_the_balance() -> None:
    with pytest.raises(PlatformError) as caught:
        senders("error_auth.xml")
    assert caught.value.kind == "auth"
    assert str(caught.value).startswith('the platform refused the sender list request: "Incorrect login or password"')


INVALID = {
    "invalid_no_flag.xml": "at /response: Unexpected child with tag 'list_originator' at position 1.",
    "invalid_flag_word.xml": "at /response/any_originator: value doesn't match any pattern of",
    "invalid_two_flags.xml": "at /response: Unexpected child with tag 'any_originator' at position 2.",
    "invalid_flag_after_error.xml": "at /response: Unexpected child with tag 'any_originator' at position 2.",
    "invalid_empty_name.xml": "at /response/list_originator/originator: value length cannot be lesser than 1",
    "invalid_two_lists.xml": "at /response: Unexpected child with tag 'list_originator' at position 3.",
    "invalid_wrong_root.xml": "at /senders: 'senders' is not an element of the schema",
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_wrong_documents_are_rejected_with_path_and_reason(name: str) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        senders(name)
    assert str(caught.value).startswith("the response does not match the senders schema " + INVALID[name])


def test_a_balance_is_not_a_sender_list() -> None:
    with pytest.raises(ResponseFormatError):
        _codec.decode_response(SENDERS, b"<response><money>10</money></response>")
    with pytest.raises(ResponseFormatError):
        _codec.decode_response(BALANCE, (FIXTURES / "contract_example.xml").read_bytes())


def test_the_request_is_the_balance_checks_and_valid_against_this_xsd() -> None:
    credentials = Credentials.of(login="shop", password="S3c&<\"'>r")
    request = _codec.encode_request(SENDERS, credentials)
    assert request == _codec.encode_request(BALANCE, credentials)
    import io

    assert _codec.schema_for(SENDERS).is_valid(io.BytesIO(request))


# ---------------------------------------------------------------- the model read back (the cache)

def test_the_model_reads_back_to_the_same_list() -> None:
    decoded = senders("every_state.xml")
    assert Senders.from_model(decoded.to_model()) == decoded
    assert Senders.from_model({"senders": decoded.to_model()}) == decoded  # a whole sender_info result


@pytest.mark.parametrize("value", [None, [], {}, {"any_sender": "no", "names": []}, {"any_sender": False, "names": [{"state": "x"}]}])
def test_what_is_not_a_sender_model_is_refused(value) -> None:
    with pytest.raises(SendersInputError):
        Senders.from_model(value)


# ---------------------------------------------------------------- requirements

def test_each_required_name_says_why_it_is_not_usable() -> None:
    checks = check_senders(senders("every_state.xml"), ["MyShop", "MyShopPromo", "Shop-Old", "Paused", "NoState", "myshop", "Other"])
    assert [(check["need"], check["have"], check["met"]) for check in checks] == [
        ("MyShop", "completed", True), ("MyShopPromo", "order", False), ("Shop-Old", "rejected", False),
        ("Paused", "suspended", False), ("NoState", None, False), ("myshop", None, False), ("Other", None, False),
    ]
    assert all(check["name"] == "sender" for check in checks)
    assert [check["msg"] for check in checks] == [
        "sender 'MyShop' is approved",
        "sender 'MyShopPromo' is still under review, not usable until approved",
        "sender 'Shop-Old' is rejected, not usable until approved",
        "sender 'Paused' is in state 'suspended', not usable until approved",
        "sender 'NoState' is without a state, not usable until approved",
        "sender 'myshop' is not on the account's list (did you mean 'MyShop'? names match exactly)",
        "sender 'Other' is not on the account's list",
    ]
    assert shortfall_message(checks) == "sender names not usable: " + "; ".join(check["msg"] for check in checks[1:])


def test_any_sender_makes_every_name_usable() -> None:
    checks = check_senders(senders("any_true_no_list.xml"), ["Anything"])
    assert checks == [{"name": "sender", "need": "Anything", "have": None, "met": True,
                       "msg": "sender 'Anything' may be used: the account may send under any sender name"}]
    assert shortfall_message(checks) == ""


def test_a_spaced_variant_is_named_as_the_closest() -> None:
    checks = check_senders(Senders(False, (SenderName("My Shop", "completed"),)), ["MyShop"])
    assert checks[0]["msg"] == "sender 'MyShop' is not on the account's list (did you mean 'My Shop'? names match exactly)"
