"""``python -m experiments grade PATH...``: every submission in its own process, judged,
one row each in ``grades.csv``, ``grades.html`` and the terminal.

Submissions are graded in parallel (joblib); a row is kept in ``<out>/rows/<hash>.json``
keyed by the content of the file and its folder's other Python files (and the grader's
version), so a rerun grades only what changed (rows that timed out are graded again).
The output folder is marked (``.experiments-grades``) and kept like ``parity --out``
(``store.owned``): the grader writes only into a new or empty folder or one it marked,
never through a symlink, never over a file it did not write, and lists every file it
writes in the folder's manifest; a row is reused only if the manifest lists it.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ..store.owned import OwnedFolder, check_folder, mark_folder
from .discover import Entry, find_entries

__all__ = ["grade", "grade_entry", "GRADER_VERSION", "MARKER", "lab_data"]

GRADER_VERSION = "grade-1"
MARKER = ".experiments-grades"
OWN_ENTRIES = ("grades.csv", "grades.html", "rows", MARKER)


def lab_data(seed: int = 100) -> dict[str, np.ndarray]:
    """The grading batch (3 Gaussians of 10 points, standardised: D=2, C=3), the lab's data
    (``sample_gmm_2d(6, 2, 10)``) and a 40 x 40 grid over it for the thumbnail."""
    from data_utils.datasets.course import sample_gauss_2d, sample_gmm_2d
    X, y = sample_gauss_2d(3, 10, rng=seed)
    X = (X - X.mean(axis=0)) / X.std(axis=0)  # standardised: one step moves, nothing saturates
    for s in range(seed, seed + 100):
        Xl, yl = sample_gmm_2d(6, 2, 10, rng=s)
        if len(np.unique(yl)) == 2:
            break
    lo, hi = Xl.min(axis=0) - 0.5, Xl.max(axis=0) + 0.5
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 40), np.linspace(lo[1], hi[1], 40))
    return {"X": X, "y": y, "Xl": Xl, "yl": yl, "grid": np.column_stack([g0.ravel(), g1.ravel()])}


def _check_out(out: Path) -> Path:
    """``out`` if the grader may write there (``store.owned.check_folder``), else ``FolderError``."""
    return check_folder(out, MARKER, "the grader", entries=OWN_ENTRIES, targets=("grades.csv", "grades.html"))


def _output_folder(out: Path) -> OwnedFolder:
    """The checked ``out``, created and marked, to write into."""
    mark_folder(out, MARKER, {"made_by": "python -m experiments grade", "version": GRADER_VERSION})
    return OwnedFolder(out)


def grade_entry(entry: Entry, data_path: str, timeout: float, memory_mb: int) -> dict:
    """One row for ``entry`` (runs the child, judges, draws the thumbnail)."""
    from .rows import make_row
    from .sandbox import run_isolated
    t0 = time.perf_counter()
    if entry.file is None:
        result = {"status": "nothing", "message": "no fcann2_train, PTDeep, layer classes or plug-in class in "
                                                  "this folder's Python files"}
    else:
        result = run_isolated(entry.file, Path(data_path), timeout=timeout, memory_mb=memory_mb)
    with np.load(data_path) as npz:
        data = {k: npz[k] for k in npz.files}
    row = make_row(entry, result, data)
    row["seconds"] = round(time.perf_counter() - t0, 2)
    return row


def grade(paths: list[str], out: str | Path, *, jobs: int = 2, timeout: float = 60.0, memory_mb: int = 2048,
          echo=print) -> list[dict]:
    """Grade every submission under ``paths`` into ``out``; returns the rows in order."""
    import tempfile

    from joblib import Parallel, delayed

    from .table import terminal_line, write_csv, write_html
    out = _check_out(Path(out))
    entries = find_entries(paths, salt=GRADER_VERSION)
    files = _output_folder(out)
    rows_dir = files.folder(out / "rows")
    owned = set(files.owned())
    done, todo = {}, []
    for entry in entries:
        path = rows_dir / f"{entry.digest[:24]}.json"
        if f"rows/{path.name}" in owned and path.is_file() and not path.is_symlink():
            row = json.loads(path.read_text())
            if row.get("status") != "timeout":
                done[entry] = {**row, "submission": entry.name, "reused": True}
                continue
        todo.append(entry)
    if done:
        echo(f"{len(done)} of {len(entries)} submissions unchanged since the last grading: reused")
    with tempfile.TemporaryDirectory(prefix="grade-data-") as tmp:
        data_path = str(Path(tmp) / "data.npz")
        np.savez(data_path, **lab_data())
        results = Parallel(n_jobs=jobs, backend="loky", return_as="generator")(
            delayed(grade_entry)(e, data_path, timeout, memory_mb) for e in todo)
        for entry, row in zip(todo, results):
            files.write(rows_dir / f"{entry.digest[:24]}.json", json.dumps(row))
            done[entry] = row
            echo(terminal_line(row))
    rows = [done[e] for e in entries]
    files.write_with(out / "grades.csv", lambda tmp: write_csv(rows, tmp))
    files.write_with(out / "grades.html", lambda tmp: write_html(rows, tmp))
    return rows
