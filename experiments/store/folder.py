"""Which folders the runner may write into, and what ``--fresh`` may remove.

A run folder is marked at creation by ``MARKER`` (a small JSON file). The runner writes
only into a folder that is new, empty, or already marked (``owned_folder.check_folder``);
every file it writes is listed in the folder's manifest (``owned_folder.MANIFEST``), and
``--fresh`` removes exactly those files (plus runner sub-folders left empty), so a folder
that was never a run - or a user's own files inside a run folder, even inside ``tables/``
or ``plots/`` - are never touched. ``LOCK_FILE`` (see ``run_lock``) is never removed: it
may be held.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

from ..errors import UserInputError
from .owned import MANIFEST, FolderError, OwnedFolder, check_folder, mark_folder

__all__ = ["MARKER", "LOCK_FILE", "RUNNER_ENTRIES", "RUNNER_FOLDERS", "RunFolderError", "check_run_folder",
           "mark_run_folder", "is_run_folder", "clear_run_folder"]

MARKER = ".experiments-run"
LOCK_FILE = ".experiments-run.lock"
RUNNER_FOLDERS = ("curves", "models", "tables", "plots", "outputs", "frames", "data", "drift")
# The names the runner writes at the top of a run folder.
RUNNER_ENTRIES = ("config.toml", "environment.json", "cells.jsonl", "cells.rejected.jsonl", *RUNNER_FOLDERS,
                  "grid.json", "references.jsonl", "report.md", "report.html", MARKER)
RunFolderError = FolderError


def is_run_folder(path: Path) -> bool:
    return (path / MARKER).is_file()


def check_run_folder(path: str | Path, option: str = "--out") -> Path:
    """``path`` as a run folder the runner may write into, or ``RunFolderError``.

    Allowed: a path where a folder can be made, an empty folder (but for ``LOCK_FILE``), or
    a folder holding ``MARKER``. Refused: a file, a non-empty folder the runner did not
    create, a symlink at a name the runner writes (``report.html``, ``tables``, ...).
    """
    return check_folder(path, MARKER, "this runner", kind="run folder", option=option, ignore=(LOCK_FILE,),
                        entries=(*RUNNER_ENTRIES, LOCK_FILE))


def mark_run_folder(path: Path, info: dict) -> None:
    """Create ``path`` (if needed) and write the marker (once; an existing one is kept)."""
    mark_folder(path, MARKER, {"made_by": "python -m experiments run", **info})


def clear_run_folder(path: str | Path) -> list[str]:
    """Remove the files the runner wrote (its manifest) from the marked folder ``path``
    (``--fresh``), and the runner's sub-folders that are then empty.

    Anything else in it stays. Returns the relative paths removed. A folder without the
    marker raises ``RunFolderError`` and is left as it is. Call ``RunStore.adopt`` first
    for a folder written before the manifest existed.
    """
    path = check_run_folder(path)
    if not path.exists() or not is_run_folder(path):
        return []  # new or empty: nothing of ours to remove
    files = OwnedFolder(path)
    owned = files.owned()
    first = [rel for rel in owned if rel != MARKER]
    removed = [rel for rel in first if files.remove(path / rel)]
    for name in RUNNER_FOLDERS:
        with contextlib.suppress(OSError):  # not empty (the user's files), or not there
            if not (path / name).is_symlink():
                (path / name).rmdir()
    if MARKER in owned and files.remove(path / MARKER):  # the marker last: it goes when the rest is gone
        removed.append(MARKER)
    (path / MANIFEST).unlink(missing_ok=True)
    return removed
