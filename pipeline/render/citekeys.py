"""Pure: stable citation keys. STUB (issue #6 replaces it)."""
from __future__ import annotations

from pipeline.model import Record


def assign(records: list[Record], published: dict) -> tuple[dict[str, str], dict]:
    """({item key: citation key}, the key map to store). `published` is the stored key map."""
    keys = {r.key: r.citation_key or r.key for r in records}
    return keys, {"keys": dict(sorted(keys.items()))}
