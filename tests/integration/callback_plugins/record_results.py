# Test helper: records every task result as one JSON line, so tests assert on exact values.

from __future__ import annotations

import json
import os

from ansible.module_utils.common.json import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: record_results
type: aggregate
short_description: write each task result to the JSON-lines file named by RECORD_RESULTS_FILE
description: Test helper of the webcom.mobi collection.
requirements:
  - enabled in configuration
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, status: str, result) -> None:
        line = {
            "status": status,
            "host": result._host.get_name(),
            "task": result._task.get_name(),
            "result": result._result,
        }
        with open(os.environ["RECORD_RESULTS_FILE"], "a", encoding="utf-8") as stream:
            stream.write(json.dumps(line, cls=AnsibleJSONEncoder) + "\n")

    def v2_runner_on_ok(self, result) -> None:
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False) -> None:
        self._record("failed", result)

    def v2_runner_on_skipped(self, result) -> None:
        self._record("skipped", result)
