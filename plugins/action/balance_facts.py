# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._action import BalanceActionBase
from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import FACT_NAME
from ansible_collections.webcom.mobi.plugins.plugin_utils._client import read
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import CONNECTION_OPTIONS


class ActionModule(BalanceActionBase):
    OPTIONS = CONNECTION_OPTIONS

    def answer(self, settings: ConnectionSettings, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        return {"ansible_facts": {FACT_NAME: read(settings, BALANCE, warnings.append).to_model()}}
