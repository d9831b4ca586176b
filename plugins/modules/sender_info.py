# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Documentation only: the action plugin of the same name does the work, on the controller.

from __future__ import annotations

DOCUMENTATION = r"""
module: sender_info
short_description: List a Webcom Mobi SMS account's sender names and check the campaign's are approved
version_added: 1.1.0
author:
  - webcom.mobi maintainers (@webcom-mobi)
description:
  - Asks the Webcom Mobi A2P platform (or a white-label host of the same engine) for the account's
    sender names (the platform calls them originators) and the state of each.
  - The platform sends only under names in state C(completed), unless the account may use any name.
    With O(require), the task fails (or warns, O(on_shortfall=warn)) unless every name given is usable,
    saying in one line why each one is not (still under review, rejected, or not on the account's list).
  - Names match exactly, since sender IDs are case-sensitive on the networks; a name that differs from a
    listed one only in case or spaces is named in the message.
  - Always runs on the Ansible controller, never on the managed node, and never changes anything.
    Answers are cached like the balance (O(cache_ttl)), in an entry of their own.
extends_documentation_fragment:
  - webcom.mobi.connection
  - webcom.mobi.connection.attributes
options:
  require:
    description:
      - Sender names the campaign will use; each must be usable on the account.
    type: list
    elements: str
  on_shortfall:
    description:
      - V(fail) fails the task when any required name is not usable, listing all of them in one sentence.
      - V(warn) reports them as warnings and lets the play go on.
    type: str
    choices: [fail, warn]
    default: fail
seealso:
  - module: webcom.mobi.balance_info
"""

EXAMPLES = r"""
# example: needs webcom_mobi_api_url={api_url} webcom_mobi_token={token}
# The connection comes from variables webcom_mobi_api_url and webcom_mobi_token, e.g. in group_vars.
- name: The campaign's sender name is approved for the account
  webcom.mobi.sender_info:
    require: [MyShop]

- name: List the account's sender names, only warning about one still under review
  webcom.mobi.sender_info:
    require: [MyShop, MyShopPromo]
    on_shortfall: warn
  register: account_senders

- name: Show which names may be used
  ansible.builtin.debug:
    msg: "usable: {{ account_senders.senders.usable | join(', ') }}"
"""

RETURN = r"""
senders:
  description: The account's sender names as the platform lists them.
  returned: success
  type: dict
  contains:
    any_sender:
      description: V(true) when the account may send under any sender name (the platform's C(any_originator)).
      type: bool
      sample: false
    names:
      description:
        - Every name in the order sent, one entry per line (a name approved for several operators is listed
          once per operator). An attribute the platform leaves out is V(null).
        - C(usable) is V(true) for a name in state C(completed), or for every name when RV(senders.any_sender) is true.
        - A state the collection does not know is reported as sent and is not usable.
      type: list
      elements: dict
      sample:
        - {name: MyShop, state: completed, usable: true, operator: MTS, mcc: "250", mnc: "01",
           template: "", comment: "", history: ""}
    usable:
      description: Every usable name, once each (empty when RV(senders.any_sender) is true, since any name is).
      type: list
      elements: str
      sample: [MyShop]
    api_url:
      description: Where the list was read, as in RV(webcom.mobi.balance_info#module:balance.api_url).
      type: str
      sample: https://my3.webcom.mobi/xml
    fetched_at:
      description: When the platform sent this list (UTC, ISO 8601); older than now when RV(senders.cached) is true.
      type: str
      sample: "2026-11-22T10:00:00Z"
    cached:
      description: Whether the list came from the cache of O(cache_ttl) seconds instead of the platform.
      type: bool
      sample: true
    age_s:
      description: Seconds since RV(senders.fetched_at) when served from the cache, else V(0).
      type: int
      sample: 12
requirements:
  description: One entry per name in O(require).
  returned: when O(require) is given
  type: list
  elements: dict
  contains:
    name:
      description: Always V(sender).
      type: str
      sample: sender
    need:
      description: The sender name required.
      type: str
      sample: MyShop
    have:
      description: Its state on the account (V(completed) when any of its lines is), or V(null) when it is not listed.
      type: str
      sample: completed
    met:
      description: V(true) when the name is usable.
      type: bool
      sample: true
    msg:
      description: One line that says whether the name may be used, and why not.
      type: str
      sample: "sender 'MyShop' is approved"
"""
