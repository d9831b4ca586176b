# Copyright (c) 2026, webcom.mobi contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# This file is internal to the webcom.mobi collection: it is not a public API and
# may change without notice.

"""What any answer may cost us: the caps the transport and the codec both enforce.

docs/security.md lists these figures with the measurements behind them.
"""

from __future__ import annotations

from ansible_collections.webcom.mobi.plugins.plugin_utils._errors import ResponseTooLargeError

MAX_BODY_BYTES = 1024 * 1024
MAX_ELEMENTS = 10_000
MAX_DEPTH = 32
# Namespace declarations and attributes cost xmlschema quadratic time and memory: a body under
# the size cap with 16 000 declarations on one element took gigabytes. A platform document has
# none of the first and a handful of the second.
MAX_NAMESPACE_DECLARATIONS = 16
MAX_ATTRIBUTES_PER_ELEMENT = 64


def body_too_large() -> ResponseTooLargeError:
    """The error for a body over the cap, wherever the cap is noticed (while reading or decoding)."""
    return ResponseTooLargeError(
        f"the response is larger than {MAX_BODY_BYTES // 1024} KiB and was refused without reading the rest; "
        "check that api_url points at the balance interface"
    )
