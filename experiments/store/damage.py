"""What makes a stored cell unusable, in plain words: a ``cells.jsonl`` line that is not a
cell record (not JSON, a missing or ill-typed field, a string or an impossible NaN among
the metrics), or a record whose side files (``curves/``, ``models/``, ``outputs/``,
``frames/``, ``data/``) cannot be read back - and setting such cells aside
(``sort_out``, for ``RunStore.repair``): each reported once, in plain words.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import os
import re
from pathlib import Path

from pydantic import ValidationError

from data_utils.training.npz_reader import NpzArchive, NpzFileError
from data_utils.training.param_io import ModelFileError, load_params_npz

from ..config import ExperimentConfig

__all__ = ["STATUSES", "line_problem", "record_problem", "curves_problem", "npz_problem", "model_problem",
           "damaged_cells", "sort_out"]

STATUSES = ("ok", "diverged", "error")
_ID = re.compile(r"[0-9a-f]{16}")  # sweep.cell_id: also the side files' stem, so nothing else may pass
_NUMBER = (int, float)
_FIELDS = {"id": str, "pair": str, "impl": str, "keys": dict, "spec": dict, "status": str}
# optional fields: (type, whether the value must be finite and >= 0)
_OPTIONAL = {"metrics": (dict, False), "error": (str, False), "loss": (str, False), "traceback": (str, False),
             "final_loss": (_NUMBER, False), "initial_test_loss": (_NUMBER, False), "diverged_at": (int, True),
             "n_steps": (int, True), "best_epoch": (int, True), "first_max_train": (int, True),
             "n_params": (int, True), "time_per_step": (_NUMBER, True), "wall_time": (_NUMBER, True),
             "cell_time": (_NUMBER, True), "time_engine": (str, False), "engine_note": (str, False),
             "reload": (dict, False), "stopped_early": (bool, False)}
# metrics that are never NaN when present (others, such as macro_f1 or r2, may be)
_UNIT_METRICS = ("accuracy", "precision_macro", "recall_macro", "average_precision", "average_precision_macro",
                 "roc_auc")
_LOSS_METRICS = ("log_loss", "mse", "mae")
_MAX_NESTING = 3


def _is_number(value) -> bool:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def _value_problem(value, depth: int = 0) -> str | None:
    """A metric value: a number, ``None`` or (nested) lists of them."""
    if value is None or _is_number(value):
        return None
    if isinstance(value, list) and depth < _MAX_NESTING:
        return next((p for p in (_value_problem(v, depth + 1) for v in value) if p), None)
    return f"{json.dumps(value)[:40]} is not a number"


def _metrics_problem(metrics: dict, where: str) -> str | None:
    """Why the metric dict of ``metrics`` (``{split: {name: value} | None}``) is unusable."""
    for split, values in metrics.items():
        if values is None:
            continue
        if not isinstance(values, dict):
            return f"{where}.{split} is {type(values).__name__}, not a table of metrics"
        for name, value in values.items():
            key = f"{where}.{split}.{name}"
            problem = _value_problem(value)
            if problem:
                return f"{key}: {problem}"
            if name in _UNIT_METRICS and not (_is_number(value) and 0 <= value <= 1):
                return f"{key} is {value!r}; it is always a number in [0, 1]"
            if name in _LOSS_METRICS and not (_is_number(value) and value >= 0):  # inf: a diverging model's
                return f"{key} is {value!r}; it is always a number >= 0"
            if name == "confusion_matrix" and not (isinstance(value, list) and all(
                    isinstance(row, list) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                                  for n in row) for row in value)):
                return f"{key} is not a table of counts"
    return None


def record_problem(rec) -> str | None:
    """Why the parsed line ``rec`` is not a cell record this runner can use (``None``: it is)."""
    if not isinstance(rec, dict):
        return f"a JSON {type(rec).__name__}, not a cell record"
    for key, kind in _FIELDS.items():
        if not isinstance(rec.get(key), kind):
            return f"field {key!r} is {json.dumps(rec.get(key))[:40]}, not a {kind.__name__}"
    if not _ID.fullmatch(rec["id"]):
        return f"id {rec['id'][:40]!r} is not a cell id (16 hex digits)"
    if not _ID.fullmatch(rec["pair"]):
        return f"pair {rec['pair'][:40]!r} is not a pair id (16 hex digits)"
    if rec["status"] not in STATUSES:
        return f"status {rec['status'][:40]!r} is not one of {', '.join(STATUSES)}"
    for key, (kind, finite) in _OPTIONAL.items():
        value = rec.get(key)
        if value is None:
            continue
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            return f"field {key!r} is {json.dumps(value)[:40]}, of the wrong type"
        if finite and not (math.isfinite(value) and value >= 0):
            return f"field {key!r} is {value!r}; it is always a finite number >= 0"
    problem = _metrics_problem(rec.get("metrics") or {}, "metrics")
    for impl, entry in (rec.get("reload") or {}).items():
        if problem:
            break
        if not isinstance(entry, dict) or not isinstance(entry.get("test") or {}, dict) \
                or _value_problem(entry.get("max_output_diff")):
            problem = f"reload.{impl} is not a reload result"
        else:
            problem = _metrics_problem({"test": entry.get("test")}, f"reload.{impl}")
    if problem:
        return problem
    return _spec_problem(json.dumps(rec["spec"], sort_keys=True))


@functools.lru_cache(maxsize=1 << 16)
def _spec_problem(spec: str) -> str | None:
    """Why a cell's spec (canonical JSON) is not a grid point the config schema accepts.
    Each distinct spec is validated once per process, not at every read of ``cells.jsonl``."""
    try:
        ExperimentConfig.model_validate({**json.loads(spec), "sweep": {}})
    except ValidationError as exc:
        return f"its spec is not a valid grid point ({exc.error_count()} error(s), first: {exc.errors()[0]['msg']})"
    return None


def line_problem(line: str) -> str | None:
    """Why one line of ``cells.jsonl`` is not a usable cell record (``None``: it is)."""
    try:
        rec = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        return f"not JSON ({exc})"
    return record_problem(rec)


def curves_problem(path: Path) -> str | None:
    """Why a ``curves/`` file is unreadable: ``{name: [number | null]}`` or a list of numbers."""
    try:
        curves = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: JSON and UTF-8 errors
        return f"not readable JSON ({type(exc).__name__}: {exc})"
    series = curves.values() if isinstance(curves, dict) else [curves]
    if not all(isinstance(s, list) and all(v is None or _is_number(v) for v in s) for s in series):
        return "not per-epoch series of numbers"
    return None


def npz_problem(path: Path) -> str | None:
    """Why an ``outputs/``, ``frames/`` or ``data/`` archive cannot be read back whole."""
    try:
        with NpzArchive(path, max_ratio=math.inf) as npz:  # the runner's own files: sizes, not ratios
            npz.read_all()
    except NpzFileError as exc:
        return str(exc).replace(f"{path}: ", "").replace(str(path), "the file")
    return None


def model_problem(path: Path) -> str | None:
    """Why a ``models/`` file cannot be loaded (``load_params_npz``)."""
    try:
        load_params_npz(path)
    except ModelFileError as exc:
        return str(exc).replace(f"{path}: ", "").replace(str(path), "the file")
    return None


log = logging.getLogger(__name__)
_CHECKS = {"curves": curves_problem, "model": model_problem, "outputs": npz_problem, "frames": npz_problem}


def damaged_cells(store, records: list[dict]) -> dict[str, list[tuple[Path, str]]]:
    """``{cell id: [(damaged file, what is wrong)]}`` of ``records`` (usable lines of
    ``store``; a file that does not exist is not damage). A damaged ``data/`` file, shared
    by the cells of one data spec, is damage of each of them: none can be drawn without it."""
    damaged: dict[str, list[tuple[Path, str]]] = {}
    data_problems: dict[Path, str | None] = {}
    for rec in records:
        for kind, path in store.side_files(rec).items():
            if kind == "data" and path not in data_problems:
                data_problems[path] = npz_problem(path) if path.is_file() else None
            problem = data_problems[path] if kind == "data" else _CHECKS[kind](path) if path.is_file() else None
            if problem:
                damaged.setdefault(rec["id"], []).append((path, problem))
    return damaged


def sort_out(store, lines: list[str]):
    """Split the lines of ``store``'s ``cells.jsonl`` into ``(kept, rejected, set_aside)``:
    the usable records, the lines to set aside (not records, or records with damaged
    files; both reported here, once) and a function that moves the damaged files to the
    same place under ``store.rejected_dir`` (a free name: nothing is overwritten)."""
    lines = [line for line in lines if line.strip()]
    problems = [line_problem(line) for line in lines]
    bad = [f"line {n}: {p}" for n, p in enumerate(problems, 1) if p]
    damaged = damaged_cells(store, [json.loads(line) for line, p in zip(lines, problems) if not p])
    kept, rejected = [], []
    for line, problem in zip(lines, problems):
        (rejected if problem or json.loads(line)["id"] in damaged else kept).append(line)
    if bad:
        log.warning("%s: %d line(s) are not cell records (%s); moved to %s, their cells run again",
                    store.cells_path, len(bad), "; ".join(bad), store.rejected_path.name)
    by_file: dict[tuple[Path, str], list[str]] = {}
    for cell_id, files in damaged.items():
        for path, problem in files:
            by_file.setdefault((path, problem), []).append(cell_id)
    destinations = {path: _free_name(store.rejected_dir / path.relative_to(store.root)) for path, _ in by_file}
    for (path, problem), ids in by_file.items():
        many = len(ids) > 1
        log.warning("%s is damaged (%s): moved to %s; cell%s %s set aside (line%s moved to %s), the next run "
                    "trains %s again", path.relative_to(store.root), problem,
                    destinations[path].relative_to(store.root), "s" * many, ", ".join(ids), "s" * many,
                    store.rejected_path.name, "them" if many else "it")

    def set_aside() -> None:
        for path, dest in destinations.items():
            store.files.move_aside(path, dest)
    return kept, rejected, set_aside


def _free_name(dest: Path) -> Path:
    """``dest``, or ``dest.1``, ``dest.2`` ... whichever does not exist yet."""
    n, free = 0, dest
    while os.path.lexists(free):
        n += 1
        free = dest.with_name(f"{dest.name}.{n}")
    return free
