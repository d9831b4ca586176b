# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._action import BalanceActionBase
from ansible_collections.webcom.mobi.plugins.plugin_utils._client import read
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import SENDERS
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._requirements import apply_requirements
from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import CONNECTION_OPTIONS, SENDER_OPTIONS
from ansible_collections.webcom.mobi.plugins.plugin_utils._senders import check_senders, shortfall_message


class ActionModule(BalanceActionBase):
    OPTIONS = {**CONNECTION_OPTIONS, **SENDER_OPTIONS}

    def answer(self, settings: ConnectionSettings, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        reading = read(settings, SENDERS, warnings.append)
        checks = check_senders(reading.result, params.get("require") or [])
        return apply_requirements({"senders": reading.to_model()}, checks, shortfall_message(checks), params, warnings)
