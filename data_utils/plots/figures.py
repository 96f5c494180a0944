"""Figure helpers: matplotlib ``Figure`` objects without pyplot, so library code never
touches a GUI backend or global figure state."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

__all__ = ["new_figure", "save_figure", "class_colors", "bounding_rect"]

_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def new_figure(n_rows: int = 1, n_cols: int = 1, panel_size: tuple[float, float] = (4.0, 3.5),
               squeeze: bool = True, **subplot_kw):
    """A ``Figure`` with an ``n_rows x n_cols`` grid of Axes; returns ``(fig, axes)``."""
    fig = Figure(figsize=(panel_size[0] * n_cols, panel_size[1] * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=squeeze, **subplot_kw)
    return fig, axes


def save_figure(fig: Figure, path: str | Path, dpi: int = 100) -> Path:
    """Write ``fig`` as PNG (creating parent folders) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png")
    return path


def class_colors(n_classes: int) -> np.ndarray:
    """RGB colours of shape (n_classes, 3), one per class, stable across plots."""
    from matplotlib.colors import to_rgb
    if n_classes <= len(_PALETTE):
        return np.array([to_rgb(c) for c in _PALETTE[:n_classes]])
    from matplotlib import colormaps
    return colormaps["hsv"](np.linspace(0, 1, n_classes, endpoint=False))[:, :3]


def bounding_rect(X: np.ndarray, margin: float = 0.1):
    """``([x_min, y_min], [x_max, y_max])`` around 2-D points, padded by ``margin`` of the span."""
    X = np.asarray(X)[:, :2]
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-9)
    return (lo - pad).tolist(), (hi + pad).tolist()
