# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""A per-user file cache of balances: one fetch serves every host, fork, task and run.

Every task on every host runs in its own forked worker, so only the file system is shared.
An entry is named by an HMAC of the API URL and credentials under a random key that only
this user can read: the names give nothing away, and no secret is written anywhere.
Anything unexpected in the directory (a corrupt, foreign or tampered file) is a miss.

Only the standard library and the cheap parts of the collection are imported here: a
cache hit must not pay for ``xmlschema`` or ``requests``.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import stat
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ansible_collections.webcom.mobi.plugins.plugin_utils._balance import Balance
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import PlatformError, WebcomError, redact
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings

ENTRY_FORMAT = 1
KEY_FILE = "key"
KEY_BYTES = 32
MAX_ENTRY_BYTES = 1024 * 1024
CLOCK_SKEW_S = 5  # a stored_at this far ahead of our clock means the entry is not ours to trust
Fetch = Callable[[ConnectionSettings], dict[str, Any]]
Warn = Callable[[str], None]
MODEL_KEYS = frozenset(("money", "money_text", "currency", "sms", "unlimited", "areas", "api_url", "fetched_at"))


class CacheUnavailable(Exception):
    """The cache directory cannot be used safely; the balance is fetched without it."""


@dataclass(frozen=True)
class CachedAnswer:
    """What an entry holds: a balance model, or the platform's refusal, and how old it is."""

    model: dict[str, Any] | None
    refusal: dict[str, str] | None
    age_s: int

    def balance(self) -> dict[str, Any]:
        """The cached model, marked as such, or the cached refusal raised again."""
        if self.refusal is not None:
            raise PlatformError(
                f"{self.refusal['message']} (the platform said so {self.age_s} s ago; "
                "this answer is cached for cache_ttl seconds, set cache_ttl to 0 to ask again now)",
                kind=self.refusal["kind"],
                text=self.refusal["text"],
            )
        return {**(self.model or {}), "cached": True, "age_s": self.age_s}


def cache_directory() -> Path:
    """``$XDG_CACHE_HOME/webcom.mobi``, or ``~/.cache/webcom.mobi``; a relative XDG path is ignored, as the spec says."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    except RuntimeError as exc:  # no HOME and no passwd entry
        raise CacheUnavailable(f"no home directory to keep it in ({exc})") from None
    return root / "webcom.mobi"


class BalanceCache:
    """The entry of one API URL and set of credentials."""

    def __init__(self, settings: ConnectionSettings) -> None:
        self.directory = cache_directory()
        self.ttl = settings.cache_ttl
        self.secrets = settings.secrets
        try:
            _private_directory(self.directory)
            key = _user_key(self.directory)
        except OSError as exc:
            raise CacheUnavailable(f"{self.directory}: {exc.strerror or exc}") from None
        identity = json.dumps([ENTRY_FORMAT, settings.api_url, settings.login, settings.password, settings.token])
        self.name = hmac.new(key, identity.encode("utf-8"), hashlib.sha256).hexdigest()
        self.path = self.directory / f"{self.name}.json"

    def read(self) -> CachedAnswer | None:
        """The entry if it is ours, well formed and younger than the TTL; None otherwise."""
        try:
            entry = _read_private_json(self.path)
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT or entry.get("entry") != self.name:
            return None
        stored_at = entry.get("stored_at")
        if isinstance(stored_at, bool) or not isinstance(stored_at, (int, float)):
            return None
        age = time.time() - stored_at
        if not -CLOCK_SKEW_S <= age < self.ttl:
            return None
        model, refusal = entry.get("model"), entry.get("refusal")
        if _is_model(model):
            return CachedAnswer(model=model, refusal=None, age_s=max(0, int(age)))
        if isinstance(refusal, dict) and all(isinstance(refusal.get(key), str) for key in ("message", "kind", "text")):
            return CachedAnswer(model=None, refusal=refusal, age_s=max(0, int(age)))
        return None

    def store_model(self, model: Mapping[str, Any]) -> None:
        self._write({"model": {key: model[key] for key in MODEL_KEYS}})

    def store_refusal(self, error: PlatformError) -> None:
        """Keep the platform's refusal too, so 200 hosts with a wrong password make one failed login, not 200."""
        said = {"message": error.message, "kind": error.kind, "text": error.text}
        self._write({"refusal": {key: redact(value, self.secrets) for key, value in said.items()}})

    def lock(self) -> BinaryIO:
        """Take this entry's lock, held until the returned file is closed.

        Forks that miss together wait here while one of them fetches; the kernel releases the
        lock too if its holder dies.
        """
        descriptor = os.open(self.directory / f"{self.name}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except BaseException:
            os.close(descriptor)
            raise
        return os.fdopen(descriptor, "rb")

    def _write(self, payload: dict[str, Any]) -> None:
        entry = {"format": ENTRY_FORMAT, "entry": self.name, "stored_at": time.time(), **payload}
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")  # mode 0600
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                json.dump(entry, stream, ensure_ascii=False)
            os.replace(temporary, self.path)  # readers see the old entry or the new one, never half of one
        except BaseException:
            _remove(temporary)
            raise


def cached_or_fetched(settings: ConnectionSettings, fetch: Fetch, warn: Warn) -> dict[str, Any]:
    """The balance from the cache when fresh, else from ``fetch(settings)``, stored for the next caller.

    A cache that cannot be used is a warning, never a failure: the balance is still fetched.
    """
    if settings.cache_ttl <= 0:
        return fetch(settings)
    try:
        cache = BalanceCache(settings)
    except CacheUnavailable as exc:
        warn(f"webcom.mobi: balance cache not used, fetching directly: {exc}")
        return fetch(settings)
    hit = cache.read()
    if hit is not None:
        return hit.balance()
    try:
        held = cache.lock()
    except OSError as exc:
        warn(f"webcom.mobi: balance cache lock not usable, fetching directly: {exc.strerror or exc}")
        return fetch(settings)
    with held:
        hit = cache.read()  # the fork that held the lock before us may have fetched it
        if hit is not None:
            return hit.balance()
        return _fetch_and_store(cache, settings, fetch, warn)


def _fetch_and_store(cache: BalanceCache, settings: ConnectionSettings, fetch: Fetch, warn: Warn) -> dict[str, Any]:
    try:
        model = fetch(settings)
    except PlatformError as exc:
        _store_quietly(warn, cache.store_refusal, exc)
        raise
    _store_quietly(warn, cache.store_model, model)
    return model


def _store_quietly(warn: Warn, store: Callable[[Any], None], value: Any) -> None:
    try:
        store(value)
    except OSError as exc:
        warn(f"webcom.mobi: could not write the balance cache: {exc.strerror or exc}")


def _private_directory(directory: Path) -> None:
    """Make the directory (0700) or check the one there: ours, a real directory, closed to others."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        directory.mkdir(mode=0o700)
    except FileExistsError:
        pass
    status = directory.lstat()
    if not stat.S_ISDIR(status.st_mode):
        raise CacheUnavailable(f"{directory} is not a directory")
    if status.st_uid != os.geteuid():
        raise CacheUnavailable(f"{directory} belongs to another user")
    if stat.S_IMODE(status.st_mode) & 0o077:
        os.chmod(directory, 0o700)


def _user_key(directory: Path) -> bytes:
    """This user's HMAC key, made on first use; a damaged or foreign key file is replaced."""
    path = directory / KEY_FILE
    key = _private_bytes_or_none(path, KEY_BYTES)
    if key is not None and len(key) == KEY_BYTES:
        return key
    key = os.urandom(KEY_BYTES)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-key-")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(key)
        try:
            os.link(temporary, path)  # first writer wins; a fork racing us reads the winner's key
        except FileExistsError:
            existing = _private_bytes_or_none(path, KEY_BYTES)
            if existing is not None and len(existing) == KEY_BYTES:
                return existing
            os.replace(temporary, path)  # replaces a damaged file or a symbolic link itself
        return key
    finally:
        _remove(temporary)


def _read_private_json(path: Path) -> Any:
    data = _private_bytes_or_none(path, MAX_ENTRY_BYTES)
    if data is None or len(data) > MAX_ENTRY_BYTES:
        raise ValueError("not a private file of ours, or too large")
    return json.loads(data.decode("utf-8"))


def _private_bytes_or_none(path: Path, limit: int) -> bytes | None:
    """Up to limit + 1 bytes of a regular file of ours closed to others; None for anything else that is there."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # missing, a symbolic link (ELOOP), or something we may not read
        return None
    with os.fdopen(descriptor, "rb") as stream:
        if not _private_file(os.fstat(descriptor)):
            return None
        return stream.read(limit + 1)


def _private_file(status: os.stat_result) -> bool:
    return stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid() and not stat.S_IMODE(status.st_mode) & 0o077


def _is_model(value: Any) -> bool:
    if not isinstance(value, dict) or not MODEL_KEYS <= set(value):
        return False
    try:
        Balance.from_model(value)
    except WebcomError:
        return False
    return isinstance(value["sms"], dict) and isinstance(value["api_url"], str) and isinstance(value["fetched_at"], str)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
