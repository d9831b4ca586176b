# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: balance
short_description: Read a Webcom Mobi SMS account's balance, or its SMS count for some areas
version_added: 1.0.0
author:
  - webcom.mobi maintainers (@webcom-mobi)
description:
  - With no terms, returns the balance model (money, money_text, currency, sms, unlimited, areas,
    api_url, fetched_at, cached, age_s) as M(webcom.mobi.balance_info) returns it in RV(webcom.mobi.balance_info#module:balance).
  - With area names as terms, returns the SMS count of each area in order (V(null) for unlimited).
    An area the balance does not list is an error that names the known areas.
  - Options come from the lookup call, variables C(webcom_mobi_<option>), E(WEBCOM_*) environment
    variables, or the C([webcom_mobi]) section of C(ansible.cfg). An unknown option is an error.
  - A lookup runs again wherever a template refers to it, for every host and loop item; within
    O(cache_ttl) seconds those runs are answered from the cache, so the platform is asked once per account.
extends_documentation_fragment:
  - webcom.mobi.connection
  - webcom.mobi.connection.plugins
options:
  _terms:
    description: Area names whose SMS counts to return; none for the whole balance.
    type: list
    elements: str
    required: false
seealso:
  - module: webcom.mobi.balance_info
"""

EXAMPLES = r"""
# example: needs webcom_mobi_api_url={api_url} webcom_mobi_token={token}
# The connection comes from variables webcom_mobi_api_url and webcom_mobi_token (or
# webcom_mobi_login with webcom_mobi_password), e.g. in group_vars. module_defaults never
# reaches a lookup.
- name: Show the money left
  ansible.builtin.debug:
    msg: "{{ lookup('webcom.mobi.balance').money_text }} left"

- name: SMS left for Russia, with an option given in the call itself
  ansible.builtin.debug:
    msg: "{{ lookup('webcom.mobi.balance', 'Russia', cache_ttl=0) }} SMS left for Russia"

- name: Several areas at once, in order
  ansible.builtin.debug:
    msg: "{{ query('webcom.mobi.balance', 'Russia', 'Ukraine') }}"
"""

RETURN = r"""
_raw:
  description:
    - With no terms, a one-element list holding the balance model (C(lookup) unwraps it to the dict).
    - With terms, the SMS count of each area in order; V(null) for an unlimited area.
  type: list
  elements: raw
"""

from collections.abc import Mapping
from typing import Any

from ansible import constants
from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.webcom.mobi.plugins.plugin_utils._client import current_balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import WebcomError, named
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import PLAIN_HTTP_WARNING
from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import Option, configure, given_secrets, plugin_options

display = Display()
NAME = "webcom.mobi.balance"


class LookupModule(LookupBase):
    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[Any]:
        # Options come from our one resolver (the same as the modules'), not from Ansible's
        # per-plugin configuration: both front doors must agree on the host and credentials.
        kwargs.pop("wantlist", None)  # Ansible's own, not an option: core 2.16-2.18 pass it to with_ loops
        secrets = given_secrets(kwargs)
        try:
            configured = configure(NAME, _options(self), kwargs, variables, given_where="the lookup call",
                                   template=self._templar.template)
            secrets.extend(configured.secrets)
            if configured.settings.plain_http:
                display.warning(PLAIN_HTTP_WARNING)
            model = current_balance(configured.settings, display.warning)
        except WebcomError as exc:
            raise AnsibleLookupError(_shown(named(NAME, exc), secrets)) from None
        if not terms:
            return [model]
        unknown_areas = [str(area) for area in terms if area not in model["sms"]]
        if unknown_areas:
            known = ", ".join(model["sms"]) or "none"
            raise AnsibleLookupError(_shown(
                f"{NAME}: area(s) {', '.join(unknown_areas)} not in the balance; known areas: {known}", secrets
            ))
        return [model["sms"][area] for area in terms]


def _options(lookup: LookupBase) -> dict[str, Option]:
    """The option table Ansible read from this lookup's documentation when its loader loaded it."""
    load_name = getattr(lookup, "_load_name", None)
    definitions = constants.config.get_configuration_definitions("lookup", load_name) if load_name else None
    if definitions and all(isinstance(doc, Mapping) and "type" in doc for doc in definitions.values()):
        return plugin_options(definitions)
    # Made without Ansible's plugin loader (a script, a test): read the documentation ourselves.
    from ansible_collections.webcom.mobi.plugins.plugin_utils._resolver import CONNECTION_OPTIONS

    return CONNECTION_OPTIONS


def _shown(message: str, secrets: list[str]) -> str:
    # Masking is loaded only when a message is shown: each host's worker loads this lookup afresh.
    from ansible_collections.webcom.mobi.plugins.plugin_utils._masking import terminal_safe

    return terminal_safe(message, secrets)
