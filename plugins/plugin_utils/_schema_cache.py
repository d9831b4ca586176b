# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""Compiled XML schemas kept between processes, under the trust of Python's own bytecode cache.

Building a schema costs a few hundred milliseconds in every forked worker that misses the
balance cache; loading the compiled schema from a pickle costs a third of that. A pickle can
run code when it is loaded, so one is loaded only when all of this holds:

- it lies in this user's private cache directory (the balance cache's: 0700, ours), as a
  regular 0600 file of ours, opened without following links and without blocking;
- its HMAC, under the user's private cache key, matches the bytes, checked before unpickling;
- it was made for exactly this xmlschema version, this Python, this XSD text (SHA-256) and
  these build settings (the hardening), which the signed bytes name and the file name hides.

Anything else is ignored and the schema is built, then stored for the next process. Every
failure of this cache is silent: it only ever costs the build it would have saved (a cache
directory that cannot be used is reported once, by the balance cache, on the same path).
It holds code, never an answer, so it does not follow ``cache_ttl``: it is used whenever the
cache directory is there. It never makes that directory itself, though: where every task sets
``cache_ttl: 0`` nothing is written at all, and the schema is built in each process.
No pickle is shipped with the collection, and none is read from anywhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._cache import (
    cache_directory,
    private_bytes_or_none,
    private_directory,
    unlink_quietly,
    user_key,
)

FORMAT = 1
MAGIC = b"webcom.mobi compiled schema\n"
TAG_BYTES = hashlib.sha256().digest_size
SUFFIX = ".schema"
MAX_FILE_BYTES = 16 * 1024 * 1024  # a compiled balance schema takes about 0.4 MB
STALE_AFTER_S = 30 * 24 * 3600  # pickles of an older xmlschema or XSD, removed when a new one is stored


def compiled(xsd_text: str, settings: Mapping[str, Any], build: Callable[[], Any], kind: type) -> Any:
    """The schema ``build()`` makes from ``xsd_text`` with ``settings``: from our signed pickle, else built and kept.

    ``kind`` is the class the loaded object must be; ``settings`` must name everything that
    ``build`` passes besides the text, so a pickle built otherwise is never taken for this one.
    """
    identity = _identity(xsd_text, settings, kind)
    try:
        directory = cache_directory()
        if not directory.is_dir():
            return build()  # the balance cache makes the directory; with cache_ttl 0 alone nothing is written
        private_directory(directory)
        key = user_key(directory)
    except Exception:  # CacheUnavailable, OSError: no cache, same schema
        return build()
    path = directory / (hmac.new(key, identity, hashlib.sha256).hexdigest() + SUFFIX)
    loaded = _load(path, key, identity)
    if isinstance(loaded, kind):
        return loaded
    schema = build()
    try:
        _store(path, key, identity, schema)
    except Exception:  # a full disk, an object that will not pickle: the next process builds again
        pass
    return schema


def _identity(xsd_text: str, settings: Mapping[str, Any], kind: type) -> bytes:
    """What a pickle must have been made from, as the exact bytes its signed header holds."""
    import xmlschema  # already imported by the codec, the only caller

    return json.dumps(
        {
            "format": FORMAT,
            "xmlschema": xmlschema.__version__,
            "python": [sys.implementation.name, sys.version, sys.implementation.cache_tag],
            "pickle_protocol": pickle.HIGHEST_PROTOCOL,
            "class": f"{kind.__module__}.{kind.__qualname__}",
            "xsd_sha256": hashlib.sha256(xsd_text.encode("utf-8")).hexdigest(),
            "settings": {name: _jsonable(value) for name, value in settings.items()},
        },
        sort_keys=True,
    ).encode("utf-8")


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, (tuple, list)) else value


def _load(path: Path, key: bytes, identity: bytes) -> Any | None:
    """The object the pickle at path holds, only if it is ours, signed by us and made for this identity."""
    data = private_bytes_or_none(path, MAX_FILE_BYTES)
    if data is None or len(data) > MAX_FILE_BYTES or not data.startswith(MAGIC):
        return None
    tag, signed = data[len(MAGIC):len(MAGIC) + TAG_BYTES], data[len(MAGIC) + TAG_BYTES:]
    if not hmac.compare_digest(tag, hmac.new(key, signed, hashlib.sha256).digest()):
        return None
    header, _newline, payload = signed.partition(b"\n")
    if header != identity:
        return None
    try:
        return pickle.loads(payload)  # signed by this user's key, for this very identity: as trusted as bytecode
    except Exception:
        return None


def _store(path: Path, key: bytes, identity: bytes, schema: Any) -> None:
    signed = identity + b"\n" + pickle.dumps(schema, protocol=pickle.HIGHEST_PROTOCOL)
    data = MAGIC + hmac.new(key, signed, hashlib.sha256).digest() + signed
    if len(data) > MAX_FILE_BYTES:
        return  # no reader would accept it
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-schema-")  # mode 0600
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)  # readers see a whole pickle or none
    finally:
        unlink_quietly(temporary)
    _prune_stale(path.parent, keep=path.name)


def _prune_stale(directory: Path, keep: str) -> None:
    """Remove our compiled schemas untouched for a month: those of an xmlschema, Python or XSD since replaced."""
    older_than = time.time() - STALE_AFTER_S
    with os.scandir(directory) as listing:
        for item in listing:
            if item.name == keep or not item.name.endswith(SUFFIX):
                continue
            try:
                status = item.stat(follow_symlinks=False)
                if stat.S_ISREG(status.st_mode) and status.st_mtime < older_than:
                    os.unlink(item.path)
            except OSError:
                continue
