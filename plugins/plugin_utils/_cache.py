# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""A per-user file cache of balances: one fetch serves every host, fork, task and run.

Every task on every host runs in its own forked worker, so only the file system is shared.
An entry is named by an HMAC, under a random key that only this user can read, of everything
that decides which answer is trusted: the document (balance; senders later), the API URL,
the credentials, and the effective ``validate_certs``, ``ca_path`` and ``proxy`` (with the
environment variables that stand in for the last two when they are not set). The names give
nothing away, and no secret is written anywhere. Entry and lock share that one name.

Anything unexpected in the directory (a corrupt, foreign or tampered file, a FIFO, a device,
a socket, a symbolic link) is a miss and never blocks: nothing but a regular private file of
ours is opened for reading, and every open is non-blocking.

This module is what a cache hit needs: finding and reading an entry. Every forked worker
imports it, so it imports only the standard library and the cheap parts of the collection;
a miss (the lock, the fetch, the write, pruning) is ``_cache_fill.py``'s, loaded on a miss.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import PlatformError, WebcomError
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Document, Reading, T
from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record

ENTRY_FORMAT = 3  # 2: the name also covers the document and the trust settings; 3: any document's reading
KEY_FILE = "key"
KEY_BYTES = 32
MAX_ENTRY_BYTES = 1024 * 1024
# What the transport trusts when ca_path is not set: these bundles, else certifi's, else the system's (SSL_CERT_*).
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")
NONBLOCKING_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
CLOCK_SKEW_S = 5  # a stored_at this far ahead of our clock means the entry is not ours to trust
Fetch = Callable[[ConnectionSettings, Document[T]], Reading[T]]
Warn = Callable[[str], None]


class CacheUnavailable(Exception):
    """The cache directory cannot be used safely; the balance is fetched without it."""


class CachedAnswer(Record):
    """What an entry holds: a reading, or the platform's refusal, and how old it is."""

    __slots__ = ("reading", "refusal", "age_s")
    reading: Reading[Any] | None
    refusal: dict[str, str] | None
    age_s: int

    def answer(self) -> Reading[Any]:
        """The cached reading, marked as such, or the cached refusal raised again."""
        if self.refusal is not None:
            raise PlatformError(
                f"{self.refusal['message']} (the platform said so {self.age_s} s ago; "
                "this answer is cached for cache_ttl seconds, set cache_ttl to 0 to ask again now)",
                kind=self.refusal["kind"],
                text=self.refusal["text"],
            )
        return self.reading  # type: ignore[return-value]  # an entry holds one or the other


def cache_directory() -> Path:
    """``$XDG_CACHE_HOME/webcom.mobi``, or ``~/.cache/webcom.mobi``; a relative XDG path is ignored, as the spec says."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    try:
        root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    except RuntimeError as exc:  # no HOME and no passwd entry
        raise CacheUnavailable(f"no home directory to keep it in ({exc})") from None
    return root / "webcom.mobi"


class BalanceCache:
    """The entry of one document, API URL, set of credentials and trust settings."""

    def __init__(self, settings: ConnectionSettings, document: Document[Any]) -> None:
        self.document = document
        self.directory = cache_directory()
        self.ttl = settings.cache_ttl
        self.secrets = settings.secrets
        try:
            private_directory(self.directory)
            key = user_key(self.directory)
        except OSError as exc:
            raise CacheUnavailable(f"{self.directory}: {exc.strerror or exc}") from None
        self.name = cache_key(key, settings, document.name)
        self.path = self.directory / f"{self.name}.json"
        self.lock_path = self.directory / f"{self.name}.lock"

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
        reading = self._reading_of(model, entry, max(0, int(age)))
        if reading is not None:
            return CachedAnswer(reading=reading, refusal=None, age_s=reading.age_s)
        if isinstance(refusal, dict) and all(isinstance(refusal.get(key), str) for key in ("message", "kind", "text")):
            return CachedAnswer(reading=None, refusal=refusal, age_s=max(0, int(age)))
        return None

    def _reading_of(self, model: Any, entry: Mapping[str, Any], age_s: int) -> Reading[Any] | None:
        """The typed reading an entry holds, checked once by the document's own reader; None if it holds none."""
        api_url, fetched_at = entry.get("api_url"), entry.get("fetched_at")
        if not isinstance(model, dict) or not isinstance(api_url, str) or not isinstance(fetched_at, str):
            return None
        try:
            result = self.document.from_model(model)
        except WebcomError:
            return None
        return Reading(result, api_url=api_url, fetched_at=fetched_at, cached=True, age_s=age_s)


def cache_key(user_key: bytes, settings: ConnectionSettings, document: str) -> str:
    """The one name of an entry and its lock: an HMAC of everything that decides which answer is trusted.

    An answer fetched without checking certificates, through another CA bundle or another
    proxy is another answer: it is never served to a task that trusts differently. When
    ``ca_path`` or ``proxy`` is not set, the environment variables the transport falls back
    to stand in for them.
    """
    identity = {
        "format": ENTRY_FORMAT,
        "document": document,
        "api_url": settings.api_url,
        "credentials": settings.credentials.identity(),
        "validate_certs": settings.validate_certs,
        "ca_path": os.path.abspath(settings.ca_path) if settings.ca_path else None,
        "ca_bundle_environment": None if settings.ca_path else [os.environ.get(name) for name in CA_BUNDLE_VARIABLES],
        "proxy": settings.proxy,
        # urllib's getproxies_environment reads every *_proxy variable, in either case (no_proxy too)
        "proxy_environment": None if settings.proxy else sorted(
            (name, value) for name, value in os.environ.items() if name.lower().endswith("_proxy")
        ),
    }
    text = json.dumps(identity, sort_keys=True)
    return hmac.new(user_key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def cached_or_fetched(settings: ConnectionSettings, document: Document[T], fetch: Fetch, warn: Warn) -> Reading[T]:
    """The answer from the cache when fresh, else from ``fetch(settings)``, stored for the next caller.

    A cache that cannot be used is a warning, never a failure: the answer is still fetched.
    """
    if settings.cache_ttl <= 0:
        return fetch(settings, document)
    try:
        cache = BalanceCache(settings, document)
    except CacheUnavailable as exc:
        warn(f"webcom.mobi: balance cache not used, fetching directly: {exc}")
        return fetch(settings, document)
    hit = cache.read()
    if hit is not None:
        return hit.answer()
    from ansible_collections.webcom.mobi.plugins.plugin_utils._cache_fill import fetched_and_stored  # a miss only

    return fetched_and_stored(cache, settings, document, fetch, warn)


def private_directory(directory: Path) -> None:
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


def user_key(directory: Path) -> bytes:
    """This user's HMAC key, made on first use; a damaged or foreign key file is replaced."""
    path = directory / KEY_FILE
    key = private_bytes_or_none(path, KEY_BYTES)
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
            existing = private_bytes_or_none(path, KEY_BYTES)
            if existing is not None and len(existing) == KEY_BYTES:
                return existing
            os.replace(temporary, path)  # replaces a damaged file or a symbolic link itself
        return key
    finally:
        unlink_quietly(temporary)


def _read_private_json(path: Path) -> Any:
    data = private_bytes_or_none(path, MAX_ENTRY_BYTES)
    if data is None or len(data) > MAX_ENTRY_BYTES:
        raise ValueError("not a private file of ours, or too large")
    return json.loads(data.decode("utf-8"))


def private_bytes_or_none(path: Path, limit: int) -> bytes | None:
    """Up to limit + 1 bytes of a regular file of ours closed to others; None for anything else that is there.

    A FIFO, device or socket is never opened (a FIFO would block the play until a writer came);
    if one is swapped in between the look and the open, the open does not block and fstat says no.
    """
    try:
        if not is_private(os.lstat(path)):
            return None
        descriptor = os.open(path, NONBLOCKING_READ)
    except OSError:  # missing, a symbolic link (ELOOP), or something we may not read
        return None
    with os.fdopen(descriptor, "rb") as stream:
        if not is_private(os.fstat(descriptor)):
            return None
        return stream.read(limit + 1)


def is_private(status: os.stat_result) -> bool:
    return stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid() and not stat.S_IMODE(status.st_mode) & 0o077


def unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        pass  # not ours to remove after all: what is left there stays a miss
