"""The stacked engine: cells that differ only in recipe values and seed train at once.

Cells are grouped by what a stack must share - implementation, dataset, architecture,
batch mode, run length, sampling, dtype, validation split and the optimizer's form - and
each group of two or more trains as one stack (``fcann2.stacked_trainer`` for numpy,
``pt_deep.stacked_trainer`` for torch). Torch cells of different hidden widths (same depth,
an activation that maps 0 to 0) share a group: padded to the widest with zero units they
train as one stack when the padded step stays small (``SMALL_WORK`` multiply-adds: a step
then costs its fixed overhead, ~150 µs, whatever the widths), else one stack per width.
Numpy never pads: longer dot products round differently, and its stacks are bit-identical. Its records are the per-cell engine's
(``training.cell.finish_record``) - bit-identical for numpy, within 1e-12 for torch - except the
times, which are the stack's wall time amortised per model (``time_engine: "stacked"`` says
so). Cells the stack does not cover run per cell with an ``engine_note`` saying why:
float32 (see ``stackable``), plug-in networks, a group of one, a stack that failed.
"""
from __future__ import annotations

import json
import time
import traceback

from data_utils.training.stacked_loop import PAD_ACTIVATIONS, stack_kind
from data_utils.training.threads import SMALL_WORK

from ..config.sweep import Cell
from ..implementations import BUILTIN

__all__ = ["group_cells", "run_group", "stackable", "longest_first", "ALONE_NOTE"]

ALONE_NOTE = "ran per cell: no other cell shares its data, architecture and optimizer form"


def _key(cell: Cell) -> str:
    spec, recipe = cell.spec, cell.config.train.recipe
    train, model = spec["train"], dict(spec["model"])
    if cell.impl == "torch" and model["activation"] in PAD_ACTIVATIONS:
        model["hidden"] = len(model["hidden"])  # widths can be padded; the depth must match
    shared = {k: train.get(k) for k in ("batch_size", "epochs", "n_iter", "sampling", "dtype")}
    return json.dumps([cell.impl, spec["data"], model, shared, recipe.holdout_fraction,
                       stack_kind(recipe)], sort_keys=True, default=str)


def _stacks_of(sizes: list[list[int]], batch: int) -> list[list[int]]:
    """Indices of the stacks a group of models of ``sizes`` trains as: one padded stack when
    its step (K x batch x padded multiply-adds) stays below ``SMALL_WORK``, else one per size."""
    padded = [max(column) for column in zip(*sizes)]
    if len(sizes) * batch * sum(o * i for o, i in zip(padded[1:], padded[:-1])) < SMALL_WORK:
        return [list(range(len(sizes)))]
    by_size: dict[tuple, list[int]] = {}
    for k, s in enumerate(sizes):
        by_size.setdefault(tuple(s), []).append(k)
    return list(by_size.values())


def stackable(cell: Cell) -> str | None:
    """``None`` when the stacked engine covers ``cell``, else why not.

    float32: numpy's per-model hyperparameters are float64 arrays where the per-cell rule
    multiplies by Python floats (the products round differently), and a torch float32 stack
    drifts from the per-cell run by float32 rounding amplified over the run - up to 2e-2
    (scaled max |dTheta|) on the default sweep at lr 0.3, past the float32 parity tolerance -
    so neither keeps the engine's promise of the per-cell engine's tables.
    """
    if cell.impl not in BUILTIN:  # the implementations with a ``train_stacked`` (plug-ins have none)
        return f"ran per cell: the stacked engine covers {' and '.join(BUILTIN)}, not {cell.impl}"
    if cell.config.train.dtype != "float64":
        return "ran per cell: the stacked engine covers float64 (a float32 stack rounds differently from per-cell runs)"
    return None


def group_cells(cells: list[Cell]) -> tuple[list[list[Cell]], dict[str, list[Cell]]]:
    """Stacks (lists of >= 2 cells) and the cells that run alone, by the reason (a note)."""
    groups: dict[str, list[Cell]] = {}
    alone: dict[str, list[Cell]] = {}
    for cell in cells:
        reason = stackable(cell)
        if reason:
            alone.setdefault(reason, []).append(cell)
        else:
            groups.setdefault(_key(cell), []).append(cell)
    stacks = [g for g in groups.values() if len(g) > 1]
    singles = [g[0] for g in groups.values() if len(g) == 1]
    if singles:
        alone.setdefault(ALONE_NOTE, []).extend(singles)
    return stacks, alone


def longest_first(stacks: list[list[Cell]]) -> list[list[Cell]]:
    """``stacks`` in the order to hand them to workers: the longest first, so that the last
    task to finish is a short one. A torch step costs ~4x a numpy step at these sizes (the
    per-step overhead dominates), so torch stacks go first, then the larger ones."""
    return sorted(stacks, key=lambda s: (s[0].impl != "torch", -len(s)))


def run_group(cells: list[Cell]) -> list[dict]:
    """Records of ``cells`` trained as one stack (falls back to per cell if the stack fails)."""
    from threadpoolctl import threadpool_limits

    from pt_deep import num_threads

    from .cell import _empty_record, finish_record, train_cell
    from ..implementations.registry import get_impl
    from .setup import prepare
    start = time.perf_counter()
    try:
        impl = get_impl(cells[0].impl)
        with threadpool_limits(limits=1), num_threads(1):
            setups = [prepare(c.config) for c in cells]
            models = [impl.model.from_params(s.params, c.config.model.activation, s.loss, c.config.model.negative_slope)
                      for s, c in zip(setups, cells)]
            options = [s.train_options(c.config) for s, c in zip(setups, cells)]
            results = [None] * len(cells)
            for stack in _stacks_of([s.sizes for s in setups], setups[0].schedule.effective_batch_size):
                trained = impl.train_stacked([models[k] for k in stack], setups[0].X_train, setups[0].y_train,
                                             [options[k] for k in stack])
                for k, result in zip(stack, trained):
                    results[k] = result
            records = [finish_record(_empty_record(), r, m, s, c.config)
                       for r, m, s, c in zip(results, models, setups, cells)]
    except Exception:  # noqa: BLE001 - the per-cell engine is the reference: fall back to it
        note = traceback.format_exc(limit=3)
        return [{**train_cell(c.config), "engine_note": f"stack failed, ran per cell: {note}"}
                for c in cells]
    share = (time.perf_counter() - start) / len(cells)
    return [{**r, "cell_time": share, "time_engine": "stacked"} for r in records]
