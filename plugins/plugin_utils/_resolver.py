# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""Where every plugin's options come from: one table, read from the documentation, one resolver.

The options, their types, defaults and sources (variables, environment, ``ansible.cfg``) are
written once, in the doc fragments ``webcom.mobi.connection`` and ``webcom.mobi.requirements``;
the table here is parsed from that text, so the docs and the behaviour cannot drift.

Precedence, highest first, for every plugin: what the task or call gives directly (for modules
that includes ``module_defaults``), variables ``webcom_mobi_<option>``, ``WEBCOM_*`` environment
variables, the ``[webcom_mobi]`` section of ``ansible.cfg``, the default. Credentials come as a
set from the highest of those places that gives any of them.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Callable, Mapping
from typing import Any

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.webcom.mobi.plugins.plugin_utils._credentials import Credentials
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import CredentialsError
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings, OptionsError, connection_settings
from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record

CREDENTIAL_OPTIONS = ("login", "password", "token")
SECRET_OPTIONS = ("password", "token")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Option(Record):
    """One documented option and the places it may come from besides the task itself."""

    __slots__ = ("name", "type", "default", "choices", "elements", "variable", "env", "ini")
    DEFAULTS = {"default": None, "choices": None, "elements": None, "variable": None, "env": None, "ini": None}
    name: str
    type: str
    default: Any
    choices: tuple[str, ...] | None
    elements: str | None
    variable: str | None
    env: str | None
    ini: tuple[str, str] | None

    @property
    def secret(self) -> bool:
        return self.name in SECRET_OPTIONS

    def rule(self) -> dict[str, Any]:
        """This option as an Ansible argument-spec entry."""
        rule: dict[str, Any] = {"type": self.type}
        if self.default is not None:
            rule["default"] = self.default
        if self.choices:
            rule["choices"] = list(self.choices)
        if self.elements:
            rule["elements"] = self.elements
        if self.secret:
            rule["no_log"] = True
        return rule


def _documented(text: str) -> dict[str, dict[str, Any]]:
    return yaml.load(text, Loader=_YAML_LOADER)["options"]


def _table(documented: Mapping[str, Mapping[str, Any]], places: Mapping[str, Mapping[str, Any]]) -> dict[str, Option]:
    found = {}
    for name, doc in documented.items():
        where = places.get(name, {})
        found[name] = Option(
            name=name,
            type=doc["type"],
            elements=doc.get("elements"),
            default=doc.get("default"),
            choices=tuple(doc["choices"]) if "choices" in doc else None,
            variable=where["vars"][0]["name"] if where.get("vars") else None,
            env=where["env"][0]["name"] if where.get("env") else None,
            ini=(where["ini"][0]["section"], where["ini"][0]["key"]) if where.get("ini") else None,
        )
    return found


def _options_of(documentation: str, sources: str | None = None) -> dict[str, Option]:
    return _table(_documented(documentation), _documented(sources) if sources else {})


def plugin_options(definitions: Mapping[str, Mapping[str, Any]]) -> dict[str, Option]:
    """The option table from Ansible's own reading of a plugin's documentation, its fragments merged.

    A lookup's worker has just read it to load the plugin: taking it from there spares every
    host a second parse of the same text. ``_terms`` is the lookup's positional argument.
    """
    return _table({name: doc for name, doc in definitions.items() if name != "_terms"}, definitions)


def __getattr__(name: str) -> dict[str, Option]:
    """The option tables, each parsed from its documentation when first asked for.

    Every forked worker imports this module; a lookup's takes its table from Ansible
    (``plugin_options``), so it parses none of them.
    """
    if name == "CONNECTION_OPTIONS":
        from ansible_collections.webcom.mobi.plugins.doc_fragments.connection import ModuleDocFragment as ConnectionDocs

        table = _options_of(ConnectionDocs.DOCUMENTATION, ConnectionDocs.PLUGINS)
    elif name == "REQUIREMENT_OPTIONS":
        from ansible_collections.webcom.mobi.plugins.doc_fragments.requirements import ModuleDocFragment

        table = _options_of(ModuleDocFragment.DOCUMENTATION)
    elif name == "SENDER_OPTIONS":
        from ansible_collections.webcom.mobi.plugins.modules.sender_info import DOCUMENTATION

        table = _options_of(DOCUMENTATION)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = table
    return table


def argument_spec(options: Mapping[str, Option]) -> dict[str, dict[str, Any]]:
    return {name: option.rule() for name, option in options.items()}


class Resolved(Record):
    """The options a plugin runs with (``credentials`` made, in place of login/password/token),
    and every secret value that must never be shown."""

    __slots__ = ("values", "secrets")
    values: dict[str, Any]
    secrets: tuple[str, ...]

    def __repr__(self) -> str:
        # Never let a debugger, a log line or a traceback print the secrets.
        return f"Resolved(options={sorted(self.values)}, secrets=<hidden>)"


def given_secrets(given: Mapping[str, Any]) -> list[str]:
    """The secrets a task or call gives itself: masked even in an error raised before they are resolved."""
    return [str(given[name]) for name in SECRET_OPTIONS if given.get(name) not in (None, "")]


class Configuration(Record):
    """What a plugin runs with: its connection settings, every option's value, every secret to mask."""

    __slots__ = ("settings", "values", "secrets")
    settings: ConnectionSettings
    values: dict[str, Any]
    secrets: tuple[str, ...]

    def __repr__(self) -> str:
        # Never let a debugger, a log line or a traceback print the secrets.
        return f"Configuration(settings={self.settings!r}, options={sorted(self.values)}, secrets=<hidden>)"


def configure(
    plugin: str,
    options: Mapping[str, Option],
    given: Mapping[str, Any],
    variables: Mapping[str, Any] | None,
    *,
    given_where: str,
    template: Callable[[Any], Any] = lambda value: value,
) -> Configuration:
    """Resolve the options and freeze the connection settings: what every plugin does before it reads anything."""
    resolved = resolve(plugin, options, given, variables, given_where=given_where, template=template)
    settings = connection_settings(resolved.values)
    return Configuration(settings, resolved.values, resolved.secrets + settings.secrets)


def resolve(
    plugin: str,
    options: Mapping[str, Option],
    given: Mapping[str, Any],
    variables: Mapping[str, Any] | None,
    *,
    given_where: str,
    template: Callable[[Any], Any] = lambda value: value,
    environ: Mapping[str, str] | None = None,
) -> Resolved:
    """The options from every place in precedence order, type-checked; OptionsError for any mistake.

    ``given`` is what the task (module arguments and ``module_defaults``) or the lookup call
    gives; ``given_where`` names that place in messages.
    """
    secrets = given_secrets(given)
    unknown = sorted(set(given) - set(options))
    if unknown:
        raise OptionsError(_unknown_option_message(plugin, unknown[0], options))
    layers = [
        (given_where, {name: value for name, value in given.items() if not _unset(name, value)}),
        ("variables webcom_mobi_*", _from_variables(options, variables or {}, template)),
        ("the WEBCOM_* environment variables", _from_environment(options, os.environ if environ is None else environ)),
        ("the [webcom_mobi] section of ansible.cfg", _from_ansible_cfg(options)),
    ]
    values: dict[str, Any] = {}
    for name, option in options.items():
        if name in CREDENTIAL_OPTIONS:
            continue
        values[name] = next((layer[name] for _where, layer in layers if name in layer), option.default)
    where = None
    if any(name in options for name in CREDENTIAL_OPTIONS):
        where, credentials = _credentials(plugin, layers, given_where)
        secrets.extend(str(credentials[name]) for name in SECRET_OPTIONS if name in credentials)
        values.update(credentials)
    validation = ArgumentSpecValidator(argument_spec(options)).validate(values)
    if validation.error_messages:
        raise OptionsError(f"{plugin}: {validation.error_messages[0]}")
    typed = validation.validated_parameters
    if where is not None:
        given_credentials = {name: typed.pop(name, None) for name in CREDENTIAL_OPTIONS}
        try:
            typed["credentials"] = Credentials.of(**given_credentials)
        except CredentialsError as exc:
            raise OptionsError(f"{plugin}: {where}: {exc}") from None
    return Resolved(values=typed, secrets=tuple(secrets))


def _unset(name: str, value: Any) -> bool:
    return value is None or (name in CREDENTIAL_OPTIONS and value == "")


def _from_variables(options: Mapping[str, Option], variables: Mapping[str, Any], template: Callable[[Any], Any]) -> dict[str, Any]:
    found = {}
    for name, option in options.items():
        if option.variable and option.variable in variables:
            try:
                value = template(variables[option.variable])
            except Exception as exc:  # an undefined variable inside, a template error: say which variable
                raise OptionsError(f"variable {option.variable} could not be templated: {type(exc).__name__}") from None
            if not _unset(name, value) and value != "":
                found[name] = value
    return found


def _from_environment(options: Mapping[str, Option], environ: Mapping[str, str]) -> dict[str, Any]:
    return {name: environ[option.env] for name, option in options.items() if option.env and environ.get(option.env)}


def _from_ansible_cfg(options: Mapping[str, Option]) -> dict[str, Any]:
    section = _ansible_cfg_section()
    return {name: section[option.ini[1]] for name, option in options.items() if option.ini and section.get(option.ini[1])}


_ini_cache: dict[str, str] | None = None


def _ansible_cfg_section() -> dict[str, str]:
    """The ``[webcom_mobi]`` section of the ansible.cfg Ansible itself is using (read once per process)."""
    global _ini_cache
    if _ini_cache is None:
        from ansible import constants

        parser = configparser.ConfigParser(interpolation=None)
        if constants.CONFIG_FILE:
            try:
                parser.read(constants.CONFIG_FILE, encoding="utf-8")
            except (configparser.Error, UnicodeDecodeError):
                pass  # Ansible itself reports a broken ansible.cfg
        _ini_cache = dict(parser["webcom_mobi"]) if parser.has_section("webcom_mobi") else {}
    return _ini_cache


def _credentials(plugin: str, layers: list[tuple[str, dict[str, Any]]], given_where: str) -> tuple[str, dict[str, Any]]:
    """Where the credentials come from, and what is there: the highest place that gives any, never mixed.

    Which combinations make credentials is Credentials.of's to say; this is about places.
    """
    for where, layer in layers:
        found = {name: layer[name] for name in CREDENTIAL_OPTIONS if name in layer}
        if not found:
            continue
        if "token" not in found and len(found) == 1:
            have, missing = ("login", "password") if "login" in found else ("password", "login")
            raise OptionsError(
                f"{plugin}: {where} give {have} but not {missing}; credentials come as a set from one place, "
                f"so give {missing} there too (or a token instead)"
            )
        return where, found
    raise OptionsError(
        f"{plugin}: missing credentials: give token, or login with password, in one of: {given_where}; "
        "variables webcom_mobi_token, or webcom_mobi_login with webcom_mobi_password; environment variables "
        "WEBCOM_TOKEN, or WEBCOM_LOGIN with WEBCOM_PASSWORD; the [webcom_mobi] section of ansible.cfg"
    )


def _unknown_option_message(plugin: str, name: str, options: Mapping[str, Option]) -> str:
    import difflib  # only on this error path: it costs every worker otherwise

    close = difflib.get_close_matches(str(name), list(options), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; valid options: {', '.join(sorted(options))}"
    return f"{plugin}: unknown option '{name}'{hint}"
