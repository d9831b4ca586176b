# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._action import BalanceActionBase
from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import Balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._client import current_balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import CONNECTION_OPTIONS, REQUIREMENT_OPTIONS
from ansible_collections.webcom.mobi.plugins.plugin_utils._requirements import (
    check_requirement_values,
    check_requirements,
    shortfall_message,
)


class ActionModule(BalanceActionBase):
    OPTIONS = {**CONNECTION_OPTIONS, **REQUIREMENT_OPTIONS}

    def answer(self, settings: ConnectionSettings, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        check_requirement_values(params)  # bad numbers fail before anything is sent
        model = current_balance(settings, warnings.append)
        result: dict[str, Any] = {"balance": model}
        checks = check_requirements(Balance.from_model(model), params)
        if not checks:
            return result
        result["requirements"] = checks
        shortfall = shortfall_message(checks)
        if shortfall and params["on_shortfall"] == "fail":
            result.update(failed=True, msg=shortfall)
        else:
            warnings.extend(check["msg"] for check in checks if check["met"] is not True)
        return result
