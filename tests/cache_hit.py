"""What a cache hit must not load, for the tests that prove it (unit: the client; integration: the real lookup).

Each host's worker would pay for any of it: Ansible compiles collection code anew in every one.
"""

from __future__ import annotations

MISS_ONLY = ("xmlschema", "requests", "plugin_utils._cache_fill", "plugin_utils._masking", "plugin_utils._transport",
             "plugin_utils._codec", "plugin_utils._schema_cache", "plugin_utils._pacing")
# A Python expression, for the child process under test (it imports sys): the miss-only modules it has loaded.
LOADED_MISS_ONLY = f"sorted(m for m in sys.modules if m.split('.')[0] in {MISS_ONLY!r} or m.endswith({MISS_ONLY!r}))"
