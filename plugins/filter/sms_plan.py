# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: sms_plan
short_description: Judge whether a mix of SMS traffic fits one shared Webcom Mobi balance
version_added: 1.0.0
author:
  - webcom.mobi maintainers (@webcom-mobi)
description:
  - Takes a balance (from M(webcom.mobi.balance_info), M(webcom.mobi.balance_facts) or the
    P(webcom.mobi.balance#lookup) lookup) and a plan of messages per area, and reports whether the
    whole mix surely fits, surely does not, or cannot be told from the counts the platform gives.
  - The platform's per-area counts are not additive; each one is what the whole balance would buy in
    that area alone. Checking each area separately passes plans the account cannot carry, so this
    filter bounds every area's price from its count and sums the cost of the mix.
  - Unlimited areas cost nothing. An area with count V(0) affords nothing.
  - The reasoning, with worked examples, is in the collection's C(docs/capacity.md).
positional: plan
extends_documentation_fragment:
  - webcom.mobi.plan
seealso:
  - plugin: webcom.mobi.affords
    plugin_type: test
  - module: webcom.mobi.balance_info
"""

EXAMPLES = r"""
# example: needs webcom_mobi_api_url={api_url} webcom_mobi_token={token}
- name: Read the balance as a fact (the connection from webcom_mobi_* variables)
  webcom.mobi.balance_facts:

- name: Report how much of the balance a campaign needs
  ansible.builtin.debug:
    msg: "{{ ansible_facts['webcom_mobi_balance'] | webcom.mobi.sms_plan({'Russia': 500, 'Ukraine': 200}) }}"

- name: Stop unless the campaign surely fits
  ansible.builtin.assert:
    that: (ansible_facts['webcom_mobi_balance'] | webcom.mobi.sms_plan(campaign)).verdict == 'fits'
    fail_msg: "{{ (ansible_facts['webcom_mobi_balance'] | webcom.mobi.sms_plan(campaign)).msg }}"
  vars:
    campaign: {Russia: 500, Ukraine: 200}
"""

RETURN = r"""
_value:
  description: The report on the plan.
  type: dict
  contains:
    verdict:
      description:
        - V(fits) when the mix surely fits the balance, V(exceeds) when it surely does not,
          V(uncertain) when the counts cannot tell (the prices are only known to a rounding band).
      type: str
      sample: fits
    plan:
      description: The plan as evaluated (message counts as integers).
      type: dict
      sample: {Russia: 500, Ukraine: 200}
    share:
      description:
        - Bounds on the fraction of the balance the plan uses (V(1.0) is all of it), rounded outward
          to four places. RV(_value.share.high) is V(null) when unbounded (an area that affords
          nothing is used); both are V(null) when the money is not positive.
      type: dict
      sample: {low: 0.5, high: 0.6}
      contains:
        low:
          description: The least share of the balance the plan can use.
          type: float
        high:
          description: The greatest share of the balance the plan can use; V(null) when unbounded.
          type: float
    money_left:
      description:
        - Bounds on the money left after the plan, rounded outward; V(null) where unbounded.
      type: dict
      sample: {low: 40.0, high: 50.0}
      contains:
        low:
          description: The least money left after the plan; V(null) when unbounded.
          type: float
        high:
          description: The most money left after the plan; V(null) when unbounded.
          type: float
    sms_left:
      description:
        - Per area, the fewest SMS the balance can still buy after the plan (all prices at their
          highest); V(null) for unlimited areas, V(0) when the plan may use everything.
      type: dict
      sample: {Russia: 400, Ukraine: 200}
    msg:
      description: One sentence that says the verdict and the share of the balance used.
      type: str
      sample: "the plan surely fits: it uses 50% to 60% of the balance 1000"
"""

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import Balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._capacity import evaluate_plan
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError


def sms_plan(balance: Any, plan: Any) -> dict[str, Any]:
    try:
        return evaluate_plan(Balance.from_model(balance), plan).to_dict()
    except WebcomError as exc:
        raise AnsibleFilterError(f"webcom.mobi.sms_plan: {exc}") from None


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"sms_plan": sms_plan}
