# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""How long a check may take: the waits between tries, and the bound on the whole exchange.

Standard library only: the cache imports it to bound how long a fork waits for another
fork's fetch, and must stay cheap to import.
"""

from __future__ import annotations

BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 60.0


def wait_before_retry(retry: int, retry_after_s: float | None = None) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first retry).

    A server's Retry-After may lengthen the wait up to RETRY_AFTER_MAX_S, never shorten it
    below our own exponential backoff: "Retry-After: 0" must not turn retries into a flood.
    """
    backoff = min(BACKOFF_FIRST_S * 2 ** (retry - 1), BACKOFF_MAX_S)
    if retry_after_s is None:
        return backoff
    return max(backoff, min(retry_after_s, RETRY_AFTER_MAX_S))


def worst_case_s(timeout: float, retries: int) -> float:
    """The longest a whole check may take: every try's timeout plus the longest wait between tries."""
    return (retries + 1) * timeout + retries * RETRY_AFTER_MAX_S
