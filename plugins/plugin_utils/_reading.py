# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""What one document of the platform is, and one reading of it, from the client to the edges.

A ``Document`` says where it lives under ``api_url``, which XSD describes it, and how its
decoded data and its cached model become its typed result. A ``Reading`` carries that typed
result with where and when it was read; plugins turn it into a dict once, at their edge.
Adding a document is one XSD, one typed result with ``from_decoded``/``from_model``/``to_model``,
one ``Document`` in ``_documents.py`` and a thin plugin: see docs/contributing.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from ansible_collections.webcom.mobi.plugins.plugin_utils._record import Record


class Result(Protocol):
    def to_model(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=Result)


class Document(Record, Generic[T]):
    __slots__ = ("name", "path", "schema_file", "what", "from_decoded", "from_model")
    name: str  # names the cache entry and the document in messages ("balance", "senders")
    path: str  # under api_url, e.g. "balance.php"
    schema_file: str  # under schemas/
    what: str  # in messages: "the platform refused <what>"
    from_decoded: Callable[[dict[str, Any]], T]  # the schema's decoded data, already valid
    from_model: Callable[[Mapping[str, Any]], T]  # a model read back (the cache); raises WebcomError when it is not one


class Reading(Record, Generic[T]):
    __slots__ = ("result", "api_url", "fetched_at", "cached", "age_s")
    DEFAULTS = {"cached": False, "age_s": 0}
    result: T
    api_url: str
    fetched_at: str
    cached: bool
    age_s: int

    def to_model(self) -> dict[str, Any]:
        """The contract's model: the result's own keys, then where and when it was read."""
        return {
            **self.result.to_model(),
            "api_url": self.api_url,
            "fetched_at": self.fetched_at,
            "cached": self.cached,
            "age_s": self.age_s,
        }
