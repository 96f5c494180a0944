"""The plots of a run: decision-boundary grids (per implementation and side by side),
metric heatmaps (per implementation and their difference), loss curves of numpy vs torch,
and confusion matrices for data that has no 2-D surface."""
from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import numpy as np

from data_utils import (bounding_rect, decision_grid, load_dataset, new_figure, plot_confusion_matrix,
                        plot_heatmap, plot_loss_curves, save_figure)

from .implementations import get_impl, model_outputs
from .store import RunStore
from .tables import axis_label

__all__ = ["render_plots", "Grid"]

log = logging.getLogger(__name__)
IMPL_STYLE = {"numpy": {"linestyle": "-"}, "torch": {"linestyle": "--"}}


class Grid:
    """Rows x columns of the two first grid axes; further axes and seeds fixed to their
    first value so that each panel shows one run."""

    def __init__(self, records: list[dict], group_axes: list[str]):
        self.row_axis = group_axes[0] if group_axes else None
        self.col_axis = group_axes[1] if len(group_axes) > 1 else None
        self.fixed = {a: None for a in group_axes[2:]}
        self.rows = self._values(records, self.row_axis)
        self.cols = self._values(records, self.col_axis)
        for axis in self.fixed:
            self.fixed[axis] = self._values(records, axis)[0]
        seeds = sorted({r["spec"]["seed"] for r in records})
        self.seed = seeds[0] if seeds else 0
        self._by_key = {}
        for rec in records:
            self._by_key.setdefault(self._key(rec), rec)

    @staticmethod
    def _values(records, axis):
        if axis is None:
            return [""]
        out = []
        for rec in records:
            label = axis_label(rec["keys"].get(axis))
            if label not in out:
                out.append(label)
        return out

    def _key(self, rec):
        def lab(axis):
            return "" if axis is None else axis_label(rec["keys"].get(axis))
        fixed = tuple(lab(a) for a in self.fixed)
        return lab(self.row_axis), lab(self.col_axis), fixed, rec["spec"]["seed"], rec["impl"]

    def get(self, row: str, col: str, impl: str, seed: int | None = None):
        fixed = tuple(self.fixed.values())
        return self._by_key.get((row, col, fixed, self.seed if seed is None else seed, impl))

    def row_label(self, row: str) -> str:
        return f"{self.row_axis.split('.')[-1]}={row}" if self.row_axis else ""

    def col_label(self, col: str) -> str:
        return f"{self.col_axis.split('.')[-1]}={col}" if self.col_axis else ""

    def note(self) -> str:
        parts = [f"{a}={v}" for a, v in self.fixed.items()] + [f"seed={self.seed}"]
        return ", ".join(parts)


@functools.lru_cache(maxsize=8)
def _dataset(data_json: str):
    d = json.loads(data_json)
    return load_dataset(d["dataset"], seed=d["seed"], test_size=d["test_size"], standardize=d["standardize"],
                        **d["params"])


def _dataset_of(rec):
    return _dataset(json.dumps(rec["spec"]["data"], sort_keys=True))


def _proba_fn(store: RunStore, rec):
    path = store.model_path(rec["id"])
    if path is None or rec.get("loss") != "cross_entropy":
        return None
    model = get_impl(rec["impl"]).load(path)
    dtype = np.dtype(rec["spec"]["train"]["dtype"])
    return lambda P: model_outputs(model, P.astype(dtype))


def _panel_title(rec) -> str:
    acc = ((rec.get("metrics") or {}).get("test") or {}).get("accuracy")
    status = "" if rec["status"] == "ok" else f" [{rec['status']}]"
    return f"{rec['impl']}: test acc {acc:.3f}{status}" if acc is not None else f"{rec['impl']}{status}"


def _decision_grids(store: RunStore, grid: Grid, impls: list[str], resolution: int) -> list[Path]:
    out = []
    sample = next((grid.get(r, c, i) for r in grid.rows for c in grid.cols for i in impls if grid.get(r, c, i)), None)
    if sample is None:
        return out
    ds = _dataset_of(sample)
    X, y = ds.X_train, ds.y_train
    rect = bounding_rect(np.vstack([ds.X_train, ds.X_test]))

    def panel(rec):
        if rec is None:
            return None
        fn = _proba_fn(store, rec)
        return None if fn is None else (fn, _panel_title(rec))

    for impl in impls:
        panels = [[panel(grid.get(r, c, impl)) for c in grid.cols] for r in grid.rows]
        fig = decision_grid(panels, [grid.row_label(r) for r in grid.rows], [grid.col_label(c) for c in grid.cols],
                            X=X, y=y, rect=rect, resolution=resolution,
                            suptitle=f"{impl}: decision regions on the training data ({grid.note()})")
        out.append(save_figure(fig, store.plots_dir / f"decision_{impl}.png"))
    if len(impls) == 2:
        combos = [(r, c) for r in grid.rows for c in grid.cols]
        panels = [[panel(grid.get(r, c, impl)) for impl in impls] for r, c in combos]
        labels = [" ".join(x for x in (grid.row_label(r), grid.col_label(c)) if x) for r, c in combos]
        fig = decision_grid(panels, labels, impls, X=X, y=y, rect=rect, resolution=resolution,
                            suptitle=f"numpy vs torch, same initial parameters and schedule ({grid.note()})")
        out.append(save_figure(fig, store.plots_dir / "decision_side_by_side.png"))
    return out


def _confusion_grids(store: RunStore, grid: Grid, impls: list[str]) -> list[Path]:
    out = []
    for impl in impls:
        fig, axes = new_figure(len(grid.rows), len(grid.cols), panel_size=(3.6, 3.2), squeeze=False)
        for i, r in enumerate(grid.rows):
            for j, c in enumerate(grid.cols):
                rec, ax = grid.get(r, c, impl), axes[i][j]
                test = ((rec or {}).get("metrics") or {}).get("test") if rec else None
                if not test or "confusion_matrix" not in test:
                    ax.set_axis_off()
                    continue
                names = _dataset_of(rec).class_names
                title = " ".join(x for x in (grid.row_label(r), grid.col_label(c)) if x)
                plot_confusion_matrix(test["confusion_matrix"], names, ax=ax,
                                      title=f"{title}\nacc {test['accuracy']:.3f}")
        fig.suptitle(f"{impl}: test confusion matrices ({grid.note()})")
        out.append(save_figure(fig, store.plots_dir / f"confusion_{impl}.png"))
    return out


def _heatmaps(store: RunStore, summary, grid: Grid, impls: list[str], test_metric: str) -> list[Path]:
    if grid.row_axis is None:
        return []
    out = []
    fixed = summary
    for axis, value in grid.fixed.items():
        fixed = fixed[fixed[axis] == value]

    def matrix(column):
        M = np.full((len(grid.rows), len(grid.cols)), np.nan)
        for _, row in fixed.iterrows():
            i = grid.rows.index(row[grid.row_axis])
            j = grid.cols.index(row[grid.col_axis]) if grid.col_axis else 0
            M[i, j] = row[column]
        return M

    panels = [(f"{test_metric}_mean_{impl}", f"{impl}: mean {test_metric} over seeds", None) for impl in impls]
    if f"{test_metric}_diff" in fixed:
        panels.append((f"{test_metric}_diff", f"numpy − torch {test_metric}", 0.0))
        panels.append(("final_loss_diff", "numpy − torch final training loss", 0.0))
    fig, axes = new_figure(1, len(panels), panel_size=(1.3 * len(grid.cols) + 3, 0.9 * len(grid.rows) + 2),
                           squeeze=False)
    for ax, (column, title, center) in zip(axes[0], panels):
        plot_heatmap(matrix(column), grid.rows, grid.cols, ax=ax, title=title, center=center,
                     xlabel=grid.col_axis or "", ylabel=grid.row_axis, cmap="RdBu_r" if center is not None else "viridis",
                     fmt="{:.2e}" if center is not None else "{:.3f}")
    out.append(save_figure(fig, store.plots_dir / f"heatmap_{test_metric}.png"))
    return out


def _loss_curves(store: RunStore, grid: Grid, impls: list[str]) -> list[Path]:
    fig, axes = new_figure(len(grid.rows), len(grid.cols), panel_size=(3.6, 2.8), squeeze=False)
    for i, r in enumerate(grid.rows):
        for j, c in enumerate(grid.cols):
            curves = {}
            for impl in impls:
                rec = grid.get(r, c, impl)
                if rec is not None:
                    curves[impl] = store.curve(rec["id"])
            title = " ".join(x for x in (grid.row_label(r), grid.col_label(c)) if x)
            plot_loss_curves(curves, ax=axes[i][j], title=title, styles=IMPL_STYLE)
    fig.suptitle(f"training loss per epoch, numpy (solid) vs torch (dashed) ({grid.note()})")
    return [save_figure(fig, store.plots_dir / "loss_curves.png")]


def render_plots(store: RunStore, records: list[dict], summary, group_axes: list[str], task: str,
                 test_metric: str, resolution: int) -> list[Path]:
    """Write every plot of the run into ``store.plots_dir``; returns their paths.

    Cells that errored have nothing to draw and are left out."""
    records = [r for r in records if r["status"] != "error"]
    if not records:
        return []
    grid = Grid(records, group_axes)
    impls = [i for i in ("numpy", "torch") if any(r["impl"] == i for r in records)]
    out = []
    if task == "classification":
        if _dataset_of(records[0]).n_features == 2:
            out += _decision_grids(store, grid, impls, resolution)
        else:
            out += _confusion_grids(store, grid, impls)
    out += _heatmaps(store, summary, grid, impls, test_metric)
    out += _loss_curves(store, grid, impls)
    return out
