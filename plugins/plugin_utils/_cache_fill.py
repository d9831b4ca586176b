# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""A cache miss: one fork fetches while the others wait on the entry's lock; the answer is stored, old files pruned.

Imported by ``_cache.cached_or_fetched`` on a miss only: a cache hit neither loads nor runs
any of this. A fork waits for another fork's fetch no longer than a whole check may take,
then fetches itself. Entries, lock files and leftovers untouched for a day (or the writer's
cache_ttl, if longer) are pruned, at most once an hour and only by a fork that has just
written an entry.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from ansible_collections.webcom.mobi.plugins.plugin_utils._cache import (
    ENTRY_FORMAT,
    MAX_ENTRY_BYTES,
    BalanceCache,
    CacheUnavailable,
    Fetch,
    Warn,
    is_private,
    unlink_quietly,
)
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import PlatformError
from ansible_collections.webcom.mobi.plugins.plugin_utils._masking import redact
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._pacing import worst_case_s
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Document, Reading, T

# The holder of a lock also imports its HTTP and XML libraries and writes the entry: allow for that.
LOCK_WAIT_MARGIN_S = 2.0
LOCK_POLL_FIRST_S = 0.005
LOCK_POLL_SOON_S = 0.02
LOCK_POLL_MAX_S = 0.1
PRUNE_MARKER = ".pruned"
PRUNE_EVERY_S = 3600
STALE_AFTER_S = 24 * 3600
PRUNABLE_NAME = re.compile(r"[0-9a-f]{64}\.(json|lock)|\.tmp-.*")
NONBLOCKING_LOCK = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class EntryTooLarge(ValueError):
    """An entry larger than a reader accepts: it is not written, since nobody could read it back."""


def fetched_and_stored(
    cache: BalanceCache, settings: ConnectionSettings, document: Document[T], fetch: Fetch, warn: Warn
) -> Reading[T]:
    """The answer after a miss: fetched by the one fork that holds the entry's lock, read by the forks that waited.

    A lock that cannot be used is a warning, never a failure: the answer is still fetched.
    """
    wait_s = lock_wait_s(settings)
    try:
        held = locked(cache, wait_s)
    except CacheUnavailable as exc:
        warn(f"webcom.mobi: balance cache lock not usable, fetching directly: {exc}")
        # Nothing of ours waits on such a file (we never lock one): remove it, so the next check caches again.
        unlink_quietly(str(cache.lock_path))
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


def lock_wait_s(settings: ConnectionSettings) -> float:
    """How long a fork waits for another's fetch: as long as a whole check may take, and a margin."""
    bound = worst_case_s(settings.timeout, settings.retries)
    if not math.isfinite(bound):  # the options refuse a timeout of inf or nan; never wait forever even so
        bound = worst_case_s(10.0, 3)  # the documented defaults
    return bound + LOCK_WAIT_MARGIN_S


def locked(cache: BalanceCache, wait_s: float) -> BinaryIO | None:
    """Take this entry's lock, held until the returned file is closed; None if not had within wait_s.

    Forks that miss together wait here while one of them fetches; the kernel releases the
    lock too if its holder dies. A holder that is alive but stuck (stopped, or not one of
    ours) is waited for no longer than wait_s. Raises CacheUnavailable when the lock path is
    not a regular private file (a FIFO, a device, a socket, a symbolic link): never opened
    for more than a look, never waited on.
    """
    deadline = time.monotonic() + wait_s
    while True:
        descriptor = _open_lock_file(cache.lock_path)
        try:
            if not _flock_until(descriptor, deadline):
                os.close(descriptor)
                return None
            if _same_file(os.fstat(descriptor), cache.lock_path):
                _touch(descriptor)  # "in use": pruning goes by this time
                return os.fdopen(descriptor, "rb")
        except BaseException:
            os.close(descriptor)
            raise
        os.close(descriptor)  # pruned between our open and our lock: lock the file that is there now


def store_reading(cache: BalanceCache, reading: Reading[Any]) -> None:
    _write(cache, {"model": reading.result.to_model(), "api_url": reading.api_url, "fetched_at": reading.fetched_at})


def store_refusal(cache: BalanceCache, error: PlatformError) -> None:
    """Keep the platform's refusal too, so 200 hosts with a wrong password make one failed login, not 200."""
    said = {"message": error.message, "kind": error.kind, "text": error.text}
    _write(cache, {"refusal": {key: redact(value, cache.secrets) for key, value in said.items()}})


def _write(cache: BalanceCache, payload: dict[str, Any]) -> None:
    entry = {"format": ENTRY_FORMAT, "entry": cache.name, "stored_at": time.time(), **payload}
    data = json.dumps(entry, ensure_ascii=False).encode("utf-8")
    if len(data) > MAX_ENTRY_BYTES:
        raise EntryTooLarge(f"the entry would take {len(data)} bytes, over the {MAX_ENTRY_BYTES} a reader accepts")
    descriptor, temporary = tempfile.mkstemp(dir=cache.directory, prefix=".tmp-", suffix=".json")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, cache.path)  # readers see the old entry or the new one, never half of one
    except BaseException:
        unlink_quietly(temporary)
        raise


def prune_if_due(cache: BalanceCache) -> None:
    """Remove entries, lock files and leftovers untouched for a day (or this TTL, if longer); at most hourly."""
    marker = cache.directory / PRUNE_MARKER
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
    _prune(cache.directory, older_than=now - max(STALE_AFTER_S, cache.ttl))


def _fetch_and_store(
    cache: BalanceCache, settings: ConnectionSettings, document: Document[T], fetch: Fetch, warn: Warn
) -> Reading[T]:
    try:
        reading = fetch(settings, document)
    except PlatformError as exc:
        _store_quietly(warn, cache, store_refusal, exc)
        raise
    _store_quietly(warn, cache, store_reading, reading)
    return reading


def _store_quietly(warn: Warn, cache: BalanceCache, store: Callable[[BalanceCache, Any], None], value: Any) -> None:
    try:
        store(cache, value)
    except EntryTooLarge as exc:
        warn(f"webcom.mobi: answer not cached: {exc}")
        return
    except OSError as exc:
        warn(f"webcom.mobi: could not write the balance cache: {exc.strerror or exc}")
        return
    try:
        prune_if_due(cache)
    except OSError:
        pass  # housekeeping only: the next writer tries again


def _open_lock_file(path: Path) -> int:
    """A descriptor on the lock file, made 0600 if missing; CacheUnavailable if it is anything but ours."""
    try:
        if not is_private(os.lstat(path)):
            raise CacheUnavailable(f"{path.name} is not a regular private file")
    except FileNotFoundError:
        pass
    descriptor = os.open(path, NONBLOCKING_LOCK, 0o600)
    if not is_private(os.fstat(descriptor)):  # swapped in after our look
        os.close(descriptor)
        raise CacheUnavailable(f"{path.name} is not a regular private file")
    return descriptor


def _flock_until(descriptor: int, deadline: float) -> bool:
    """Poll for an exclusive lock until the monotonic deadline, looking again soon at first, then less often.

    Polled, not blocking: a blocking flock could only be bounded by a signal, and SIGALRM is
    Ansible's (task timeouts). Sleeps grow from 5 ms to 20 ms, so a fork reads the usual fetch's
    answer within 20 ms of its being stored; a fetch that takes longer (a far platform, retries)
    is looked for at a tenth of the time waited so far, at most every 100 ms, so many waiting
    forks do not keep the machine busy. A look is one system call.
    """
    started = time.monotonic()
    pause = LOCK_POLL_FIRST_S
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        now = time.monotonic()
        if now >= deadline:
            return False
        time.sleep(min(pause, deadline - now))
        pause = min(pause * 2, max(LOCK_POLL_SOON_S, (now - started) / 10), LOCK_POLL_MAX_S)


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
        unlink_quietly(temporary)
