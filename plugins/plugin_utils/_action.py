# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""What every webcom.mobi action plugin does around its own answer.

Action plugins get no automatic no_log masking, so this base masks the secrets in every
message it returns. It masks only text (messages, warnings, tracebacks), never the
balance figures: a password "10" must not turn money 10 into asterisks.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from ansible.plugins.action import ActionBase

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError, one_line
from ansible_collections.webcom.mobi.plugins.plugin_utils._masking import (
    MESSAGE_LIMIT,
    masked_messages,
    redact,
    terminal_safe,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import PLAIN_HTTP_WARNING, ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import Option, configure, given_secrets


class BalanceActionBase(ActionBase):
    """Resolve the task's options, call ``answer``, and mask secrets in what comes back."""

    _requires_connection = False  # ansible-core >= 2.16: never connect to the target host
    _supports_check_mode = True
    _supports_async = False

    OPTIONS: Mapping[str, Option] = {}

    def answer(self, settings: ConnectionSettings, params: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        result["changed"] = False
        warnings: list[str] = []
        args = dict(self._task.args)
        secrets = given_secrets(args)
        try:
            configured = configure(
                self._task.action,
                self.OPTIONS,
                args,
                task_vars,
                given_where="the task (or module_defaults)",
                template=self._templar.template,
            )
            secrets.extend(configured.secrets)
            if configured.settings.plain_http:
                warnings.append(PLAIN_HTTP_WARNING)
            result.update(self.answer(configured.settings, configured.values, warnings))
        except WebcomError as exc:
            result.update(failed=True, msg=str(exc))
        except Exception as exc:  # a bug of ours: say so, with the traceback Ansible shows at -vvv
            result.update(
                failed=True,
                msg=f"unexpected {type(exc).__name__} in {self._task.action}: {one_line(str(exc), 300)}",
                exception=traceback.format_exc(),
            )
        if warnings:
            result["warnings"] = result.get("warnings", []) + warnings
        return _masked(result, secrets)


def _masked(result: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    """Secrets masked in every message, and no message carries a terminal control from the server.

    Messages are the ``msg`` keys at any depth (a requirement's line, a plan report's), the
    warnings and a traceback; data (balances, sender lists) is never touched.
    """
    if isinstance(result.get("exception"), str):  # shown at -vvv: masked, and no control characters
        lines = redact(result["exception"], secrets).splitlines()
        result["exception"] = "\n".join(one_line(line, MESSAGE_LIMIT) for line in lines)
    if "warnings" in result:
        result["warnings"] = [terminal_safe(str(warning), secrets) for warning in result["warnings"]]
    return masked_messages(result, secrets)
