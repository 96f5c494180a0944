"""Stable ids: the first 16 hex digits of the SHA-256 of a value's canonical JSON (keys
sorted). Cell ids, pair ids, reference ids and data file stems are all made here, so the
runner and the report compute them alike."""
from __future__ import annotations

import hashlib
import json

__all__ = ["stable_id"]


def stable_id(value, *, compact: bool = True) -> str:
    """16 hex digits identifying ``value`` (JSON-serialisable). ``compact``: JSON without
    spaces after separators; ``False`` keeps ``json.dumps``' default separators (the data
    file stems of run folders written so far)."""
    separators = (",", ":") if compact else None
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=separators).encode()).hexdigest()[:16]
