# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The input and argument of the capacity filter and test.
    DOCUMENTATION = r"""
options:
  _input:
    description:
      - The balance model, a whole registered result of M(webcom.mobi.balance_info) or
        M(webcom.mobi.balance_facts), or C(ansible_facts['webcom_mobi_balance']).
    type: dict
    required: true
  plan:
    description:
      - Messages you intend to send, as area name to a whole number of messages.
      - An area the balance does not list is an error naming the known areas; a negative or
        fractional number of messages is an error.
    type: dict
    required: true
"""
