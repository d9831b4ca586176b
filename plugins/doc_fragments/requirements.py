# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The requirements a balance check may enforce. The argument spec is derived from this text.
    DOCUMENTATION = r"""
options:
  min_money:
    description:
      - Fail if the money left is below this amount.
    type: float
  min_sms:
    description:
      - Area name to the fewest SMS that area must still be able to buy.
      - Each area is checked on its own; to check a mix of traffic against the shared balance use O(plan).
      - An area the balance does not list fails the task (whatever O(on_shortfall) says) and names the
        known areas.
    type: dict
  plan:
    description:
      - Messages you intend to send, as area name to a whole number of messages.
      - Met only when the whole mix surely fits the one shared balance. The per-area counts are not
        additive, so the price of each area is bounded from its count; a plan inside the rounding band
        is reported with RV(webcom.mobi.balance_info#module:requirements[].met=null) and counts as unmet.
        See P(webcom.mobi.sms_plan#filter).
      - An area the balance does not list fails the task and names the known areas.
    type: dict
  on_shortfall:
    description:
      - V(fail) fails the task when any requirement is unmet, listing all of them in one sentence.
      - V(warn) reports unmet requirements as warnings and lets the play go on.
    type: str
    choices: [fail, warn]
    default: fail
"""
