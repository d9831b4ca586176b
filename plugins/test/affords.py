# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: affords
short_description: Test whether a Webcom Mobi balance surely carries a mix of SMS traffic
version_added: 1.0.0
author:
  - webcom.mobi maintainers (@webcom-mobi)
description:
  - True only when the whole plan surely fits the one shared balance, the same judgement as the
    P(webcom.mobi.sms_plan#filter) filter's V(fits) verdict. An V(uncertain) or V(exceeds) plan
    is false.
  - The platform's per-area counts are not additive, so checking each area on its own is not enough;
    see the collection's C(docs/capacity.md).
positional: plan
extends_documentation_fragment:
  - webcom.mobi.plan
seealso:
  - plugin: webcom.mobi.sms_plan
    plugin_type: filter
"""

EXAMPLES = r"""
# example: needs webcom_mobi_api_url={api_url} webcom_mobi_token={token}
- name: Read the balance as a fact (the connection from webcom_mobi_* variables)
  webcom.mobi.balance_facts:

- name: Refuse to start a campaign the account cannot surely carry
  ansible.builtin.assert:
    that:
      - "ansible_facts['webcom_mobi_balance'] is webcom.mobi.affords({'Russia': 500, 'Ukraine': 200})"
    fail_msg: Top up the account before sending this campaign.
"""

RETURN = r"""
_value:
  description: V(true) when the plan surely fits, V(false) otherwise.
  type: bool
"""

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import Balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._capacity import FITS, evaluate_plan
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError


def affords(balance: Any, plan: Any) -> bool:
    try:
        return evaluate_plan(Balance.from_model(balance), plan).verdict == FITS
    except WebcomError as exc:
        raise AnsibleFilterError(f"webcom.mobi.affords: {exc}") from None


class TestModule:
    def tests(self) -> dict[str, Any]:
        return {"affords": affords}
