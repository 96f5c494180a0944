"""The report's figures for image data, drawn from stored parameters and outputs: the
first layer's weights as images (one row per distinct trained model of the grid; the
whole network when it is small), and the test examples with the highest loss."""
from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from data_utils.plots import plot_heatmap

from .panels import Panels, Plot
from ..store.results import RunResults
from .ranking import best_cell

__all__ = ["weight_image_plot", "hardest_examples_plot", "MAX_WEIGHT_ROWS", "MAX_UNIT_IMAGES"]

MAX_WEIGHT_ROWS = 12    # grid points drawn in the weights figure (the first ones of the grid)
MAX_UNIT_IMAGES = 16    # first-layer units drawn per model
_ANNOTATE = 12          # a later layer's matrix gets its values printed up to this many rows/columns


def _image_shape(results: RunResults, rec: dict) -> tuple[int, ...] | None:
    shape = results.data(rec).get("input_shape")
    return tuple(int(s) for s in shape) if shape is not None and len(shape) == 2 else None


def _acc_text(rec: dict, sep: str = ", ") -> str:
    acc = ((rec.get("metrics") or {}).get("test") or {}).get("accuracy")
    return "" if acc is None else f"{sep}test acc {acc:.3f}"


def _distinct_models(results: RunResults, grid: Panels) -> list[tuple[list[str], dict, list]]:
    """``(labels, record, params)`` per distinct model of the first implementation (display
    order: numpy, else torch, else a plug-in) that has one
    of every grid point and seed, in grid order: models that are identical (their
    difference does not reach training, e.g. which validation set is scored) share one row
    and list every label."""
    rows: list[tuple[list[str], dict, list]] = []
    for row in grid.rows:
        for col in grid.cols:
            for rec in grid.first_seeds(row, col):
                _add_model(rows, results, rec, grid.label(row, col, width=200), grid.n_seeds > 1)
    return rows


def _add_model(rows: list, results: RunResults, rec: dict, where: str, with_seed: bool) -> None:
    """Append ``rec``'s model to ``rows``, or its label to an identical model's row."""
    params = results.params(rec)
    if params is None:
        return
    label = (", ".join(p for p in (where, f"seed {rec['spec']['seed']}" if with_seed else "") if p)
             or "the only grid point") + _acc_text(rec, ": ")
    twin = next((r for r in rows if len(r[2]) == len(params) and all(
        np.array_equal(W, W2) and np.array_equal(b, b2) for (W, b), (W2, b2) in zip(r[2], params))), None)
    if twin is not None:
        twin[0].append(label)
    else:
        rows.append(([label], rec, params))


def _mosaic(images: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, h*w) side by side in one array (h, n*(w+gap) - gap), NaN in the gaps, and
    the column of each image's centre: one ``imshow`` instead of one Axes per unit."""
    h, w = shape
    gap = max(1, w // 7)
    out = np.full((h, len(images) * (w + gap) - gap), np.nan)
    for k, image in enumerate(images):
        out[:, k * (w + gap):k * (w + gap) + w] = image.reshape(shape)
    return out, np.arange(len(images)) * (w + gap) + (w - 1) / 2


def _draw_model(subfig, params: list, shape: tuple[int, ...], class_names: list[str], title: str) -> None:
    """The first layer's rows as images (each labelled by its class when there is no
    hidden layer), then - when every unit is drawn - each later layer's W as a matrix."""
    W0 = params[0][0]
    n_units = min(len(W0), MAX_UNIT_IMAGES)
    later = [W for W, _ in params[1:]] if len(W0) <= MAX_UNIT_IMAGES else []
    widths = [1.0 * n_units] + [max(1.6, 0.35 * W.shape[1] + 0.9) for W in later]
    axes = np.atleast_1d(subfig.subplots(1, len(widths), width_ratios=widths))
    span = float(np.max(np.abs(W0[:n_units]))) or 1.0  # one scale per model: units compare
    mosaic, centers = _mosaic(W0[:n_units], shape)
    cmap = colormaps["RdBu_r"].with_extremes(bad="white")
    ax = axes[0]
    ax.imshow(mosaic, cmap=cmap, vmin=-span, vmax=span, interpolation="nearest")
    per_class = len(params) == 1 and len(class_names) >= n_units  # no hidden layer: one template per class
    names = class_names if per_class else [f"unit {k + 1}" for k in range(n_units)]
    ax.set_xticks(centers, names[:n_units], fontsize=8)
    ax.set_yticks([])
    ax.tick_params(length=0)
    ax.set_frame_on(False)
    for depth, (W, ax) in enumerate(zip(later, axes[1:]), start=2):
        small = max(W.shape) <= _ANNOTATE
        outputs = class_names if depth == len(params) and len(class_names) == len(W) else range(1, len(W) + 1)
        plot_heatmap(W, list(outputs), list(range(1, W.shape[1] + 1)), ax=ax, fmt="{:.1f}" if small else "",
                     cmap="RdBu_r", center=0.0)
        ax.set_title(f"layer {depth} W ({W.shape[0]}x{W.shape[1]})", fontsize=8)
        ax.tick_params(labelsize=7)
    subfig.suptitle(f"{title} (|W| up to {span:.2g})", fontsize=9)


def weight_image_plot(results: RunResults, grid: Panels) -> Plot | None:
    """First-layer weights as images, one row per distinct trained model (numpy; every
    grid point and seed, the first ``MAX_WEIGHT_ROWS``); ``None`` unless the inputs are images."""
    models = _distinct_models(results, grid)
    shape = _image_shape(results, models[0][1]) if models else None
    if shape is None:
        return None
    drawn = models[:MAX_WEIGHT_ROWS]
    class_names = [str(n) for n in results.data(drawn[0][1]).get("class_names", [])]
    n_cols = max(min(len(p[0][0]), MAX_UNIT_IMAGES) + 2.5 * (len(p) - 1) * (len(p[0][0]) <= MAX_UNIT_IMAGES)
                 for _, _, p in drawn)
    fig = Figure(figsize=(max(6.0, 0.95 * n_cols), 1.55 * len(drawn) + 0.3), layout="constrained")
    subfigs = np.atleast_1d(fig.subfigures(len(drawn), 1))
    for subfig, (labels, rec, params) in zip(subfigs, drawn):
        _draw_model(subfig, params, shape, class_names, "; ".join(labels))
    no_hidden = any(len(p) == 1 for _, _, p in drawn)
    more = f" The first {len(drawn)} of {len(models)} distinct models are drawn." if len(models) > len(drawn) else ""
    caption = (f"The first layer's weights of each trained model (numpy), one {shape[0]}x{shape[1]} "
               "image per unit (each pixel's weight: red positive, blue negative, white zero), each row on its own "
               "symmetric scale (its largest |W| in its title)."
               + (" Without a hidden layer each image is the template of one class." if no_hidden else "")
               + f" Up to {MAX_UNIT_IMAGES} units per model; when every unit is drawn, the later layers' weight "
               "matrices follow (rows: the layer's units or classes, columns: its inputs). Panels points that train "
               f"the same model share a row.{more} {grid.note(single_seed=False)}")
    return Plot("weights", fig, caption.strip(), "weights")


def hardest_examples_plot(results: RunResults) -> Plot | None:
    """The highest-loss test examples of the best numpy cell (``ranking.best_cell``) that
    recorded them (``training.outputs.hardest_examples``)."""
    scored = [r for r in results.records if r["impl"] == "numpy" and r["status"] == "ok"
              and "hardest_index" in results.outputs(r)]
    if not scored:
        return None
    best = best_cell(scored)
    if best is None:
        return None
    out, data = results.outputs(best), results.data(best)
    shape = _image_shape(results, best)
    names = [str(n) for n in data.get("class_names", [])]
    index = out["hardest_index"]
    if len(index) == 0:  # a test set too small to keep any
        return None
    pred = out["test_output"][index].argmax(axis=1)
    n_cols = min(8, len(index))
    n_rows = -(-len(index) // n_cols)
    fig = Figure(figsize=(1.45 * n_cols, 1.9 * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        if k >= len(index):
            ax.set_axis_off()
            continue
        ax.imshow(out["hardest_X"][k].reshape(shape), cmap="gray_r", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        true = int(data["y_test"][index[k]])
        ax.set_title(f"true: {names[true]}\npred: {names[pred[k]]}\nloss {out['hardest_loss'][k]:.3g}", fontsize=8,
                     color="#b00020" if pred[k] != true else "black")
    where = ", ".join(f"{k} = {v}" for k, v in results.resolved(best, results.axes).items()) or "the only grid point"
    return Plot("hardest_examples", fig, f"The {len(index)} test examples with the highest loss (-log of the "
                f"probability given to the true class) for the best cell ({where}; numpy{_acc_text(best)}), highest "
                "first; red titles are misclassified. Each title gives the true class, the predicted one and the "
                "loss.", "hardest")
