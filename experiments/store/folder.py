"""Which folders the runner may write into, and what ``--fresh`` may remove.

A run folder is marked at creation by ``MARKER`` (a small JSON file). The runner writes
only into a folder that is new, empty, or already marked; ``--fresh`` removes only the
entries the runner itself writes (``RUNNER_ENTRIES``) from a marked folder, so a folder
that was never a run - or a user's own files inside a run folder - are never touched.
``LOCK_FILE`` (see ``run_lock``) is not an entry ``--fresh`` removes: it may be held.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..errors import UserInputError

__all__ = ["MARKER", "LOCK_FILE", "RUNNER_ENTRIES", "RunFolderError", "check_run_folder", "mark_run_folder",
           "is_run_folder", "clear_run_folder"]

MARKER = ".experiments-run"
LOCK_FILE = ".experiments-run.lock"
# Everything the runner writes into a run folder (the marker last: it goes when the rest is gone).
RUNNER_ENTRIES = ("config.toml", "environment.json", "cells.jsonl", "cells.rejected.jsonl", "curves", "models", "tables", "plots",
                  "outputs", "frames", "data", "drift", "grid.json", "references.jsonl",
                  "report.md", "report.html", MARKER)


class RunFolderError(UserInputError):
    """A run folder that cannot be used as asked; nothing was written or removed."""


def is_run_folder(path: Path) -> bool:
    return (path / MARKER).is_file()


def check_run_folder(path: str | Path) -> Path:
    """``path`` as a run folder the runner may write into, or ``RunFolderError``.

    Allowed: a path that does not exist yet, an empty folder (but for ``LOCK_FILE``), or
    a folder holding ``MARKER``. Refused: a file, or a non-empty folder the runner did
    not create.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise RunFolderError(f"run folder {path} is a file, not a folder")
    if path.is_dir() and not is_run_folder(path) and any(p.name != LOCK_FILE for p in path.iterdir()):
        raise RunFolderError(f"{path} is not empty and was not made by this runner (no {MARKER} file); "
                             "choose another --out or an empty folder")
    return path


def mark_run_folder(path: Path, info: dict) -> None:
    """Create ``path`` (if needed) and write the marker (once; an existing one is kept)."""
    path.mkdir(parents=True, exist_ok=True)
    marker = path / MARKER
    if not marker.exists():
        marker.write_text(json.dumps({"made_by": "python -m experiments run", **info}, indent=2) + "\n")


def clear_run_folder(path: str | Path) -> list[str]:
    """Remove the runner's own entries from the marked folder ``path`` (``--fresh``).

    Anything else in it stays. Returns the names removed. A folder without the marker
    raises ``RunFolderError`` and is left as it is.
    """
    path = check_run_folder(path)
    if not path.exists() or not is_run_folder(path):
        return []  # new or empty: nothing of ours to remove
    removed = []
    for name in RUNNER_ENTRIES:
        entry = path / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        elif entry.exists() or entry.is_symlink():
            entry.unlink()
        else:
            continue
        removed.append(name)
    return removed
