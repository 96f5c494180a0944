"""The on-disk layout of one run and crash-safe writes.

``cells.jsonl`` gets one complete line per finished cell, flushed and fsynced; a line torn
by a kill is cut off on the next open, so a resumed run never sees a corrupt or duplicated
row. Side files (``curves/``, ``models/`` final parameters, ``outputs/`` model outputs,
``frames/`` animation frames, ``data/`` the drawn data once per data spec) are written
atomically *before* their line; ``grid.json`` lists the grid's cell ids in order.
``references.jsonl`` holds the reference models' records the same way (outputs in
``outputs/``). Every write goes through ``OwnedFolder`` (no symlink followed; each file
listed in the folder's manifest, which is what ``--fresh`` removes). The report reads nothing
else. A cell that cannot be used - a line that is not a cell record (hand-edited, from
another tool, a string metric) or a record whose side files are damaged (truncated, corrupt:
``cell_damage``) - is set aside once, with one warning naming the cell, the file and the
problem: its line moves to ``cells.rejected.jsonl``, its damaged files to ``rejected/``
(moved, never deleted, and left there by ``--fresh``); it counts as unfinished and runs again.
"""
from __future__ import annotations

import io
import json
import logging
import math
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np

from data_utils.training.npz_reader import NpzArchive, NpzFileError
from data_utils.training.param_io import load_params_npz, model_metadata, save_params_npz

from ..config.ids import stable_id
from ..config.load import ExperimentConfig, dump_toml
from .damage import STATUSES, line_problem, record_problem, sort_out
from .folder import MARKER, mark_run_folder
from .owned import OwnedFolder

__all__ = ["RunStore", "environment_record", "is_record", "data_key", "STATUSES"]

log = logging.getLogger(__name__)

_REFERENCE_ID = re.compile(r"ref-[0-9a-f]{16}")  # config.baselines.reference_id: also its side files' stem
_PACKAGES = ("numpy", "torch", "scikit-learn", "pandas", "matplotlib", "joblib", "pydantic", "dask",
             "distributed", "threadpoolctl")


def _npz_bytes(arrays: dict) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of ``path``; ``{}`` when it is absent or (read without ``repair``) damaged."""
    if not path.is_file():
        return {}
    try:
        with NpzArchive(path, max_ratio=math.inf) as npz:  # the runner's own file: sizes checked, not ratios
            return npz.read_all()
    except NpzFileError as exc:
        log.warning("%s is damaged, read as empty: %s", path, exc)
        return {}


def data_key(data_spec: dict) -> str:
    """The file stem under ``data/`` of a cell's data (a hash of its ``spec["data"]``)."""
    return stable_id(data_spec, compact=False)


def is_record(rec) -> bool:
    """Whether ``rec`` (one parsed line) is a cell record this runner can use."""
    return record_problem(rec) is None


def _parse(line: str) -> dict | None:
    return None if line_problem(line) else json.loads(line)


def environment_record() -> dict:
    """Package versions, Python, CPU and git commit of this run."""
    versions = {}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                                cwd=Path(__file__).parent).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "python": sys.version.split()[0],
            "platform": platform.platform(), "cpu": cpu, "cpu_count": os.cpu_count(), "git_commit": commit,
            "packages": versions}


def _cut_torn_line(files: OwnedFolder, path: Path) -> bytes | None:
    """Cut a torn last line of the ledger ``path``; its remaining bytes, ``None`` if absent."""
    if not path.exists():
        return None
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        log.warning("%s: dropping a torn last line (%d bytes) left by an interrupted run", path, len(data) - cut)
        files.truncate(path, cut)
        data = data[:cut]
    return data


def _is_reference_record(rec) -> bool:
    return (isinstance(rec, dict) and rec.get("kind") == "reference" and isinstance(rec.get("id"), str)
            and _REFERENCE_ID.fullmatch(rec["id"]) is not None   # the id names its side files
            and isinstance(rec.get("reference"), dict) and isinstance(rec.get("data"), dict)
            and rec.get("status") in ("ok", "error") and isinstance(rec.get("metrics") or {}, dict))


class RunStore:
    """Files of one run under ``root``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.files = OwnedFolder(self.root)  # every write goes through it (no symlink followed; listed)
        self.cells_path = self.root / "cells.jsonl"
        self.rejected_path = self.root / "cells.rejected.jsonl"
        self.rejected_dir = self.root / "rejected"  # damaged side files, set aside by ``repair``
        self.config_path = self.root / "config.toml"
        self.env_path = self.root / "environment.json"
        self.curves_dir = self.root / "curves"
        self.models_dir = self.root / "models"
        self.tables_dir = self.root / "tables"
        self.plots_dir = self.root / "plots"
        self.outputs_dir = self.root / "outputs"
        self.frames_dir = self.root / "frames"
        self.data_dir = self.root / "data"
        self.grid_path = self.root / "grid.json"
        self.references_path = self.root / "references.jsonl"

    def create(self, cfg: ExperimentConfig) -> None:
        self.adopt()  # before the first write
        mark_run_folder(self.root, {"name": cfg.name})
        for folder in (self.curves_dir, self.models_dir, self.tables_dir, self.plots_dir):
            self.files.folder(folder)
        self.files.write(self.config_path, dump_toml(cfg))
        self.files.write(self.env_path, json.dumps(environment_record(), indent=2))
        self.repair()

    def adopt(self) -> None:
        """List in the manifest the files a run folder written before the manifest existed
        holds under the runner's names: the top-level files, the side files of its records
        (by cell id and data key), the tables and the figures ``report.md`` links. Nothing
        else in such a folder is ever removed. A no-op once the folder has a manifest."""
        if os.path.lexists(self.files.manifest) or not ((self.root / MARKER).is_file() or self.cells_path.is_file()):
            return
        names = [self.root / n for n in (MARKER, "config.toml", "environment.json", "cells.jsonl",
                                         "cells.rejected.jsonl", "grid.json", "references.jsonl", "report.md",
                                         "report.html")]
        names += [self.tables_dir / f"{stem}.{ext}" for stem in ("summary", "references", "reload")
                  for ext in ("csv", "md", "txt")] + [self.tables_dir / n for n in ("cells.csv", "summary_wide.txt")]
        for rec in self.records():
            names += [self.outputs_dir / f"{rec['id']}.npz", self.data_dir / f"{data_key(rec['spec']['data'])}.npz"]
            names += [d / f"{rec['id']}{ext}" for d, ext in ((self.curves_dir, ".json"), (self.models_dir, ".npz"),
                                                           (self.frames_dir, ".npz"))]
        for rec in self.reference_records():
            names += [self.outputs_dir / f"{rec['id']}.npz", self.data_dir / f"{data_key(rec['data'])}.npz"]
        report = self.root / "report.md"
        if report.is_file():
            names += [self.root / m for m in re.findall(r"\]\((plots/[^)/]+\.(?:png|gif))\)", report.read_text())]
        self.files.record(p for p in names if p.is_file() and not p.is_symlink())

    def repair(self) -> list[str]:
        """Cut a torn last line (a kill mid-write), so appends start on a fresh line, and set
        aside every cell that cannot be used (``cell_damage.sort_out``): its line goes to
        ``rejected_path``, its damaged files into ``rejected_dir`` (moved, never deleted);
        each is reported once, and the cells count as unfinished, so a run trains them
        again. Call with the run's lock. Returns the ids of the cells set aside."""
        self.adopt()
        _cut_torn_line(self.files, self.references_path)
        data = _cut_torn_line(self.files, self.cells_path)
        if data is None:
            return []
        kept, rejected, set_aside = sort_out(self, data.decode("utf-8", errors="replace").splitlines(keepends=True))
        if rejected:
            self.files.append(self.rejected_path, "".join(line if line.endswith("\n") else line + "\n"
                                                          for line in rejected))
            self.files.write(self.cells_path, "".join(kept))
            set_aside()  # after the ledger: no record is left pointing at a moved file
        return [json.loads(line)["id"] for line in rejected if not line_problem(line)]

    def rejected_ids(self) -> set[str]:
        """Ids of the cell lines in ``rejected_path`` (set aside now or by an earlier run)."""
        ids = set()
        for line in self.rejected_path.read_text(errors="replace").splitlines() if self.rejected_path.exists() else []:
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                continue
            if isinstance(rec, dict) and isinstance(rec.get("id"), str):
                ids.add(rec["id"])
        return ids

    def records(self) -> list[dict]:
        """Finished cells, first record per id (lines that are not records are skipped)."""
        if not self.cells_path.exists():
            return []
        out, seen = [], set()
        for line in self.cells_path.read_text(errors="replace").splitlines():
            rec = _parse(line) if line.strip() else None
            if rec is not None and rec["id"] not in seen:
                seen.add(rec["id"])
                out.append(rec)
        return out

    def write_grid(self, cell_ids: list[str]) -> None:
        """Record which cells make up the grid, in grid order (the report's rows)."""
        self.files.write(self.grid_path, json.dumps(cell_ids))

    def grid_ids(self) -> list[str] | None:
        """The grid's cell ids in order, or ``None`` for a folder written before ``grid.json``."""
        try:
            ids = json.loads(self.grid_path.read_text())
        except (OSError, json.JSONDecodeError):
            return None
        return ids if isinstance(ids, list) and all(isinstance(i, str) for i in ids) else None

    def finished_ids(self) -> set[str]:
        return {rec["id"] for rec in self.records()}

    def append(self, record: dict) -> None:
        """Write the side files of ``record``, then its line (flushed and fsynced)."""
        record = dict(record)
        curves = record.pop("curves", {})
        params = record.pop("params", None)
        outputs, data, frames = (record.pop(k, None) for k in ("outputs", "data", "frames"))
        if record.get("status") != "error":
            record.pop("traceback", None)
        self.files.write(self.curves_dir / f"{record['id']}.json", json.dumps(curves))
        if outputs:
            self.files.write(self.outputs_dir / f"{record['id']}.npz", _npz_bytes(outputs))
        if frames:
            self.files.write(self.frames_dir / f"{record['id']}.npz", _npz_bytes(frames))
        data_path = self.data_dir / f"{data_key(record['spec']['data'])}.npz"
        if data and not data_path.exists():
            self.files.write(data_path, _npz_bytes(data))
        if params is not None and all(np.isfinite(a).all() for layer in params for a in layer):
            model = record["spec"]["model"]
            meta = model_metadata(params, model["activation"], record["loss"], model["negative_slope"],
                                  record["impl"])
            self.files.write_with(self.models_dir / f"{record['id']}.npz",
                                  lambda tmp: save_params_npz(tmp, params, meta))
        self.files.append(self.cells_path, json.dumps(record, sort_keys=True) + "\n")

    def append_reference(self, record: dict) -> None:
        """Write a reference record's outputs and drawn data, then its line in ``references.jsonl``."""
        record = dict(record)
        outputs, plot = record.pop("outputs", None), record.pop("plot", None)
        if record.get("status") != "error":
            record.pop("traceback", None)
        if outputs:
            self.files.write(self.outputs_dir / f"{record['id']}.npz", _npz_bytes(outputs))
        data_path = self.data_dir / f"{data_key(record['data'])}.npz"
        if plot and not data_path.exists():
            self.files.write(data_path, _npz_bytes(plot))
        self.files.append(self.references_path, json.dumps(record, sort_keys=True) + "\n")

    def reference_records(self) -> list[dict]:
        """Finished reference runs, first record per id (other lines are skipped: they run again)."""
        if not self.references_path.exists():
            return []
        out = {}
        for line in self.references_path.read_text(errors="replace").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if _is_reference_record(rec):
                out.setdefault(rec["id"], rec)
        return list(out.values())

    def curves(self, cell_id: str) -> dict[str, list[float]]:
        """Per-epoch series of a cell: ``loss`` (training objective), ``lr``, ``test_loss``,
        ``test_score`` and, with a validation part, ``train_*``/``validation_*``."""
        path = self.curves_dir / f"{cell_id}.json"
        curves = json.loads(path.read_text()) if path.exists() else {}
        return {"loss": curves} if isinstance(curves, list) else curves  # a list: the loss alone

    def curve(self, cell_id: str) -> list[float]:
        """The training objective per epoch."""
        return self.curves(cell_id).get("loss", [])

    def params(self, cell_id: str):
        """The final parameters of a cell (list of ``(W, b)``), or ``None`` when not stored
        (an error, or a diverged cell whose parameters are not finite)."""
        path = self.model_path(cell_id)
        return None if path is None else load_params_npz(path)[0]

    def outputs(self, cell_id: str) -> dict[str, np.ndarray]:
        """A cell's model outputs (see ``experiments.cell_outputs.cell_outputs``); ``{}`` if none."""
        return _read_npz(self.outputs_dir / f"{cell_id}.npz")

    def frames(self, cell_id: str) -> dict[str, np.ndarray]:
        """A cell's animation frames (see ``FrameRecorder``); ``{}`` if none."""
        return _read_npz(self.frames_dir / f"{cell_id}.npz")

    def data(self, data_spec: dict) -> dict[str, np.ndarray]:
        """The drawn data of a cell's ``spec["data"]`` (see ``plot_data``); ``{}`` if none."""
        return _read_npz(self.data_dir / f"{data_key(data_spec)}.npz")

    def side_files(self, rec: dict) -> dict[str, Path]:
        """Where the files of the cell record ``rec`` are (whether or not they exist):
        ``curves``, ``model``, ``outputs``, ``frames`` and the shared ``data``."""
        cell_id = rec["id"]
        return {"curves": self.curves_dir / f"{cell_id}.json", "model": self.models_dir / f"{cell_id}.npz",
                "outputs": self.outputs_dir / f"{cell_id}.npz", "frames": self.frames_dir / f"{cell_id}.npz",
                "data": self.data_dir / f"{data_key(rec['spec']['data'])}.npz"}

    def model_path(self, cell_id: str) -> Path | None:
        path = self.models_dir / f"{cell_id}.npz"
        return path if path.exists() else None
