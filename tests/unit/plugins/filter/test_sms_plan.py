from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.webcom.mobi.plugins.filter.sms_plan import FilterModule, sms_plan

FACT = {"money": 10, "money_text": "10", "currency": None, "sms": {"Russia": 10, "Ukraine": 5}}


def test_filter_is_registered_under_its_name() -> None:
    assert FilterModule().filters() == {"sms_plan": sms_plan}


def test_filter_reports_on_the_whole_balance_info_result() -> None:
    report = sms_plan({"changed": False, "balance": FACT}, {"Russia": 8, "Ukraine": 2})
    assert report["verdict"] == "exceeds"
    assert report["plan"] == {"Russia": 8, "Ukraine": 2}


def test_filter_errors_are_ansible_filter_errors_naming_the_filter() -> None:
    with pytest.raises(AnsibleFilterError) as caught:
        sms_plan(FACT, {"Belarus": 1})
    assert str(caught.value) == "webcom.mobi.sms_plan: area 'Belarus' is not in the balance; known areas: Russia, Ukraine"
