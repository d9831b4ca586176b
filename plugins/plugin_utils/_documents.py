# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""The platform's documents this collection reads: one line each (see docs/contributing.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import Balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Document

if TYPE_CHECKING:
    from ansible_collections.webcom.mobi.plugins.plugin_utils._senders import Senders


def _senders_decoded(data: Mapping[str, Any]) -> Senders:
    # Imported on use: every balance lookup's forked worker imports this module.
    from ansible_collections.webcom.mobi.plugins.plugin_utils._senders import Senders

    return Senders.from_decoded(data)


def _senders_model(value: Mapping[str, Any]) -> Senders:
    from ansible_collections.webcom.mobi.plugins.plugin_utils._senders import Senders

    return Senders.from_model(value)


BALANCE: Document[Balance] = Document(
    "balance", "balance.php", "balance.xsd", "the balance check", Balance.from_decoded, Balance.from_model
)
SENDERS: Document[Senders] = Document(
    "senders", "originator.php", "originator.xsd", "the sender list request", _senders_decoded, _senders_model
)
