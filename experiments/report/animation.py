"""The training animation of one cell (``[output] animation = true``), written as a GIF
with matplotlib's Pillow writer from the frames the trainer's callback recorded during
the run: the decision surface for 2-D data; the first layer's weights as images, the
output layer's weights and the predicted probabilities for image data."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from matplotlib.animation import PillowWriter
from matplotlib.figure import Figure

from data_utils.plots import plot_points, plot_proba_grid

from ..store.results import RunResults

__all__ = ["write_animation"]

log = logging.getLogger(__name__)
_FPS = 6


def _surface_frames(fig, frames: dict, data: dict):
    ax = fig.subplots()
    for k in range(len(frames["step"])):
        ax.clear()
        plot_proba_grid(frames["proba"][k], frames["rect"], ax=ax, n_classes=len(data["class_names"]))
        plot_points(data["X_train"], data["y_train"], ax=ax)
        ax.set_title(f"step {int(frames['step'][k])}, loss {float(frames['loss'][k]):.4g}", fontsize=10)
        yield


def _image_frames(fig, frames: dict, data: dict):
    shape = tuple(int(s) for s in data["input_shape"])
    n_units = frames["weights"].shape[1]
    grid = fig.add_gridspec(2, max(n_units, 2))
    unit_axes = [fig.add_subplot(grid[0, k]) for k in range(n_units)]
    out_ax, pred_ax = fig.add_subplot(grid[1, : max(n_units, 2) // 2]), fig.add_subplot(grid[1, max(n_units, 2) // 2:])
    span = float(np.max(np.abs(frames["weights"]))) or 1.0
    out_span = float(np.max(np.abs(frames["out_weights"]))) or 1.0
    names = [str(n) for n in data["class_names"]]
    for k in range(len(frames["step"])):
        for u, ax in enumerate(unit_axes):
            ax.clear()
            ax.imshow(frames["weights"][k][u].reshape(shape), cmap="RdBu_r", vmin=-span, vmax=span)
            ax.set_axis_off()
            ax.set_title(f"unit {u + 1}", fontsize=7)
        out_ax.clear()
        out_ax.imshow(frames["out_weights"][k], cmap="RdBu_r", vmin=-out_span, vmax=out_span, aspect="auto")
        out_ax.set(title="output layer W (class x unit)", yticks=range(len(names)), yticklabels=names)
        pred_ax.clear()
        pred_ax.imshow(frames["proba"][k].T, cmap="Greys", vmin=0, vmax=1, aspect="auto")
        pred_ax.set(title="P(class) of 16 test samples", yticks=range(len(names)), yticklabels=names,
                    xlabel="test sample")
        fig.suptitle(f"step {int(frames['step'][k])}, loss {float(frames['loss'][k]):.4g}", fontsize=10)
        yield


def write_animation(results: RunResults, path: Path) -> tuple[Path, str] | None:
    """Write the GIF of the run's animated cell to ``path``; returns it with a caption, or
    ``None`` when no cell recorded frames."""
    rec = next((r for r in results.records if results.frames(r)), None)
    if rec is None:
        return None
    frames, data = results.frames(rec), results.data(rec)
    mode = str(frames["mode"])
    if mode == "surface":
        fig = Figure(figsize=(4.2, 4.0), layout="constrained")
        steps = _surface_frames(fig, frames, data)
    else:
        n_units = frames["weights"].shape[1]
        fig = Figure(figsize=(max(6.0, 0.8 * n_units), 4.2), layout="constrained")
        steps = _image_frames(fig, frames, data)
    def save(tmp: Path) -> None:
        writer = PillowWriter(fps=_FPS)
        with writer.saving(fig, str(tmp), dpi=80):
            for _ in steps:
                writer.grab_frame()

    results.store.files.write_with(path, save)
    where = ", ".join(f"{k} = {v}" for k, v in results.resolved(rec, results.axes).items()) or "the only grid point"
    what = ("the decision surface over the training data" if mode == "surface" else
            "the first layer's weights drawn as images, the output layer's weights and the predicted class "
            "probabilities of 16 test samples")
    caption = (f"Training of one cell ({where}; {rec['impl']}) as it ran: {what}, in {len(frames['step'])} frames "
               "taken every few steps by the trainer's callback.")
    log.info("animation: %s (%d frames)", path, len(frames["step"]))
    return path, caption
