# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""Check a balance: encode, POST, judge the reply, decode into the balance model."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ansible_collections.webcom.mobi.plugins.plugin_utils._codec import decode_response, encode_request
from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import HTTPStatusError, ResponseFormatError
from ansible_collections.webcom.mobi.plugins.plugin_utils._options import ConnectionSettings
from ansible_collections.webcom.mobi.plugins.plugin_utils._transport import excerpt, post_balance_request


def fetch_balance(settings: ConnectionSettings) -> dict[str, Any]:
    """The balance model for these settings, straight from the platform.

    The body decides before the status does: the platform's <error> is reported as such
    whether it came with 400 (as documented) or 200.
    """
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
