# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""Read one of the platform's documents: from the cache when fresh, else connect, encode, POST, judge, decode.

The codec and the transport are imported only on a cache miss: ``xmlschema`` costs about a
tenth of a second per forked worker, a cache hit almost nothing. On a miss the library loads
while the connection is being made, and the request is encoded once it is up.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._cache import Warn, cached_or_fetched
from ansible_collections.webcom.mobi.plugins.plugin_utils._documents import BALANCE
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import HTTPStatusError, ResponseFormatError
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._reading import Document, Reading, T


def read(settings: ConnectionSettings, document: Document[T], warn: Warn) -> Reading[T]:
    """The document, reused from the cache within ``cache_ttl`` seconds (one fetch per account and document)."""
    return cached_or_fetched(settings, document, fetch, warn)


def current_balance(settings: ConnectionSettings, warn: Warn) -> dict[str, Any]:
    """The balance model, as the lookup returns it."""
    return read(settings, BALANCE, warn).to_model()


def fetch(settings: ConnectionSettings, document: Document[T]) -> Reading[T]:
    """The document for these settings, straight from the platform.

    The body decides before the status does: the platform's <error> is reported as such
    whether it came with 400 (as documented) or 200.
    """
    from ansible_collections.webcom.mobi.plugins.plugin_utils._codec import decode_response, encode_request, loading_in_background
    from ansible_collections.webcom.mobi.plugins.plugin_utils._transport import excerpt, post_document

    endpoint = settings.endpoint(document.path)
    with loading_in_background(document):
        # Encoded once the connection is up: the library's loading overlaps the network's round trips.
        reply = post_document(settings, endpoint, lambda: encode_request(document, settings.credentials))
    try:
        result = decode_response(document, reply.body)
    except ResponseFormatError:
        if 200 <= reply.status < 300:
            raise
        said = excerpt(reply.body, settings.secrets)
        status = f"HTTP {reply.status} {reply.reason}".rstrip()
        raise HTTPStatusError(
            f"{status} from {endpoint}" + (f': "{said}"' if said else " with an empty body")
            + "; the platform or a proxy in between failed: check api_url, or try again later"
        ) from None
    fetched_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Reading(result, api_url=settings.api_url, fetched_at=fetched_at)
