"""Expanding a config into cells: one training run of one implementation at one grid point.

A cell's ``id`` is a hash of everything that affects its result (data, model, train, seed,
impl), so a rerun recognises finished cells. Cells that differ only in ``impl`` share a
``pair`` key: they start from the same parameters and see the same schedule.
"""
from __future__ import annotations

from dataclasses import dataclass

from .ids import stable_id
from .load import ExperimentConfig

__all__ = ["Cell", "expand", "spec_hash", "CELL_FORMAT"]

CELL_FORMAT = 2  # bump when the meaning of a spec changes, so old results are not reused


@dataclass(frozen=True)
class Cell:
    id: str
    pair: str
    config: ExperimentConfig  # the validated run of this grid point (sweep and variants resolved)
    spec: dict                # config.base(): what the id hashes and the store records
    keys: dict                # the grid values of this point, by grid axis

    @property
    def impl(self) -> str:
        return self.spec["impl"]


def spec_hash(spec: dict) -> str:
    return stable_id({"format": CELL_FORMAT, **spec})


def expand(cfg: ExperimentConfig) -> list[Cell]:
    """All cells of the grid, in a stable order (variants, then the product of the sweep
    axes in file order); duplicates (two spellings of one run) are kept once."""
    cells, seen = [], set()
    for keys, point in cfg.grid_points():
        spec = point.base()
        cid = spec_hash(spec)
        if cid in seen:  # e.g. two spellings of the same hidden size
            continue
        seen.add(cid)
        pair = spec_hash({k: v for k, v in spec.items() if k != "impl"})
        cells.append(Cell(cid, pair, point, spec, keys))
    return cells
