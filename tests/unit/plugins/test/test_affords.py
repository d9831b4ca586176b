from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.webcom.mobi.plugins.test.affords import TestModule as AffordsTests
from ansible_collections.webcom.mobi.plugins.test.affords import affords

FACT = {"money": 10, "money_text": "10", "currency": None, "sms": {"A": 3, "B": 4}}


def test_test_is_registered_under_its_name() -> None:
    assert AffordsTests().tests() == {"affords": affords}


@pytest.mark.parametrize(
    "plan, expected",
    [({"A": 1, "B": 1}, True), ({"A": 2, "B": 2}, False), ({"A": 4}, False), ({}, True)],
    ids=["fits", "uncertain-is-false", "exceeds", "empty"],
)
def test_affords_is_a_real_bool_true_only_for_fits(plan, expected) -> None:
    result = affords({"ansible_facts": {"webcom_mobi_balance": FACT}}, plan)
    assert result is expected


def test_affords_errors_name_the_test() -> None:
    with pytest.raises(AnsibleFilterError) as caught:
        affords(FACT, {"A": -3})
    assert str(caught.value) == "webcom.mobi.affords: the plan's number of messages for 'A' must not be negative, got -3"
