"""The report's charts over the grid, drawn from stored curves, outputs and metrics:
heatmaps of the test metric and of numpy-torch parameter differences, loss curves
(mean and band over seeds), regression fits, and the best cell's confusion matrix."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from data_utils.plots import new_figure, plot_confusion_matrix, plot_heatmap
from data_utils.plots.charts import DRAWABLE_MAX

from ..implementations import BUILTIN, REFERENCE
from .panels import Panels, Plot
from ..store.results import RunResults
from .ranking import best_cell

__all__ = ["heatmap_plot", "loss_curve_plot", "regression_plot", "confusion_plot"]

_SERIES = (("train", "#1f77b4"), ("validation", "#2ca02c"), ("test", "#ff7f0e"))
_LINESTYLES = ("-", "--", ":")   # per built-in implementation in BUILTIN order, then every plug-in
_MARKERS = ("o", "x", "^")


def _style(impl: str, styles: tuple[str, ...]) -> str:
    return styles[BUILTIN.index(impl)] if impl in BUILTIN else styles[-1]


_HUMAN = {"test_acc": "test accuracy", "test_mse": "test MSE"}  # titles, not column names


def heatmap_plot(results: RunResults, grid: Panels, summary: pd.DataFrame, verdicts: pd.DataFrame) -> Plot | None:
    """Mean test metric per implementation and the largest max |dTheta| per grid point."""
    if grid.row_axis is None:
        return None
    metric = results.test_metric
    frame = summary
    for axis, value in grid.fixed.items():
        frame = frame[frame[axis] == value]

    def matrix(values: dict) -> np.ndarray:
        M = np.full(grid.shape, np.nan)
        for (r, c), v in values.items():
            M[grid.rows.index(r), grid.cols.index(c)] = v
        return M

    def key(row) -> tuple:
        return row[grid.row_axis], grid.col_of(row)

    panels = [(matrix({key(r): r[f"{metric}_mean_{i}"] for _, r in frame.iterrows()}),
               f"{i}: {_HUMAN.get(metric, metric)} (mean)") for i in results.impls]
    pair_dtheta = dict(zip(verdicts["pair"], verdicts["final_dtheta"]))
    dtheta: dict = {}
    for row in grid.rows:
        for col in grid.cols:
            values = [pair_dtheta.get(r["pair"], np.nan) for r in grid.all_seeds(row, col, "numpy")]
            values = [v for v in values if not pd.isna(v)]
            if values:
                dtheta[(row, col)] = max(values)
    n_rows, n_cols = grid.shape
    n_panels = len(panels) + bool(dtheta)
    labels = 0.07 * max(len(r) for r in grid.rows)  # inches for the row labels (only the first panel has them)
    size = (max(3.3, 0.8 * n_cols + 2.0) + labels / n_panels, 0.42 * n_rows + 1.3)
    fig, axes = new_figure(1, n_panels, panel_size=size, squeeze=False,
                           gridspec_kw={"width_ratios": [1.0 + labels / size[0]] + [1.0] * (n_panels - 1)})
    ylabel, xlabel = grid.names[grid.row_axis], grid.col_name
    for k, (ax, (M, title)) in enumerate(zip(axes[0], panels)):
        plot_heatmap(M, grid.rows, grid.cols, ax=ax, title=title, xlabel=xlabel, ylabel=ylabel if k == 0 else "",
                     cmap="viridis" if metric == "test_acc" else "viridis_r",
                     fmt="{:.3f}" if metric == "test_acc" else "{:.3g}")
        if k:
            ax.set_yticklabels([])
    if dtheta:
        ax = axes[0][-1]
        M = matrix(dtheta)
        im = ax.imshow(np.clip(M, 1e-17, 1.0), cmap="RdYlGn_r", norm=LogNorm(1e-17, 1.0), aspect="auto")
        fig.colorbar(im, ax=ax, label="max |Δθ|")
        for (i, j), v in np.ndenumerate(M):
            ax.text(j, i, "—" if np.isnan(v) else f"{v:.0e}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(n_cols), grid.cols)
        ax.set_yticks(range(n_rows), [""] * n_rows)
        ax.set(title="numpy − torch: final parameters", xlabel=xlabel)
    caption = (f"Mean {_HUMAN.get(metric, metric)} over seeds at every grid point, per implementation"
               + (", and how far apart the final parameters of numpy and torch are (the largest |Δθ| over seeds, "
                  "log scale; the colour shows the size only: whether a difference is agreement, chaos or a bug is the "
                  "verdict's, in the agreement column and the verdict box)" if dtheta
                  else "") + ". " + grid.note(single_seed=False))
    return Plot("heatmaps", fig, caption.strip(), "heatmaps")


def _series(curves: dict) -> dict[str, list]:
    out = {"train": curves.get("train_loss") or curves.get("loss") or [], "test": curves.get("test_loss") or []}
    if curves.get("validation_loss"):
        out["validation"] = curves["validation_loss"]
    return out


def _band(runs: list[list]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    runs = [np.asarray(r, dtype=np.float64) for r in runs if len(r)]
    if not runs:
        return None
    n = max(len(r) for r in runs)
    M = np.full((len(runs), n), np.nan)
    for k, r in enumerate(runs):
        M[k, :len(r)] = np.where(np.isfinite(r) & (np.abs(r) <= DRAWABLE_MAX), r, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN epochs (every seed diverged) stay NaN
        return np.nanmean(M, axis=0), np.nanmin(M, axis=0), np.nanmax(M, axis=0)


def _legend_columns(n_entries: int, grid: Panels) -> int:
    """Legend entries per line: about three per panel column, so a narrow figure wraps its legend."""
    return max(1, min(n_entries, 3 * grid.shape[1]))


def _plain_log_axis(ax, values: np.ndarray) -> None:
    values = values[np.isfinite(values)]
    if values.size and (values > 0).all() and values.max() / values.min() >= 10:
        ax.set_yscale("log")
        # 1-2-5 ticks: a range under a decade or two still gets several labels, not just "1"
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())


def _style_text(impls: list[str], styles: tuple[str, ...], words: tuple[str, ...]) -> str:
    """``numpy solid, torch dashed``: how the figure tells the run's implementations apart."""
    return ", ".join(f"{impl} {words[styles.index(_style(impl, styles))]}" for impl in impls)


def loss_curve_plot(results: RunResults, grid: Panels) -> Plot:
    """Per grid point: train, validation (with a split) and test loss per epoch; numpy
    solid, torch dashed; mean over seeds with a min-max band; diverged cells marked."""
    fig, axes = new_figure(*grid.shape, panel_size=(3.2, 2.5), squeeze=False)
    seen = set()
    for i, row in enumerate(grid.rows):
        for j, col in enumerate(grid.cols):
            ax, drawn, notes = axes[i][j], [], []
            for impl in results.impls:
                recs = grid.all_seeds(row, col, impl)
                curves = [_series(results.curves(r)) for r in recs]
                initial = [r.get("initial_test_loss") for r in recs]
                for name, color in _SERIES:
                    runs, first = [c.get(name, []) for c in curves], 1
                    if name == "test" and recs and all(v is not None for v in initial):
                        # epoch 0: the untrained model's test loss
                        runs, first = [[v, *run] if run else [] for v, run in zip(initial, runs)], 0
                    band = _band(runs)
                    if band is None or np.isnan(band[0]).all():
                        continue
                    mean, lo, hi = band
                    x = np.arange(first, first + len(mean))
                    ax.plot(x, mean, color=color, linestyle=_style(impl, _LINESTYLES), linewidth=1.3)
                    if len(recs) > 1:
                        ax.fill_between(x, lo, hi, color=color, alpha=0.12, linewidth=0)
                    drawn.append(mean)
                    seen.add(name)
                steps = sorted({r["diverged_at"] for r in recs if r["status"] == "diverged"})
                if steps:
                    notes.append(f"{impl} diverged at step {', '.join(map(str, steps))}")
            if drawn:
                _plain_log_axis(ax, np.concatenate(drawn))
            if notes:
                ax.text(0.5, 0.5, "\n".join(notes), transform=ax.transAxes, ha="center", va="center", fontsize=8,
                        color="#b00020", bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "#b00020"})
            ax.set_title(grid.label(row, col), fontsize=9)
            ax.set_xlabel("epoch", fontsize=8)
            ax.set_ylabel("loss", fontsize=8)
            ax.tick_params(labelsize=7)
    handles = [Line2D([], [], color=c, label=n) for n, c in _SERIES if n in seen]
    handles += [Line2D([], [], color="black", linestyle=_style(i, _LINESTYLES), label=i) for i in results.impls]
    fig.legend(handles=handles, loc="outside lower center", ncol=_legend_columns(len(handles), grid), fontsize=8,
               frameon=False)
    band = " The line is the mean over seeds and the shaded band spans the lowest to the highest seed." \
        if grid.n_seeds > 1 else ""
    caption = ("Loss per epoch at every grid point: training loss (the objective averaged over the epoch, or scored "
               "on the training part when there is a validation split), validation and test loss (from epoch 0: the untrained "
               f"model); {_style_text(results.impls, _LINESTYLES, ('solid', 'dashed', 'dotted'))} "
               f"(hidden under one another when they agree).{band} A diverged cell's curve stops where the loss became non-finite, and the panel says at "
               "which step. " + grid.note(single_seed=False))
    return Plot("loss_curves", fig, caption.strip(), "curves")


def regression_plot(results: RunResults, grid: Panels) -> Plot | None:
    """The fitted curve over the data (1-D inputs), predicted vs true test targets otherwise."""
    sample = next((r for r in results.records if results.outputs(r)), None)
    if sample is None:
        return None
    any_1d = False
    fig, axes = new_figure(*grid.shape, panel_size=(3.0, 2.5), squeeze=False)
    for i, row in enumerate(grid.rows):
        for j, col in enumerate(grid.cols):
            ax = axes[i][j]
            # each panel's own data: variants may mix a 1-D curve and a multi-feature set
            first = next((r for r in (grid.get(row, col, impl) for impl in results.impls) if r), None)
            if first is None:
                ax.set_axis_off()
                continue
            data, one_d = results.data(first), "curve_x" in results.outputs(first)
            any_1d |= one_d
            if one_d:
                ax.scatter(data["X_train"][:, 0], data["y_train"], s=6, color="0.6", label="training data")
                ax.scatter(data["X_test"][:, 0], data["y_test"], s=10, facecolors="none", edgecolors="0.2",
                           label="test data")
                ax.set(xlabel="x", ylabel="y")
            for impl in results.impls:
                rec = grid.get(row, col, impl)
                out = results.outputs(rec) if rec else {}
                if rec is None or rec["status"] != "ok" or "test_output" not in out:
                    continue
                if one_d:
                    ax.plot(out["curve_x"], out["curve_y"][:, 0], linestyle=_style(impl, _LINESTYLES), color="#d62728", label=impl)
                else:
                    ax.scatter(data["y_test"], out["test_output"][:, 0], s=8, marker=_style(impl, _MARKERS),
                               label=f"{impl}: predicted vs true (test)")
            if not one_d:
                lo, hi = float(np.min(data["y_test"])), float(np.max(data["y_test"]))
                ax.plot([lo, hi], [lo, hi], color="0.5", linewidth=0.8)
                ax.set(xlabel="true", ylabel="predicted")
            rec = grid.first(row, col)
            mse = ((rec or {}).get("metrics") or {}).get("test") or {}
            status = f"diverged at step {rec['diverged_at']}" if rec and rec["status"] == "diverged" else (
                f"test mse {mse['mse']:.3g}, R² {mse['r2']:.2f}" if "mse" in mse else "")
            ax.set_title(f"{grid.label(row, col)}\n{status}", fontsize=9)
            ax.tick_params(labelsize=7)
    entries = {}  # every panel's entries once (a 1-D fit and a predicted-vs-true panel have different ones)
    for ax in fig.axes:
        for handle, text in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(text, handle)
    handles, labels = list(entries.values()), list(entries)
    fig.legend(handles, labels, loc="outside lower center", ncol=_legend_columns(len(labels), grid), fontsize=8,
               frameon=False)
    lines = _style_text(results.impls, _LINESTYLES, ("solid", "dashed", "dotted"))
    marks = _style_text(results.impls, _MARKERS, ("circles", "crosses", "triangles"))
    what = (f"The fitted curve of every grid point over the training data (grey) and the test data (hollow); {lines} "
            "(on top of each other when they agree)." if any_1d else
            f"Predicted against true test targets at every grid point ({marks}); the grey line "
            "is a perfect fit.")
    return Plot("regression_fit", fig, f"{what} Diverged cells have no fit. {grid.note()}".strip(), "regression")


def confusion_plot(results: RunResults) -> Plot | None:
    """The test confusion matrix of the best numpy cell (``ranking.best_cell``)."""
    scored = [(r, ((r.get("metrics") or {}).get("test") or {})) for r in results.records if r["impl"] == "numpy"]
    scored = [(r, m) for r, m in scored if "confusion_matrix" in m]
    if not scored:
        return None
    best = best_cell([r for r, _ in scored])
    metrics = best["metrics"]["test"]
    names = [str(n) for n in results.data(best).get("class_names", [])] or None
    n = len(metrics["confusion_matrix"])
    fig, ax = new_figure(panel_size=(max(3.4, 1.0 + 0.55 * n), max(2.8, 0.6 + 0.5 * n)))
    plot_confusion_matrix(metrics["confusion_matrix"], names, ax=ax, title=f"test accuracy {metrics['accuracy']:.3f}")
    twin = next((r for r in results.records if r["pair"] == best["pair"] and r["impl"] == REFERENCE), None)
    same = twin is not None and ((twin.get("metrics") or {}).get("test") or {}).get("confusion_matrix") == \
        metrics["confusion_matrix"]
    where = ", ".join(f"{k} = {v}" for k, v in results.resolved(best, results.axes).items()) or "the only grid point"
    tail = " torch's matrix is identical." if same else (" torch's matrix differs." if twin else "")
    return Plot("confusion_matrix", fig, f"Test confusion matrix of the best cell ({where}; numpy): rows are the true "
                f"classes, columns the predicted ones.{tail}", "confusion")
