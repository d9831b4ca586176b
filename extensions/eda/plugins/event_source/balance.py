# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""webcom.mobi.balance: an Event-Driven Ansible event source that watches a Webcom Mobi account.

It checks the balance every ``interval`` seconds through the collection's own option
resolver, client, codec, requirement checks and masking (the same code the modules run),
and puts an event on the queue once at start and then only when the state changes:
``ok`` (every requirement met), ``low`` (one unmet or uncertain) or ``error`` (the check
failed). Every event carries a spend forecast. See docs/monitoring.md.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

DOCUMENTATION = r"""
---
short_description: Watch a Webcom Mobi SMS account and report when its state changes
description:
  - Checks the balance every O(interval) seconds and emits an event at start and whenever the state
    changes between V(ok), V(low) and V(error), never a duplicate while the state holds.
  - Each event is C({"webcom_mobi": {"state", "previous", "balance", "requirements", "forecast", "msg"}}).
  - Options come from the source's arguments, then the E(WEBCOM_*) environment variables, then the
    C([webcom_mobi]) section of C(ansible.cfg), then the default. An unknown argument, a bad value or
    missing credentials emit one V(error) event and stop the source (the activation fails).
options:
  interval:
    description: Seconds between checks; any positive number.
    type: float
    default: 300
  cache_ttl:
    description: As for the modules, but V(0) by default here, so that every check asks the platform.
    type: int
    default: 0
  api_url: {description: See the connection options of M(webcom.mobi.balance_info)., type: str}
  login: {description: See M(webcom.mobi.balance_info)., type: str}
  password: {description: See M(webcom.mobi.balance_info)., type: str}
  token: {description: See M(webcom.mobi.balance_info)., type: str}
  validate_certs: {description: See M(webcom.mobi.balance_info)., type: bool, default: true}
  ca_path: {description: See M(webcom.mobi.balance_info)., type: path}
  proxy: {description: See M(webcom.mobi.balance_info)., type: str}
  timeout: {description: See M(webcom.mobi.balance_info)., type: float, default: 10}
  retries: {description: See M(webcom.mobi.balance_info)., type: int, default: 3}
  min_money: {description: The state is V(low) while the money is below it., type: float}
  min_sms: {description: Area to fewest SMS; V(low) while any named area has fewer., type: dict}
  plan: {description: Area to messages; V(low) unless the mix surely fits the balance., type: dict}
"""

EXAMPLES = r"""
- name: Watch the SMS account
  hosts: localhost
  sources:
    - webcom.mobi.balance:
        api_url: "{{ webcom_mobi_api_url }}"
        token: "{{ webcom_mobi_token }}"
        interval: 300
        min_money: 500
  rules:
    - name: Running low
      condition: event.webcom_mobi.state == "low"
      action:
        run_playbook:
          name: notify_low_balance.yml
"""


def _make_collection_importable() -> None:
    """Put this collection's root on sys.path when ansible-rulebook did not.

    ansible-rulebook runs a source file with runpy.run_path and adds no collection path, so
    ``ansible_collections.webcom.mobi`` imports only work once the directory holding
    ``ansible_collections/`` (found from this file's own path) is importable.
    """
    try:
        import ansible_collections.webcom.mobi.plugins.plugin_utils._resolver  # noqa: F401
        return
    except ImportError:
        pass
    here = os.path.abspath(__file__)
    parts = here.split(os.sep)
    # <root>/ansible_collections/webcom/mobi/extensions/eda/plugins/event_source/balance.py
    if len(parts) >= 9 and parts[-8:-5] == ["ansible_collections", "webcom", "mobi"]:
        sys.path.insert(0, os.sep.join(parts[:-8]) or os.sep)


_make_collection_importable()

from ansible_collections.webcom.mobi.extensions.eda.plugins.event_source._forecast import (  # noqa: E402
    Observation,
    SpendHistory,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._client import read  # noqa: E402
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE  # noqa: E402
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError, named  # noqa: E402
from ansible_collections.webcom.mobi.plugins.plugin_utils._masking import masked_messages, redact, terminal_safe  # noqa: E402
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import (  # noqa: E402
    PLAIN_HTTP_WARNING,
    ConnectionSettings,
    OptionsError,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._requirements import (  # noqa: E402
    check_requirement_values,
    check_requirements,
    shortfall_message,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import (  # noqa: E402
    CONNECTION_OPTIONS,
    REQUIREMENT_OPTIONS,
    Option,
    configure,
    given_secrets,
)

NAME = "webcom.mobi.balance"
OK, LOW, ERROR = "ok", "low", "error"
DEFAULT_INTERVAL = 300.0
# Added by ansible-rulebook itself to every source's arguments; not the user's.
RULEBOOK_ARGUMENTS = ("eda_feedback_queue",)
OPTIONS: dict[str, Option] = {
    **CONNECTION_OPTIONS,
    # The watcher paces itself: every check asks the platform unless the user shares answers.
    "cache_ttl": CONNECTION_OPTIONS["cache_ttl"].replaced(default=0),
    # on_shortfall decides a task's failure; a watcher reports a shortfall as the state "low".
    **{name: option for name, option in REQUIREMENT_OPTIONS.items() if name != "on_shortfall"},
    "interval": Option(name="interval", type="float", default=DEFAULT_INTERVAL),
}

logger = logging.getLogger(NAME)


class SourceArgumentError(Exception):
    """The source's arguments cannot work; the source stops (the activation fails) with this one line."""


@dataclass(repr=False)  # it holds the secrets: its repr is the one below
class Watcher:
    """One account, its requirements, and what the checks so far have seen."""

    settings: ConnectionSettings
    requirements: dict[str, Any]
    interval: float
    secrets: tuple[str, ...]
    history: SpendHistory = field(default_factory=SpendHistory)
    last_fetched_at: str | None = None

    def __repr__(self) -> str:
        # Never let a debugger, a log line or a traceback print the secrets.
        return f"Watcher(settings={self.settings!r}, interval={self.interval!r}, secrets=<hidden>)"

    async def check(self) -> dict[str, Any]:
        """One check as the body of an event (``previous`` is the caller's)."""
        try:
            # The transport blocks (with its own deadline): keep it off the event loop.
            reading = await asyncio.to_thread(read, self.settings, BALANCE, self._warn)
            checks = check_requirements(reading.result, self.requirements)
            model = reading.to_model()
        except WebcomError as exc:
            return self._event(ERROR, None, [], str(exc))
        except Exception as exc:  # a bug of ours: report it as the state error, keep watching
            logger.debug("%s: %s", NAME, redact(traceback.format_exc(), self.secrets))
            return self._event(ERROR, None, [], f"unexpected {type(exc).__name__}: {exc}")
        self._observe(model)
        unmet = shortfall_message(checks)
        return self._event(LOW if unmet else OK, model, checks, unmet or self._summary(model, checks))

    def _observe(self, model: dict[str, Any]) -> None:
        if model.get("cached") and model.get("fetched_at") == self.last_fetched_at:
            return  # the same answer again, from the cache
        self.last_fetched_at = model.get("fetched_at")
        answered_at = time.time() - (float(model.get("age_s") or 0) if model.get("cached") else 0.0)
        self.history.add(Observation(at=answered_at, money=float(model["money_text"]), sms=dict(model["sms"])))

    def _event(self, state: str, model: dict[str, Any] | None, checks: list[dict[str, Any]], msg: str) -> dict[str, Any]:
        forecast = self.history.forecast(self.requirements)
        if forecast is not None and state != ERROR:
            runs_out = forecast["money_runs_out"]
            msg += f"; spending {forecast['spend_per_hour']:g}/h, the money runs out in {runs_out['in_hours']:g} h"
        event = {"state": state, "balance": model, "requirements": checks, "forecast": forecast, "msg": msg}
        return masked_messages(event, self.secrets)

    @staticmethod
    def _summary(model: dict[str, Any], checks: list[dict[str, Any]]) -> str:
        currency = f" {model['currency']}" if model.get("currency") else ""
        met = "every requirement met" if checks else "no requirement given"
        return f"money {model['money_text']}{currency}; {met}"

    def _warn(self, message: str) -> None:
        logger.warning("%s", terminal_safe(message, self.secrets))


def watcher_from(args: dict[str, Any]) -> Watcher:
    """The watcher for the rulebook's arguments; OptionsError (one line) for any mistake."""
    given = {name: value for name, value in args.items() if name not in RULEBOOK_ARGUMENTS}
    configured = configure(NAME, OPTIONS, given, {}, given_where="the source's arguments in the rulebook")
    values = configured.values
    interval = values["interval"]
    if not (isinstance(interval, float) and math.isfinite(interval) and interval > 0):
        raise OptionsError(f"{NAME}: interval must be a positive number of seconds, got {interval}")
    requirements = {name: values.get(name) for name in ("min_money", "min_sms", "plan")}
    check_requirement_values(requirements)
    return Watcher(configured.settings, requirements, interval, configured.secrets)


async def main(queue: asyncio.Queue, args: dict[str, Any]) -> None:
    """ansible-rulebook's entry point: check, emit on a change of state, sleep; until cancelled."""
    secrets = given_secrets(args)
    try:
        watcher = watcher_from(args)
    except WebcomError as exc:
        # A watcher that silently does nothing is the worst outcome: say it as an event the rules
        # can alert on, and stop the source so the activation fails where an operator looks.
        message = terminal_safe(named(NAME, exc), secrets)
        await queue.put({"webcom_mobi": {"state": ERROR, "previous": None, "balance": None, "requirements": [],
                                         "forecast": None, "msg": message}})
        logger.error("%s", message)
        # ansible-rulebook queues its shutdown behind this event, so the rules still see it.
        raise SourceArgumentError(message) from None
    if watcher.settings.plain_http:
        logger.warning("%s", PLAIN_HTTP_WARNING)
    await watch(queue, watcher)


async def watch(queue: asyncio.Queue, watcher: Watcher) -> None:
    loop = asyncio.get_running_loop()
    state: str | None = None
    next_check = loop.time()
    try:
        while True:
            event = await watcher.check()
            if event["state"] != state:
                event = {"state": event["state"], "previous": state, **event}
                await queue.put({"webcom_mobi": event})
                logger.info("%s: %s -> %s: %s", NAME, state, event["state"], event["msg"])
                state = event["state"]
            # Checks keep to the interval's grid; one that overran skips the slots it missed.
            next_check += watcher.interval
            now = loop.time()
            if next_check < now:
                next_check += ((now - next_check) // watcher.interval + 1) * watcher.interval
            await asyncio.sleep(next_check - now)
    except asyncio.CancelledError:
        logger.info("%s: stopped", NAME)
        raise


if __name__ == "__main__":
    # A quick look without a rulebook: WEBCOM_* in the environment, e.g.
    #   WEBCOM_API_URL=http://127.0.0.1:8080/xml WEBCOM_TOKEN=... python balance.py
    class _PrintingQueue:
        async def put(self, event: dict[str, Any]) -> None:
            print(event, flush=True)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintingQueue(), {"interval": 10}))  # type: ignore[arg-type]
