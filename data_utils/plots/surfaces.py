"""Decision surfaces of 2-D classifiers: the course's ``graph_surface``/``graph_data``,
multiclass decision regions, and grids of such panels."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes

from .figures import bounding_rect, class_colors, new_figure

__all__ = ["grid_points", "graph_surface", "graph_data", "plot_decision_regions", "decision_grid",
           "plot_proba_grid", "plot_points", "surface_legend"]


def grid_points(rect, width: int = 256, height: int = 256):
    """Grid over ``rect = ([x_min, y_min], [x_max, y_max])``.

    Returns ``xx, yy`` of shape (height, width) and the points ``P`` of shape
    (height * width, 2) in row-major order of the grid.
    """
    (x0, y0), (x1, y1) = rect
    xx, yy = np.meshgrid(np.linspace(x0, x1, width), np.linspace(y0, y1, height))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def _current_axes(ax: Axes | None) -> Axes:
    """``ax``, or pyplot's current axes (imported only then: library figures stay pyplot-free)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def graph_surface(function: Callable[[np.ndarray], np.ndarray], rect, offset: float | None = 0.5,
                  width: int = 256, height: int = 256, ax: Axes | None = None, *,
                  useProbs: bool | None = None) -> Axes:  # noqa: N803 - the name students' copies use
    """Colour ``function`` over ``rect = ([x_min, y_min], [x_max, y_max])``, as the lab's
    ``data.graph_surface``: the colour range is symmetric about ``offset`` (about 0 when
    ``offset`` is 0 or None) and a black contour marks ``function == offset`` (none when
    ``offset`` is None).

    ``function`` maps points (n, 2) to scores (n,), or - the probability form - to class
    probabilities (n, C): then the surface is the probability of class 1 when C == 2 and of
    the predicted class otherwise, or the predicted class index with ``useProbs=False``
    (``useProbs`` is not in the lab's file; some students' copies pass it). Without ``ax``
    it draws on pyplot's current axes, as ``graph_surface(...); graph_data(...); plt.show()``
    expects. ``width`` points span x, ``height`` points y.
    """
    ax = _current_axes(ax)
    xx, yy, P = grid_points(rect, width, height)
    values = np.asarray(function(P), dtype=np.float64)
    if values.ndim == 2 and values.shape[1] > 1:
        if useProbs is False:
            values = values.argmax(axis=1).astype(np.float64)
        else:
            values = values[:, 1] if values.shape[1] == 2 else values.max(axis=1)
    values = values.reshape(height, width)
    center = offset if offset else 0.0
    delta = max(np.max(values) - center, center - np.min(values), 1e-12)
    ax.pcolormesh(xx, yy, values, vmin=center - delta, vmax=center + delta, cmap="jet", shading="auto")
    if offset is not None and values.min() < offset < values.max():
        ax.contour(xx, yy, values, levels=[offset], colors="black")
    ax.set_xlim(rect[0][0], rect[1][0])
    ax.set_ylim(rect[0][1], rect[1][1])
    return ax


def graph_data(X, Y_, Y, special: Sequence[int] = (), ax: Axes | None = None) -> Axes:
    """Scatter 2-D points coloured by true class ``Y_``: correctly predicted (``Y == Y_``)
    as circles, misclassified as squares; indices in ``special`` drawn larger. Without ``ax``
    it draws on pyplot's current axes."""
    ax = _current_axes(ax)
    X, Y_, Y = np.asarray(X), np.asarray(Y_, dtype=np.int64), np.asarray(Y, dtype=np.int64)
    colors = class_colors(int(max(Y_.max(), Y.max())) + 1)[Y_]
    sizes = np.full(len(X), 20.0)
    sizes[list(special)] = 40.0
    for mask, marker in ((Y == Y_, "o"), (Y != Y_, "s")):
        ax.scatter(X[mask, 0], X[mask, 1], c=colors[mask], s=sizes[mask], marker=marker,
                   edgecolors="black", linewidths=0.5)
    return ax


def plot_decision_regions(predict_proba: Callable[[np.ndarray], np.ndarray], rect, *,
                          X=None, y=None, width: int = 200, height: int = 200,
                          ax: Axes | None = None, title: str | None = None) -> Axes:
    """Multiclass decision regions: each grid point takes the colour of its argmax class,
    faded towards white where the classifier is unsure (max probability near 1/C).

    ``predict_proba`` maps (n, 2) points to (n, C) probabilities. With ``X``/``y``, the data
    are drawn on top (squares where the classifier is wrong).
    """
    _, _, P = grid_points(rect, width, height)
    ax = plot_proba_grid(np.asarray(predict_proba(P)).reshape(height, width, -1), rect, ax=ax, title=title)
    if X is not None and y is not None:
        pred = np.asarray(predict_proba(np.asarray(X)[:, :2])).argmax(axis=1)
        graph_data(X, y, pred, ax=ax)
    return ax


def plot_proba_grid(proba, rect, *, ax: Axes | None = None, title: str | None = None,
                    n_classes: int | None = None) -> Axes:
    """Decision regions from probabilities already computed on ``grid_points(rect, w, h)``:
    ``proba`` of shape (h, w, C). Each pixel takes its argmax class's colour, faded towards
    white where the classifier is unsure (max probability near 1/C); non-finite pixels grey."""
    if ax is None:
        _, ax = new_figure()
    proba = np.asarray(proba, dtype=np.float64)
    height, width, C = proba.shape
    colors = class_colors(max(C, n_classes or 0))
    finite = np.isfinite(proba).all(axis=2)
    safe = np.where(finite[..., None], proba, 1.0 / C)
    conf = (safe.max(axis=2) - 1.0 / C) / (1.0 - 1.0 / C) if C > 1 else np.ones((height, width))
    shade = 0.25 + 0.6 * np.clip(conf, 0, 1)[..., None]
    rgb = 1.0 - shade * (1.0 - colors[safe.argmax(axis=2)])
    rgb[~finite] = 0.6
    (x0, y0), (x1, y1) = rect
    ax.imshow(rgb, origin="lower", extent=(x0, x1, y0, y1), aspect="auto", interpolation="bilinear")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if title:
        ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_points(X, y, pred=None, *, ax: Axes, test: bool = False, n_classes: int | None = None) -> Axes:
    """2-D points coloured by true class: circles where ``pred`` is right, squares where it
    is wrong (all circles without ``pred``); training points filled, test points
    (``test``) hollow with a thick edge in their class colour."""
    X, y = np.asarray(X), np.asarray(y, dtype=np.int64)
    pred = y if pred is None else np.asarray(pred, dtype=np.int64)
    colors = class_colors(max(int(y.max()) + 1, int(pred.max()) + 1, n_classes or 0))[y]
    for mask, marker in ((pred == y, "o"), (pred != y, "s")):
        if not mask.any():
            continue
        if test:
            ax.scatter(X[mask, 0], X[mask, 1], s=22, marker=marker, facecolors="white",
                       edgecolors=colors[mask], linewidths=1.4)
        else:
            ax.scatter(X[mask, 0], X[mask, 1], s=16, marker=marker, c=colors[mask], edgecolors="black",
                       linewidths=0.4)
    return ax


def surface_legend(fig, class_names: Sequence[str], *, loc: str = "outside lower center"):
    """A figure legend for ``plot_proba_grid`` + ``plot_points`` panels: class colours,
    circle = correct, square = misclassified, filled = training, hollow = test."""
    from matplotlib.lines import Line2D
    colors = class_colors(len(class_names))
    handles = [Line2D([], [], marker="o", linestyle="none", color=c, markeredgecolor="black", label=f"class {n}")
               for c, n in zip(colors, class_names)]
    grey = {"linestyle": "none", "markersize": 6}
    handles += [Line2D([], [], marker="o", color="0.4", markeredgecolor="black", label="correct", **grey),
                Line2D([], [], marker="s", color="0.4", markeredgecolor="black", label="misclassified", **grey),
                Line2D([], [], marker="o", color="0.4", label="training point (filled)", **grey),
                Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor="0.3", markeredgewidth=1.4,
                       label="test point (hollow)", **grey)]
    # as many entries per line as the figure is wide (~1.7 in each), so none is cut off
    per_line = max(1, int(fig.get_figwidth() // 1.7))
    return fig.legend(handles=handles, loc=loc, ncol=min(len(handles), per_line), fontsize=8, frameon=False)


def decision_grid(panels, row_labels: Sequence[str], col_labels: Sequence[str], *,
                  X=None, y=None, rect=None, suptitle: str | None = None, resolution: int = 120):
    """A rows x columns figure of decision-region panels.

    ``panels[i][j]`` is ``None`` (an empty panel) or ``(predict_proba, title)``; ``X``/``y``
    are drawn on every panel. Rows and columns are labelled (e.g. hidden size x learning
    rate). Returns the ``Figure``.
    """
    n_rows, n_cols = len(row_labels), len(col_labels)
    fig, axes = new_figure(n_rows, n_cols, panel_size=(2.8, 2.6), squeeze=False)
    if rect is None:
        if X is None:
            raise ValueError("decision_grid needs rect or X to know the plotted area")
        rect = bounding_rect(X)
    for i in range(n_rows):
        for j in range(n_cols):
            ax = axes[i][j]
            panel = panels[i][j]
            if panel is None:
                ax.set_axis_off()
                continue
            fn, title = panel
            plot_decision_regions(fn, rect, X=X, y=y, ax=ax, title=title,
                                  width=resolution, height=resolution)
            if j == 0:
                ax.set_ylabel(row_labels[i])
            if i == n_rows - 1:
                ax.set_xlabel(col_labels[j])
    if suptitle:
        fig.suptitle(suptitle)
    return fig
