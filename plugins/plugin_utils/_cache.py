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
ours is opened for reading, and every open is non-blocking. A fork waits for another fork's
fetch no longer than a whole check may take, then fetches itself. Entries, lock files and
leftovers untouched for a day (or the writer's cache_ttl, if longer) are pruned, at most once
an hour and only by a fork that has just written an entry, never on a cache hit.

Only the standard library and the cheap parts of the collection are imported here: a
cache hit must not pay for ``xmlschema`` or ``requests``.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import math
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import PlatformError, WebcomError, redact
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._pacing import worst_case_s
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Document, Reading, T

ENTRY_FORMAT = 3  # 2: the name also covers the document and the trust settings; 3: any document's reading
KEY_FILE = "key"
KEY_BYTES = 32
MAX_ENTRY_BYTES = 1024 * 1024
# The holder of a lock also imports its HTTP and XML libraries and writes the entry: allow for that.
LOCK_WAIT_MARGIN_S = 2.0
LOCK_POLL_FIRST_S = 0.01
LOCK_POLL_MAX_S = 0.1
PRUNE_MARKER = ".pruned"
PRUNE_EVERY_S = 3600
STALE_AFTER_S = 24 * 3600
PRUNABLE_NAME = re.compile(r"[0-9a-f]{64}\.(json|lock)|\.tmp-.*")
# What the transport trusts when ca_path is not set: these bundles, else certifi's, else the system's (SSL_CERT_*).
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")
NONBLOCKING_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
NONBLOCKING_LOCK = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
CLOCK_SKEW_S = 5  # a stored_at this far ahead of our clock means the entry is not ours to trust
Fetch = Callable[[ConnectionSettings, Document[T]], Reading[T]]
Warn = Callable[[str], None]


class CacheUnavailable(Exception):
    """The cache directory cannot be used safely; the balance is fetched without it."""


class EntryTooLarge(ValueError):
    """An entry larger than a reader accepts: it is not written, since nobody could read it back."""


@dataclass(frozen=True)
class CachedAnswer:
    """What an entry holds: a reading, or the platform's refusal, and how old it is."""

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
            _private_directory(self.directory)
            key = _user_key(self.directory)
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

    def store_reading(self, reading: Reading[Any]) -> None:
        self._write({"model": reading.result.to_model(), "api_url": reading.api_url, "fetched_at": reading.fetched_at})

    def store_refusal(self, error: PlatformError) -> None:
        """Keep the platform's refusal too, so 200 hosts with a wrong password make one failed login, not 200."""
        said = {"message": error.message, "kind": error.kind, "text": error.text}
        self._write({"refusal": {key: redact(value, self.secrets) for key, value in said.items()}})

    def lock(self, wait_s: float) -> BinaryIO | None:
        """Take this entry's lock, held until the returned file is closed; None if not had within wait_s.

        Forks that miss together wait here while one of them fetches; the kernel releases the
        lock too if its holder dies. A holder that is alive but stuck (stopped, or not one of
        ours) is waited for no longer than wait_s. Raises CacheUnavailable when the lock path is
        not a regular private file (a FIFO, a device, a socket, a symbolic link): never opened
        for more than a look, never waited on.
        """
        deadline = time.monotonic() + wait_s
        while True:
            descriptor = _open_lock_file(self.lock_path)
            try:
                if not _flock_until(descriptor, deadline):
                    os.close(descriptor)
                    return None
                if _same_file(os.fstat(descriptor), self.lock_path):
                    _touch(descriptor)  # "in use": pruning goes by this time
                    return os.fdopen(descriptor, "rb")
            except BaseException:
                os.close(descriptor)
                raise
            os.close(descriptor)  # pruned between our open and our lock: lock the file that is there now

    def prune_if_due(self) -> None:
        """Remove entries, lock files and leftovers untouched for a day (or this TTL, if longer); at most hourly."""
        marker = self.directory / PRUNE_MARKER
        now = time.time()
        try:
            status = os.lstat(marker)
            if stat.S_ISREG(status.st_mode) and 0 <= now - status.st_mtime < PRUNE_EVERY_S:
                return
        except FileNotFoundError:
            pass
        try:
            _replace_with_empty_file(marker)  # first, so forks writing at the same moment do not all prune
        except OSError:
            pass  # a marker we cannot set (a directory there?) must not stop the pruning itself
        _prune(self.directory, older_than=now - max(STALE_AFTER_S, self.ttl))

    def _write(self, payload: dict[str, Any]) -> None:
        entry = {"format": ENTRY_FORMAT, "entry": self.name, "stored_at": time.time(), **payload}
        data = json.dumps(entry, ensure_ascii=False).encode("utf-8")
        if len(data) > MAX_ENTRY_BYTES:
            raise EntryTooLarge(f"the entry would take {len(data)} bytes, over the {MAX_ENTRY_BYTES} a reader accepts")
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")  # mode 0600
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
            os.replace(temporary, self.path)  # readers see the old entry or the new one, never half of one
        except BaseException:
            _remove(temporary)
            raise


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


def lock_wait_s(settings: ConnectionSettings) -> float:
    """How long a fork waits for another's fetch: as long as a whole check may take, and a margin."""
    bound = worst_case_s(settings.timeout, settings.retries)
    if not math.isfinite(bound):  # the options refuse a timeout of inf or nan; never wait forever even so
        bound = worst_case_s(10.0, 3)  # the documented defaults
    return bound + LOCK_WAIT_MARGIN_S


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
    wait_s = lock_wait_s(settings)
    try:
        held = cache.lock(wait_s)
    except CacheUnavailable as exc:
        warn(f"webcom.mobi: balance cache lock not usable, fetching directly: {exc}")
        # Nothing of ours waits on such a file (we never lock one): remove it, so the next check caches again.
        _remove(str(cache.lock_path))
        return fetch(settings, document)
    except OSError as exc:
        warn(f"webcom.mobi: balance cache lock not usable, fetching directly: {exc.strerror or exc}")
        return fetch(settings, document)
    if held is None:
        # A holder past the bound of a whole check is stuck, not fetching: ask ourselves, and keep the answer.
        warn(
            f"webcom.mobi: another process held the balance cache lock longer than a whole check may take "
            f"({wait_s:g} s from timeout and retries), fetching directly"
        )
        return _fetch_and_store(cache, settings, document, fetch, warn)
    with held:
        hit = cache.read()  # the fork that held the lock before us may have fetched it
        if hit is not None:
            return hit.answer()
        return _fetch_and_store(cache, settings, document, fetch, warn)


def _fetch_and_store(
    cache: BalanceCache, settings: ConnectionSettings, document: Document[T], fetch: Fetch, warn: Warn
) -> Reading[T]:
    try:
        reading = fetch(settings, document)
    except PlatformError as exc:
        _store_quietly(warn, cache, cache.store_refusal, exc)
        raise
    _store_quietly(warn, cache, cache.store_reading, reading)
    return reading


def _store_quietly(warn: Warn, cache: BalanceCache, store: Callable[[Any], None], value: Any) -> None:
    try:
        store(value)
    except EntryTooLarge as exc:
        warn(f"webcom.mobi: answer not cached: {exc}")
        return
    except OSError as exc:
        warn(f"webcom.mobi: could not write the balance cache: {exc.strerror or exc}")
        return
    try:
        cache.prune_if_due()
    except OSError:
        pass  # housekeeping only: the next writer tries again


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
    """Up to limit + 1 bytes of a regular file of ours closed to others; None for anything else that is there.

    A FIFO, device or socket is never opened (a FIFO would block the play until a writer came);
    if one is swapped in between the look and the open, the open does not block and fstat says no.
    """
    try:
        if not _private_file(os.lstat(path)):
            return None
        descriptor = os.open(path, NONBLOCKING_READ)
    except OSError:  # missing, a symbolic link (ELOOP), or something we may not read
        return None
    with os.fdopen(descriptor, "rb") as stream:
        if not _private_file(os.fstat(descriptor)):
            return None
        return stream.read(limit + 1)


def _open_lock_file(path: Path) -> int:
    """A descriptor on the lock file, made 0600 if missing; CacheUnavailable if it is anything but ours."""
    try:
        if not _private_file(os.lstat(path)):
            raise CacheUnavailable(f"{path.name} is not a regular private file")
    except FileNotFoundError:
        pass
    descriptor = os.open(path, NONBLOCKING_LOCK, 0o600)
    if not _private_file(os.fstat(descriptor)):  # swapped in after our look
        os.close(descriptor)
        raise CacheUnavailable(f"{path.name} is not a regular private file")
    return descriptor


def _flock_until(descriptor: int, deadline: float) -> bool:
    """Poll for an exclusive lock with short, growing sleeps until the monotonic deadline."""
    pause = LOCK_POLL_FIRST_S
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(pause, left))
        pause = min(pause * 2, LOCK_POLL_MAX_S)


def _touch(descriptor: int) -> None:
    try:
        os.utime(descriptor)
    except OSError:
        pass  # only pruning reads the time, and it never removes a lock that is held


def _same_file(status: os.stat_result, path: Path) -> bool:
    try:
        there = os.lstat(path)
    except FileNotFoundError:
        return False
    return (there.st_dev, there.st_ino) == (status.st_dev, status.st_ino)


def _prune(directory: Path, older_than: float) -> None:
    """Remove our entries, lock files and temporary leftovers last changed before older_than."""
    with os.scandir(directory) as listing:
        for item in listing:
            if not PRUNABLE_NAME.fullmatch(item.name):
                continue
            try:
                status = item.stat(follow_symlinks=False)
                if status.st_mtime >= older_than:
                    continue
                if item.name.endswith(".lock") and stat.S_ISREG(status.st_mode):
                    _remove_idle_lock(Path(item.path))
                else:
                    os.unlink(item.path)
            except OSError:
                continue  # gone already, or not ours to remove: the next prune looks again


def _remove_idle_lock(path: Path) -> None:
    """Unlink a lock file only while holding it, so no fork is left waiting on a file nobody else can see."""
    descriptor = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if _same_file(os.fstat(descriptor), path):
            os.unlink(path)
    except BlockingIOError:
        pass  # in use: not idle after all
    finally:
        os.close(descriptor)


def _replace_with_empty_file(path: Path) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-mark-")
    os.close(descriptor)
    try:
        os.replace(temporary, path)
    finally:
        _remove(temporary)


def _private_file(status: os.stat_result) -> bool:
    return stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid() and not stat.S_IMODE(status.st_mode) & 0o077


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        pass  # not ours to remove after all: what is left there stays a miss
