# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""Check a balance: from the cache when fresh, else encode, POST, judge the reply, decode.

The codec and the transport are imported only on a cache miss: ``xmlschema`` and
``requests`` cost about a third of a second per forked worker, a cache hit almost nothing.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._cache import Warn, cached_or_fetched
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import HTTPStatusError, ResponseFormatError
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings


def current_balance(settings: ConnectionSettings, warn: Warn) -> dict[str, Any]:
    """The balance model, reused from the cache within ``cache_ttl`` seconds (one fetch per account)."""
    return cached_or_fetched(settings, fetch_balance, warn)


def fetch_balance(settings: ConnectionSettings) -> dict[str, Any]:
    """The balance model for these settings, straight from the platform.

    The body decides before the status does: the platform's <error> is reported as such
    whether it came with 400 (as documented) or 200.
    """
    from ansible_collections.webcom.mobi.plugins.plugin_utils._codec import decode_response, encode_request
    from ansible_collections.webcom.mobi.plugins.plugin_utils._transport import excerpt, post_balance_request

    reply = post_balance_request(settings, encode_request(**settings.credentials()))
    try:
        balance = decode_response(reply.body)
    except ResponseFormatError:
        if 200 <= reply.status < 300:
            raise
        said = excerpt(reply.body, settings.secrets)
        status = f"HTTP {reply.status} {reply.reason}".rstrip()
        raise HTTPStatusError(
            f"{status} from {settings.endpoint}" + (f': "{said}"' if said else " with an empty body")
            + "; the platform or a proxy in between failed: check api_url, or try again later"
        ) from None
    fetched_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return balance.to_model(api_url=settings.api_url, fetched_at=fetched_at)
