"""The on-disk layout of one run and crash-safe writes.

``cells.jsonl`` gets one complete line per finished cell, flushed and fsynced; a line torn
by a kill is cut off on the next open, so a resumed run never sees a corrupt or duplicated
row. Side files (``curves/``, ``models/`` final parameters, ``outputs/`` model outputs,
``frames/`` animation frames, ``data/`` the drawn data once per data spec) are written
atomically *before* their line; ``grid.json`` lists the grid's cell ids in order.
``references.jsonl`` holds the reference models' records the same way (outputs in
``outputs/``). The report reads nothing else. A line that
is not a cell record (hand-edited, from another tool) is moved to ``cells.rejected.jsonl``
once, with one warning; its cell counts as unfinished and runs again.
"""
from __future__ import annotations

import functools
import io
import json
import logging
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from data_utils.training.param_io import load_params_npz, model_metadata, save_params_npz

from ..config.ids import stable_id
from ..config.load import ExperimentConfig, dump_toml
from .folder import mark_run_folder

__all__ = ["RunStore", "environment_record", "is_record", "data_key", "STATUSES"]

log = logging.getLogger(__name__)

STATUSES = ("ok", "diverged", "error")
_FIELDS = {"id": str, "pair": str, "impl": str, "keys": dict, "spec": dict, "status": str}
_OPTIONAL = {"metrics": dict, "error": str, "loss": str, "final_loss": (int, float), "diverged_at": int,
             "n_steps": int, "time_per_step": (int, float)}
_PACKAGES = ("numpy", "torch", "scikit-learn", "pandas", "matplotlib", "joblib", "pydantic", "dask",
             "distributed", "threadpoolctl")


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _write_npz(path: Path, arrays: dict) -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, buf.getvalue())


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        return {}
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def data_key(data_spec: dict) -> str:
    """The file stem under ``data/`` of a cell's data (a hash of its ``spec["data"]``)."""
    return stable_id(data_spec, compact=False)


def is_record(rec) -> bool:
    """Whether ``rec`` (one parsed line) is a cell record this runner can use."""
    if not isinstance(rec, dict) or any(not isinstance(rec.get(k), t) for k, t in _FIELDS.items()):
        return False
    if rec["status"] not in STATUSES or any(rec.get(k) is not None and (isinstance(rec[k], bool) or not isinstance(rec[k], t))
                                            for k, t in _OPTIONAL.items()):
        return False
    if any(m is not None and not isinstance(m, dict) for m in (rec.get("metrics") or {}).values()):
        return False
    return _valid_spec(json.dumps(rec["spec"], sort_keys=True))


@functools.lru_cache(maxsize=1 << 16)
def _valid_spec(spec: str) -> bool:
    """Whether a cell's spec (as canonical JSON) is a run the config schema accepts. Each
    distinct spec is validated once per process, not at every read of ``cells.jsonl``."""
    try:
        ExperimentConfig.model_validate({**json.loads(spec), "sweep": {}})
    except ValidationError:
        return False
    return True


def _parse(line: str) -> dict | None:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError:
        return None
    return rec if is_record(rec) else None


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


def _cut_torn_line(path: Path) -> bytes | None:
    """Cut a torn last line of the ledger ``path``; its remaining bytes, ``None`` if absent."""
    if not path.exists():
        return None
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        log.warning("%s: dropping a torn last line (%d bytes) left by an interrupted run", path, len(data) - cut)
        with open(path, "r+b") as fh:
            fh.truncate(cut)
        data = data[:cut]
    return data


def _append_line(path: Path, record: dict) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _is_reference_record(rec) -> bool:
    return (isinstance(rec, dict) and rec.get("kind") == "reference" and isinstance(rec.get("id"), str)
            and isinstance(rec.get("reference"), dict) and isinstance(rec.get("data"), dict)
            and rec.get("status") in ("ok", "error") and isinstance(rec.get("metrics") or {}, dict))


class RunStore:
    """Files of one run under ``root``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.cells_path = self.root / "cells.jsonl"
        self.rejected_path = self.root / "cells.rejected.jsonl"
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
        mark_run_folder(self.root, {"name": cfg.name})
        for folder in (self.root, self.curves_dir, self.models_dir, self.tables_dir, self.plots_dir):
            folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.config_path, dump_toml(cfg).encode())
        _atomic_write(self.env_path, json.dumps(environment_record(), indent=2).encode())
        self.repair()

    def repair(self) -> None:
        """Cut a torn last line (a kill mid-write), so appends start on a fresh line, and
        move lines that are not cell records to ``rejected_path``. Call with the run's lock."""
        _cut_torn_line(self.references_path)
        data = _cut_torn_line(self.cells_path)
        if data is None:
            return
        lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
        bad = [line for line in lines if line.strip() and _parse(line) is None]
        if not bad:
            return
        with open(self.rejected_path, "a", encoding="utf-8") as fh:
            fh.writelines(bad)
            fh.flush()
            os.fsync(fh.fileno())
        good = [line for line in lines if line.strip() and _parse(line) is not None]
        _atomic_write(self.cells_path, "".join(good).encode())
        log.warning("%s: %d line(s) are not cell records; moved to %s, their cells run again",
                    self.cells_path, len(bad), self.rejected_path.name)

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
        _atomic_write(self.grid_path, json.dumps(cell_ids).encode())

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
        _atomic_write(self.curves_dir / f"{record['id']}.json", json.dumps(curves).encode())
        if outputs:
            _write_npz(self.outputs_dir / f"{record['id']}.npz", outputs)
        if frames:
            _write_npz(self.frames_dir / f"{record['id']}.npz", frames)
        data_path = self.data_dir / f"{data_key(record['spec']['data'])}.npz"
        if data and not data_path.exists():
            _write_npz(data_path, data)
        if params is not None and all(np.isfinite(a).all() for layer in params for a in layer):
            model = record["spec"]["model"]
            meta = model_metadata(params, model["activation"], record["loss"], model["negative_slope"],
                                  record["impl"])
            tmp = self.models_dir / f"{record['id']}.npz.tmp"
            save_params_npz(tmp, params, meta)
            os.replace(tmp, self.models_dir / f"{record['id']}.npz")
        _append_line(self.cells_path, record)

    def append_reference(self, record: dict) -> None:
        """Write a reference record's outputs and drawn data, then its line in ``references.jsonl``."""
        record = dict(record)
        outputs, plot = record.pop("outputs", None), record.pop("plot", None)
        if record.get("status") != "error":
            record.pop("traceback", None)
        if outputs:
            _write_npz(self.outputs_dir / f"{record['id']}.npz", outputs)
        data_path = self.data_dir / f"{data_key(record['data'])}.npz"
        if plot and not data_path.exists():
            _write_npz(data_path, plot)
        _append_line(self.references_path, record)

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

    def model_path(self, cell_id: str) -> Path | None:
        path = self.models_dir / f"{cell_id}.npz"
        return path if path.exists() else None
