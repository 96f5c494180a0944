"""``drift/``: the evidence of the lockstep runs the runner made for pairs of cells that
differ beyond the tolerance (``parity.verdict.Evidence`` as JSON, one small file per pair
and candidate implementation). The report reads them; it never trains."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .owned import OwnedFolder

__all__ = ["DRIFT_DIR", "drift_path", "read_drift", "write_drift"]

DRIFT_DIR = "drift"


def drift_path(root: str | Path, pair: str, impl: str) -> Path:
    """``<root>/drift/<pair>-<impl>.json`` (a plug-in's ``package.module:Class`` made a file name)."""
    return Path(root) / DRIFT_DIR / f"{pair}-{re.sub(r'[^A-Za-z0-9_.-]', '_', impl)}.json"


def read_drift(root: str | Path, pair: str, impl: str) -> dict | None:
    """The stored evidence of ``pair`` and ``impl``, or ``None`` (none stored, or unreadable)."""
    path = drift_path(root, pair, impl)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_drift(files: OwnedFolder, pair: str, impl: str, data: dict) -> Path:
    """Write ``data`` into the run folder of ``files`` (atomically, listed in its manifest)."""
    return files.write(drift_path(files.root, pair, impl), json.dumps(data, indent=1) + "\n")
