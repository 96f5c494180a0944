"""Charts: loss curves, metric heatmaps, image grids, weight heatmaps, confusion matrices."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from .figures import new_figure

__all__ = ["plot_loss_curves", "plot_heatmap", "plot_image_grid", "plot_weights",
           "plot_confusion_matrix", "DRAWABLE_MAX"]

# Larger magnitudes (a diverging run) are not drawn: matplotlib's limits and ticks overflow.
DRAWABLE_MAX = 1e100


def _drawable(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values) & (np.abs(values) <= DRAWABLE_MAX)


def plot_loss_curves(curves: Mapping[str, Sequence[float]], *, ax: Axes | None = None,
                     log_y: bool = True, xlabel: str = "epoch", title: str | None = None,
                     styles: Mapping[str, dict] | None = None) -> Axes:
    """Several loss curves on one axis. A curve is cut before its first value that is not
    finite or exceeds ``DRAWABLE_MAX`` (a diverged run), and the cut is marked with an x.

    ``styles`` optionally maps a label to line keyword arguments (e.g. dashed for torch).
    The y axis is logarithmic when ``log_y`` and every drawn value is > 0.
    """
    if ax is None:
        _, ax = new_figure(panel_size=(6, 4))
    drawn = []
    for label, values in curves.items():
        values = np.asarray(values, dtype=np.float64).ravel()
        ok = _drawable(values)
        end = len(values) if ok.all() else int(np.argmin(ok))
        line, = ax.plot(np.arange(1, end + 1), values[:end], label=label if end == len(values) else f"{label} (diverged)",
                        **(styles or {}).get(label, {}))
        if 0 < end < len(values):
            ax.plot([end], [values[end - 1]], marker="x", color=line.get_color(), linestyle="none")
        drawn.append(values[:end])
    drawn = np.concatenate(drawn) if drawn else np.empty(0)
    if log_y and drawn.size and (drawn > 0).all():
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if title:
        ax.set_title(title)
    if curves:
        ax.legend(fontsize=7)
    return ax


def plot_heatmap(values, row_labels: Sequence, col_labels: Sequence, *, ax: Axes | None = None,
                 title: str | None = None, xlabel: str = "", ylabel: str = "", fmt: str = "{:.3f}",
                 cmap: str = "viridis", center: float | None = None) -> Axes:
    """A metric over two swept keys, value printed in every cell (NaN cells left blank;
    infinite or huge values printed on a blank cell, outside the colour scale).

    ``values`` has shape (len(row_labels), len(col_labels)). With ``center`` the colour
    scale is symmetric about it (for differences).
    """
    if ax is None:
        _, ax = new_figure(panel_size=(1.2 * len(col_labels) + 2, 0.8 * len(row_labels) + 1.5))
    values = np.asarray(values, dtype=np.float64)
    coloured = np.where(_drawable(values), values, np.nan)  # inf, NaN, huge: printed, not coloured
    kwargs = {}
    if center is not None and np.isfinite(coloured).any():
        span = np.nanmax(np.abs(coloured - center)) or 1.0
        kwargs = {"vmin": center - span, "vmax": center + span}
    im = ax.imshow(np.ma.masked_invalid(coloured), cmap=cmap, aspect="auto", **kwargs)
    ax.figure.colorbar(im, ax=ax)
    ax.set_xticks(range(len(col_labels)), [str(c) for c in col_labels])
    ax.set_yticks(range(len(row_labels)), [str(r) for r in row_labels])
    for (i, j), v in np.ndenumerate(values):
        if np.isnan(v):
            continue
        r, g, b, _ = im.cmap(im.norm(v))  # the cell's colour: white text where it is dark
        dark = np.isfinite(coloured[i, j]) and 0.299 * r + 0.587 * g + 0.114 * b < 0.5
        ax.text(j, i, fmt.format(v) if np.isfinite(v) else f"{v:+}", ha="center", va="center", fontsize=8,
                color="white" if dark else "black")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def plot_image_grid(images, image_shape: tuple[int, int], *, labels: Sequence | None = None,
                    n_cols: int = 8, cmap: str = "gray_r"):
    """Images of shape (n, h*w) or (n, h, w) in a grid, titled by ``labels``; returns the Figure."""
    images = np.asarray(images).reshape(-1, *image_shape)
    n = len(images)
    n_cols = max(1, min(n_cols, n))
    n_rows = -(-n // n_cols)
    fig, axes = new_figure(n_rows, n_cols, panel_size=(1.2, 1.3), squeeze=False)
    for k, ax in enumerate(np.ravel(axes)):
        ax.set_axis_off()
        if k < n:
            ax.imshow(images[k], cmap=cmap, vmin=0.0, vmax=max(1.0, float(images.max())))
            if labels is not None:
                ax.set_title(str(labels[k]), fontsize=8)
    return fig


def plot_weights(params: Sequence[tuple[np.ndarray, np.ndarray]], *, title: str | None = None):
    """One heatmap per layer weight ``W`` of shape (out, in), diverging colours about 0."""
    fig, axes = new_figure(1, len(params), panel_size=(3.2, 3.0), squeeze=False)
    for k, ((W, _), ax) in enumerate(zip(params, axes[0])):
        span = float(np.max(np.abs(W))) or 1.0
        im = ax.imshow(W, cmap="RdBu_r", vmin=-span, vmax=span, aspect="auto",
                       interpolation="nearest")
        fig.colorbar(im, ax=ax)
        ax.set_title(f"layer {k + 1}: W {W.shape[0]}x{W.shape[1]}", fontsize=9)
        ax.set_xlabel("input")
        ax.set_ylabel("output")
    if title:
        fig.suptitle(title)
    return fig


def plot_confusion_matrix(M, class_names: Sequence[str] | None = None, *, ax: Axes | None = None,
                          title: str | None = None) -> Axes:
    """Confusion matrix (rows true, columns predicted) with counts in the cells."""
    M = np.asarray(M)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(M))]
    ax = plot_heatmap(M, names, names, ax=ax, title=title, fmt="{:.0f}", cmap="Blues",
                      xlabel="predicted", ylabel="true")
    return ax
