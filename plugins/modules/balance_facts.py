# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the action plugin of the same name does the work, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: balance_facts
short_description: Set a Webcom Mobi SMS account's balance as a fact
version_added: 1.0.0
author:
  - webcom.mobi maintainers (@webcom-mobi)
description:
  - Asks the Webcom Mobi A2P platform (or a white-label host of the same engine) for the account's
    balance and returns it as the fact C(webcom_mobi_balance), read in playbooks as
    C(ansible_facts['webcom_mobi_balance']).
  - Facts belong to a host. Every host of the play may run it, since within O(cache_ttl) seconds the platform is
    asked once per account, however many hosts there are; or run it in a play on C(localhost) when one
    balance serves the play.
  - Always runs on the Ansible controller, never on the managed node, and never changes anything.
  - To check requirements in the same task, use M(webcom.mobi.balance_info).
extends_documentation_fragment:
  - webcom.mobi.connection
  - webcom.mobi.connection.attributes
seealso:
  - module: webcom.mobi.balance_info
  - plugin: webcom.mobi.affords
    plugin_type: test
"""

EXAMPLES = r"""
# example: needs webcom_mobi_api_url={api_url} webcom_mobi_login={login} webcom_mobi_password={password}
# The connection comes from variables webcom_mobi_api_url and webcom_mobi_login with
# webcom_mobi_password (or webcom_mobi_token), e.g. in group_vars.
- name: Read the balance as a fact
  webcom.mobi.balance_facts:

- name: Assert the campaign surely fits the shared balance
  ansible.builtin.assert:
    that:
      - "ansible_facts['webcom_mobi_balance'] is webcom.mobi.affords({'Russia': 5, 'Ukraine': 2})"
      - ansible_facts['webcom_mobi_balance'].sms['Russia'] >= 5
"""

RETURN = r"""
ansible_facts:
  description: Facts to add to the host.
  returned: success
  type: dict
  contains:
    webcom_mobi_balance:
      description:
        - The balance model, as RV(webcom.mobi.balance_info#module:balance) describes it (money,
          money_text, currency, sms, unlimited, areas, api_url, fetched_at, cached, age_s).
      type: dict
      sample:
        money: 10
        money_text: "10"
        currency: null
        sms: {Russia: 10, Ukraine: 5}
        unlimited: []
        areas: [{area: Russia, sms: 10, unlimited: false}, {area: Ukraine, sms: 5, unlimited: false}]
        api_url: http://lk.mysmpp.ru/xml
        fetched_at: "2026-11-22T10:00:00Z"
        cached: false
        age_s: 0
"""
