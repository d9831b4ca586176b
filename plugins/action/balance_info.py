# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._action import BalanceActionBase
from ansible_collections.webcom.mobi.plugins.plugin_utils._client import read
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._requirements import (
    apply_requirements,
    check_requirement_values,
    check_requirements,
    shortfall_message,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import CONNECTION_OPTIONS, REQUIREMENT_OPTIONS


class ActionModule(BalanceActionBase):
    OPTIONS = {**CONNECTION_OPTIONS, **REQUIREMENT_OPTIONS}

    def answer(self, settings: ConnectionSettings, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        check_requirement_values(params)  # bad numbers fail before anything is sent
        reading = read(settings, BALANCE, warnings.append)
        checks = check_requirements(reading.result, params)
        return apply_requirements({"balance": reading.to_model()}, checks, shortfall_message(checks), params, warnings)
