# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""The platform's documents this collection reads: one line each (see docs/contributing.md)."""

from __future__ import annotations

from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import Balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Document
from ansible_collections.webcom.mobi.plugins.plugin_utils._senders import Senders

BALANCE: Document[Balance] = Document(
    "balance", "balance.php", "balance.xsd", "the balance check", Balance.from_decoded, Balance.from_model
)
SENDERS: Document[Senders] = Document(
    "senders", "originator.php", "originator.xsd", "the sender list request", Senders.from_decoded, Senders.from_model
)
