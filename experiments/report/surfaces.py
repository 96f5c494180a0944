"""The report's figures for 2-D classification, drawn from stored probability grids and
parameters: decision surfaces once per grid point (numpy's, with training and test
points), the numpy-torch difference of the predicted probabilities, and the activation
of every first-layer unit over the input plane for one grid point; and the reference
models' decision surfaces."""
from __future__ import annotations

import json

import numpy as np
from matplotlib.colors import LogNorm

from data_utils.plots import new_figure, plot_points, plot_proba_grid, surface_legend
from data_utils.plots.surfaces import grid_points

from ..implementations import REFERENCE, candidates
from .panels import Panels, Plot
from ..store.results import RunResults

__all__ = ["surface_plot", "difference_plot", "hidden_unit_plot", "reference_surface_plot", "DIFF_FLOOR", "MAX_REFERENCE_ROWS"]

DIFF_FLOOR = 1e-17  # differences below this (exact agreement) are drawn at the floor
_MAX_UNITS = 32
MAX_REFERENCE_ROWS = 4  # data specs drawn in the reference surfaces (the first ones of the grid)


def _acc(rec) -> float | None:
    return ((rec.get("metrics") or {}).get("test") or {}).get("accuracy")


def _title(grid: Panels, row, col, a, b) -> str:
    head = grid.label(row, col)
    if a["status"] == "diverged":
        return f"{head}\ndiverged at step {a.get('diverged_at')}"
    acc_a, acc_b = _acc(a), _acc(b) if b else None
    if acc_a is None:
        return head
    if b is None or acc_b == acc_a:
        return f"{head}\ntest acc {acc_a:.3f}" + (" (both)" if b else "")
    return f"{head}\ntest acc {a['impl']} {acc_a:.3f}, {b['impl']} {acc_b if acc_b is None else round(acc_b, 3)}"


def _draw_surface(ax, results: RunResults, rec: dict, out: dict, n_classes: int, title: str) -> None:
    """One decision surface from stored outputs, with the training and test points."""
    plot_proba_grid(out["grid_proba"], out["grid_rect"], ax=ax, n_classes=n_classes, title=title)
    if np.isfinite(out["train_output"]).all():
        data = results.data(rec)  # each panel's own data: variants may differ in data
        plot_points(data["X_train"], data["y_train"], out["train_output"].argmax(axis=1), ax=ax)
        plot_points(data["X_test"], data["y_test"], out["test_output"].argmax(axis=1), ax=ax, test=True)


def _panels(results: RunResults, grid: Panels, size: float):
    fig, axes = new_figure(*grid.shape, panel_size=(size, size * 0.95), squeeze=False)
    for i, row in enumerate(grid.rows):
        for j, col in enumerate(grid.cols):
            yield fig, axes[i][j], row, col, grid.first(row, col)


def surface_plot(results: RunResults, grid: Panels) -> Plot | None:
    """Decision surfaces, one per grid point (``None`` when no cell recorded one)."""
    sample = next((r for r in results.records if "grid_proba" in results.outputs(r)), None)
    if sample is None:
        return None
    # the legend covers the data spec with the most classes (variants may differ in class count)
    names = max(([str(n) for n in results.data(r).get("class_names", [])] for r in results.records), key=len)
    fig = None
    for fig, ax, row, col, rec in _panels(results, grid, 2.9):
        out = results.outputs(rec) if rec else {}
        if "grid_proba" not in out:
            ax.set_axis_off()
            continue
        other = grid.get(row, col, REFERENCE) if rec["impl"] != REFERENCE else None
        _draw_surface(ax, results, rec, out, len(names), _title(grid, row, col, rec, other))
    surface_legend(fig, names)
    return Plot("decision_surfaces", fig, "Decision regions of the numpy model at every grid point: each pixel has "
                "the colour of the predicted class, paler where the model is less sure. Training points are filled, "
                "test points hollow; squares are points the model misclassifies. The torch model's regions are "
                f"compared in the next figure. {grid.note()}", "surfaces")


def reference_surface_plot(results: RunResults) -> Plot | None:
    """Decision surfaces of the reference models: a column per reference, a row per data
    spec (the first ``MAX_REFERENCE_ROWS``); ``None`` without 2-D references."""
    drawn = [r for r in results.references if "grid_proba" in results.outputs(r)]
    if not drawn:
        return None
    names = list(dict.fromkeys(r["reference"]["name"] for r in drawn))
    specs = list(dict.fromkeys(json.dumps(r["data"], sort_keys=True) for r in drawn))[:MAX_REFERENCE_ROWS]
    by_cell = {(json.dumps(r["data"], sort_keys=True), r["reference"]["name"]): r for r in drawn}
    fig, axes = new_figure(len(specs), len(names), panel_size=(2.9, 2.9 * 0.95), squeeze=False)
    classes = max(([str(n) for n in results.data(r)["class_names"]] for r in drawn), key=len)
    for i, spec in enumerate(specs):
        for j, name in enumerate(names):
            rec = by_cell.get((spec, name))
            if rec is None:
                axes[i][j].set_axis_off()
                continue
            acc = _acc(rec)
            title = f"ref: {name}, data seed {rec['data']['seed']}" + (f"\ntest acc {acc:.3f}" if acc is not None else "")
            _draw_surface(axes[i][j], results, rec, results.outputs(rec), len(classes), title)
    surface_legend(fig, classes)
    more = len({json.dumps(r["data"], sort_keys=True) for r in drawn}) - len(specs)
    return Plot("reference_surfaces", fig, "Decision regions of the reference models (scikit-learn baselines from "
                "the config's [[references]]), drawn like the numpy model's above; a model without predict_proba "
                "(an SVC) is shaded by the logistic or softmax of its decision function."
                + (f" {more} more data specs are not drawn." if more > 0 else ""), "surfaces")


def difference_plot(results: RunResults, grid: Panels) -> Plot | None:
    """With a candidate and the reference implementation (numpy and torch; the first
    candidate in display order), the map of max over classes |p_candidate - p_reference| per
    pixel at every grid point (``None`` otherwise)."""
    shown = candidates(results.impls)
    if REFERENCE not in results.impls or not shown or \
            not any("grid_proba" in results.outputs(r) for r in results.records):
        return None
    one, ref = shown[0], REFERENCE
    norm = LogNorm(vmin=DIFF_FLOOR, vmax=1.0)
    image, fig = None, None
    for fig, ax, row, col, _ in _panels(results, grid, 2.2):
        a, b = grid.get(row, col, one), grid.get(row, col, ref)
        pa, pb = (results.outputs(r).get("grid_proba") if r else None for r in (a, b))
        if pa is None or pb is None or pa.shape != pb.shape:
            ax.set_axis_off()
            continue
        with np.errstate(invalid="ignore"):
            diff = np.abs(pa - pb).max(axis=2)
        biggest = np.nanmax(diff) if np.isfinite(diff).any() else np.nan
        (x0, y0), (x1, y1) = results.outputs(a)["grid_rect"]
        image = ax.imshow(np.clip(diff, DIFF_FLOOR, 1.0), origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
                          norm=norm, cmap="magma_r", interpolation="nearest")
        text = "not finite" if not np.isfinite(biggest) else "identical" if biggest == 0 else f"max |Δp| = {biggest:.1e}"
        ax.set_title(f"{grid.label(row, col, width=26)}\n{text}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    if image is not None:
        fig.colorbar(image, ax=fig.axes, shrink=0.8, label=f"max over classes |p_{one} − p_{ref}|")
    return Plot("decision_difference", fig, f"Where {one} and {ref} predict differently: the largest difference of "
                "their predicted class probabilities at each pixel, on a log scale from 1e-17 (pale yellow: agreement to "
                "rounding) to 1 (black: opposite predictions). The panel title gives the maximum over the plane. "
                + grid.note(), "surfaces")


def hidden_unit_plot(results: RunResults, rec: dict, which: str = "best") -> Plot | None:
    """Each first-layer unit's activation over the input plane for ``rec`` (as TensorFlow
    Playground shows them), from its stored parameters; ``which`` ("best" or "worst") names
    the figure. Units the cell's diagnosis found dead (0 on every training point) say so."""
    params, out = results.params(rec), results.outputs(rec)
    if params is None or "grid_rect" not in out or len(params) < 2:
        return None
    from fcann2.functional import ACTIVATIONS  # NumPy only
    model = rec["spec"]["model"]
    res = out["grid_proba"].shape[0]
    _, _, P = grid_points(out["grid_rect"], res, res)
    W, b = params[0]
    act = ACTIVATIONS[model["activation"]][0]
    z = W @ P.T + b[:, None]
    units = act(z, model.get("negative_slope", 0.01)) if model["activation"] == "leaky_relu" else act(z)
    dead = _dead_first_layer(results, rec, W, b, model["activation"])
    n = min(len(W), _MAX_UNITS)
    n_cols = min(n, 8)
    fig, axes = new_figure(-(-n // n_cols), n_cols, panel_size=(1.45, 1.45), squeeze=False)
    (x0, y0), (x1, y1) = out["grid_rect"]
    for k, ax in enumerate(np.ravel(axes)):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_axis_off()
            continue
        span = float(np.max(np.abs(units[k]))) or 1.0  # each unit on its own scale, like the Playground
        ax.imshow(units[k].reshape(res, res), origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
                  cmap="RdBu_r", vmin=-span, vmax=span)
        ax.set_title(f"unit {k + 1}: dead" if k in dead else f"unit {k + 1} (max {span:.2g})", fontsize=7,
                     color="#b00" if k in dead else "black")
    where = ", ".join(f"{k} = {v}" for k, v in results.resolved(rec, results.axes).items()) or "the only grid point"
    acc = _acc(rec)
    more = f" The first {n} of {len(W)} units are shown." if len(W) > n else ""
    diagnosis = (rec.get("diagnosis") or {}).get("text")
    why = (f" This cell's diagnosis: {diagnosis}." if diagnosis else "") + \
        (f" {len(dead)} of {len(W)} units are dead: 0 on every training point, so they get no gradient and "
         "never recover (an output layer without live units predicts one class)." if dead else "")
    return Plot("hidden_units" if which == "best" else f"hidden_units_{which}", fig, f"What each first-layer unit computes at the {which} grid point ({where}; "
                f"{rec['impl']}, seed {rec['spec']['seed']}" + (f", test acc {acc:.3f}" if acc is not None else "")
                + f"): its {model['activation']} activation over the input plane, red positive, blue negative, white "
                "zero, each unit on its own scale (its largest |value| in its title). The output layer combines these "
                f"maps into the decision regions.{why}{more}", "units")


def _dead_first_layer(results: RunResults, rec: dict, W, b, activation: str) -> set[int]:
    """First-layer ReLU units that output 0 on every training point of ``rec``'s data."""
    if activation != "relu":
        return set()
    X = results.data(rec).get("X_train")
    if X is None:
        return set()
    z = np.asarray(X, dtype=np.float64) @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
    return set(np.flatnonzero((z <= 0).all(axis=0)).tolist())
