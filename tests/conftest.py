from __future__ import annotations

from _collection_tree import activate

COLLECTIONS_ROOT = activate()
