"""Expanding a config into cells: one training run of one implementation at one grid point.

A cell's ``id`` is a hash of everything that affects its result (data, model, train, seed,
impl), so a rerun recognises finished cells. Cells that differ only in ``impl`` share a
``pair`` key: they start from the same parameters and see the same schedule.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass

from .config import ExperimentConfig, set_path

__all__ = ["Cell", "expand", "spec_hash", "CELL_FORMAT"]

CELL_FORMAT = 2  # bump when the meaning of a spec changes, so old results are not reused


@dataclass(frozen=True)
class Cell:
    id: str
    pair: str
    spec: dict      # ExperimentConfig.base() of this grid point
    keys: dict      # the swept values of this grid point, by dotted path

    @property
    def impl(self) -> str:
        return self.spec["impl"]


def spec_hash(spec: dict) -> str:
    blob = json.dumps({"format": CELL_FORMAT, **spec}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def expand(cfg: ExperimentConfig) -> list[Cell]:
    """All cells of the sweep, in a stable order (the product of the axes in file order)."""
    axes = cfg.sweep_axes
    base = cfg.model_dump(exclude={"sweep"}, exclude_none=True)
    cells, seen = [], set()
    for combo in itertools.product(*axes.values()):
        raw = json.loads(json.dumps(base))
        for path, value in zip(axes, combo):
            set_path(raw, path, value)
        resolved = ExperimentConfig.model_validate({**raw, "sweep": {}})
        spec = resolved.base()
        cid = spec_hash(spec)
        if cid in seen:  # e.g. two spellings of the same hidden size
            continue
        seen.add(cid)
        pair = spec_hash({k: v for k, v in spec.items() if k != "impl"})
        cells.append(Cell(cid, pair, spec, dict(zip(axes, combo))))
    return cells
