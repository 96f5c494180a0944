"""The stacked engine: cells that differ only in recipe values and seed train at once.

Cells are grouped by what a stack must share - implementation, dataset, architecture,
batch mode, run length, sampling, dtype, validation split and the optimizer's form - and
each group of two or more trains as one stack (``fcann2.stacked_trainer``); its records are
the per-cell engine's (``cell.finish_record``), bit-identical except the times, which are
the stack's wall time amortised per model (``time_engine: "stacked"`` says so). Groups the
stack does not cover (torch, float32, single cells) run per cell.
"""
from __future__ import annotations

import json
import time
import traceback

from .cell import _empty_record, finish_record, train_cell
from .sweep import Cell

__all__ = ["group_cells", "run_group", "stackable"]


def _key(cell: Cell) -> str:
    spec, recipe = cell.spec, cell.config.train.recipe
    train = spec["train"]
    shared = {k: train.get(k) for k in ("batch_size", "epochs", "n_iter", "sampling", "dtype")}
    return json.dumps([cell.impl, spec["data"], spec["model"], shared, recipe.holdout_fraction,
                       recipe.optimizer, bool(recipe.nesterov), bool(recipe.momentum)], sort_keys=True, default=str)


def stackable(cell: Cell) -> str | None:
    """``None`` when the stacked engine covers ``cell``, else why not."""
    if cell.impl != "numpy":
        return "the stacked engine covers numpy cells (torch runs per cell)"
    if cell.config.train.dtype != "float64":
        return "the stacked engine covers float64 (float32 hyperparameters would round differently)"
    return None


def group_cells(cells: list[Cell]) -> tuple[list[list[Cell]], list[Cell]]:
    """Stacks (lists of >= 2 cells) and the cells that run alone."""
    groups: dict[str, list[Cell]] = {}
    alone = []
    for cell in cells:
        (alone.append(cell) if stackable(cell) else groups.setdefault(_key(cell), []).append(cell))
    stacks = [g for g in groups.values() if len(g) > 1]
    alone += [g[0] for g in groups.values() if len(g) == 1]
    return stacks, alone


def run_group(cells: list[Cell]) -> list[dict]:
    """Records of ``cells`` trained as one stack (falls back to per cell if the stack fails)."""
    from threadpoolctl import threadpool_limits

    from fcann2 import MLP
    from fcann2.stacked_trainer import train_stacked

    from .setup import prepare
    start = time.perf_counter()
    try:
        with threadpool_limits(limits=1):
            setups = [prepare(c.config) for c in cells]
            models = [MLP.from_params(s.params, c.config.model.activation, s.loss, c.config.model.negative_slope)
                      for s, c in zip(setups, cells)]
            results = train_stacked(models, setups[0].X_train, setups[0].y_train,
                                    [s.train_options(c.config) for s, c in zip(setups, cells)])
            records = [finish_record(_empty_record(), r, m, s, c.config)
                       for r, m, s, c in zip(results, models, setups, cells)]
    except Exception:  # noqa: BLE001 - the per-cell engine is the reference: fall back to it
        note = traceback.format_exc(limit=3)
        return [{**train_cell(c.config), "engine_note": f"stack failed, ran per cell: {note}"}
                for c in cells]
    share = (time.perf_counter() - start) / len(cells)
    return [{**r, "cell_time": share, "time_engine": "stacked"} for r in records]
