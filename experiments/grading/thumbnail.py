"""A submission's decision surface on the lab's data as a small embedded PNG."""
from __future__ import annotations

import base64
import io

import numpy as np

__all__ = ["thumbnail"]


def thumbnail(grid_probs: np.ndarray, data) -> str:
    """A 96 x 96 PNG (base64) of the decision surface on the lab's data."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    side = int(round(np.sqrt(len(data["grid"]))))
    P = np.asarray(grid_probs, dtype=np.float64)
    surface = P[:, 1] if P.ndim == 2 and P.shape[1] > 1 else P.ravel()
    if surface.size != side * side:
        return ""
    fig = Figure(figsize=(1.2, 1.2), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    g = data["grid"]
    ax.imshow(surface.reshape(side, side), origin="lower", cmap="coolwarm", vmin=0, vmax=1,
              extent=(g[:, 0].min(), g[:, 0].max(), g[:, 1].min(), g[:, 1].max()), aspect="auto")
    ax.scatter(data["Xl"][:, 0], data["Xl"][:, 1], c=data["yl"], cmap="coolwarm", s=4, edgecolors="k", linewidths=0.2)
    ax.set_axis_off()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()
