# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the action plugin of the same name does the work, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: balance_info
short_description: Read a Webcom Mobi SMS account's balance and check it meets your requirements
version_added: 1.0.0
author:
  - webcom.mobi maintainers (@webcom-mobi)
description:
  - Asks the Webcom Mobi A2P platform (or a white-label host of the same engine) for the account's
    balance, that is the money left and, per destination area, how many SMS that money still buys.
  - Optionally checks requirements, namely a minimum of money, a minimum of SMS per area, and a O(plan) of
    messages per area that must surely fit the one shared balance. Unmet requirements fail the task,
    or only warn with O(on_shortfall=warn).
  - Always runs on the Ansible controller, never on the managed node, and never changes anything.
extends_documentation_fragment:
  - webcom.mobi.connection
  - webcom.mobi.connection.attributes
  - webcom.mobi.requirements
seealso:
  - module: webcom.mobi.balance_facts
  - plugin: webcom.mobi.balance
    plugin_type: lookup
  - plugin: webcom.mobi.sms_plan
    plugin_type: filter
  - plugin: webcom.mobi.affords
    plugin_type: test
"""

EXAMPLES = r"""
# example: needs webcom_mobi_api_url={api_url} webcom_mobi_token={token}
# The connection comes from variables webcom_mobi_api_url and webcom_mobi_token (or
# webcom_mobi_login with webcom_mobi_password), e.g. in group_vars: the lookup reads them too.
- name: Read the balance
  webcom.mobi.balance_info:
  register: account

- name: Show what is left
  ansible.builtin.debug:
    msg: "{{ account.balance.money_text }} left; Russia {{ account.balance.sms['Russia'] }} SMS"

- name: Fail the deployment unless the account can carry the campaign
  webcom.mobi.balance_info:
    min_money: 100
    min_sms:
      Russia: 500
    plan:
      Russia: 500
      Ukraine: 200

- name: Options for both modules at once (module_defaults never reaches the lookup)
  module_defaults:
    group/webcom.mobi.api:
      cache_ttl: 0
  block:
    - name: Warn when money runs low, without failing
      webcom.mobi.balance_info:
        min_money: 1000000
        on_shortfall: warn
"""

RETURN = r"""
balance:
  description: The balance the platform reported.
  returned: success
  type: dict
  contains:
    money:
      description: Money left (an int when whole). Can be negative on credit accounts.
      type: float
      sample: 10.5
    money_text:
      description: The money exactly as a decimal string, for exact arithmetic.
      type: str
      sample: "10.50"
    currency:
      description: Currency code the platform sent (V(RUR) is the legacy ruble code), or V(null).
      type: str
      sample: RUR
    sms:
      description:
        - Area to the number of SMS the whole balance buys there; V(null) means unlimited.
        - The counts are not additive across areas; see P(webcom.mobi.sms_plan#filter).
        - An area sent twice keeps its smaller count.
      type: dict
      sample: {Russia: 10, Ukraine: 5, Tele2: null}
    unlimited:
      description: Areas the platform reports as unlimited.
      type: list
      elements: str
      sample: [Tele2]
    areas:
      description: Every area line in the order sent, duplicates kept.
      type: list
      elements: dict
      sample: [{area: Russia, sms: 10, unlimited: false}]
    api_url:
      description: The O(api_url) asked; never carries credentials.
      type: str
      sample: http://lk.mysmpp.ru/xml
    fetched_at:
      description: When the platform answered, in UTC (ISO 8601).
      type: str
      sample: "2026-11-22T10:00:00Z"
    cached:
      description: V(true) when served from the cache (see O(cache_ttl)).
      type: bool
      sample: false
    age_s:
      description: Age of the balance in seconds (V(0) when fresh).
      type: int
      sample: 0
requirements:
  description: One entry per requirement checked, when any was given.
  returned: when O(min_money), O(min_sms) or O(plan) is given
  type: list
  elements: dict
  contains:
    name:
      description: V(min_money), V(min_sms[<area>]) or V(plan).
      type: str
      sample: min_sms[Russia]
    met:
      description: V(true), V(false), or V(null) when the counts cannot tell (a plan in the rounding band).
      type: bool
      sample: true
    need:
      description: What was required.
      type: raw
      sample: 500
    have:
      description: What the balance offers (for V(plan), the report of P(webcom.mobi.sms_plan#filter)).
      type: raw
      sample: 1000
    msg:
      description: One line that says how the requirement stands.
      type: str
      sample: "Russia has 1000 SMS, at least the 500 required"
"""
