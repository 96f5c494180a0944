"""What a cell records for the report besides its metrics: model outputs on the test set
(and, for low-dimensional data, on the training set, over the input plane or line), the
data points to draw, and optional animation frames taken during training.

Everything here is NumPy arrays; ``RunStore`` writes them to ``outputs/``, ``data/`` and
``frames/``, so the report draws from the run folder alone (no model, no dataset loader).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from data_utils.plots.figures import bounding_rect
from data_utils.plots.surfaces import grid_points

from .setup import RunSetup

__all__ = ["cell_outputs", "plot_data", "first_max_step", "hardest_examples", "FrameRecorder", "CURVE_POINTS",
           "FRAME_RESOLUTION", "HARDEST"]

CURVE_POINTS = 200      # points of a 1-D regression's fitted curve
FRAME_RESOLUTION = 60   # grid of an animation frame's decision surface (per side)
HARDEST = 16            # highest-loss test examples kept for image data (at most half the test set)
_IMAGE_UNITS = 16       # first-layer units and test samples shown in an image animation


def _safe(output_fn: Callable, X) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(output_fn(X), dtype=np.float64)


def first_max_step(train_scores) -> int | None:
    """The first epoch (1-based; the iteration in full batch) at which the training score
    reaches its maximum, or None without a finite training curve (``output.train_curve``)."""
    scores = np.asarray(train_scores if train_scores is not None else [], dtype=np.float64)
    if not np.isfinite(scores).any():
        return None
    return int(np.argmax(scores == np.nanmax(scores))) + 1


def plot_rect(setup: RunSetup) -> np.ndarray:
    """The drawn area of 2-D data: the same for every cell with the same data."""
    ds = setup.dataset
    return np.asarray(bounding_rect(np.vstack([ds.X_train, ds.X_test])), dtype=np.float64)


def cell_outputs(setup: RunSetup, output_fn: Callable, resolution: int) -> dict[str, np.ndarray]:
    """Outputs of the trained model (``output_fn``: probabilities or predictions).

    Always ``test_output`` (n_test, k). For 2-D classification also ``train_output``,
    ``grid_rect`` (2, 2) and ``grid_proba`` (resolution, resolution, C) over that rectangle;
    for 1-D regression ``train_output``, ``curve_x`` and ``curve_y`` (the fitted curve); for
    image classification the highest-loss test examples (``hardest_examples``).
    """
    ds, dtype = setup.dataset, setup.X_test.dtype
    out = {"test_output": _safe(output_fn, setup.X_test)}
    if ds.n_features == 2 and setup.is_classification:
        rect = plot_rect(setup)
        _, _, P = grid_points(rect, resolution, resolution)
        out.update(train_output=_safe(output_fn, ds.X_train.astype(dtype)), grid_rect=rect,
                   grid_proba=_safe(output_fn, P.astype(dtype)).reshape(resolution, resolution, -1))
    elif ds.n_features == 1 and not setup.is_classification:
        X = np.vstack([ds.X_train, ds.X_test])
        lo, hi = X.min(), X.max()
        pad = 0.05 * (hi - lo)
        x = np.linspace(lo - pad, hi + pad, CURVE_POINTS)
        out.update(train_output=_safe(output_fn, ds.X_train.astype(dtype)), curve_x=x,
                   curve_y=_safe(output_fn, x[:, None].astype(dtype)))
    elif ds.is_image and setup.is_classification:
        out.update(hardest_examples(out["test_output"], ds.y_test, setup.X_test))
    return out


def hardest_examples(proba: np.ndarray, y: np.ndarray, X: np.ndarray) -> dict[str, np.ndarray]:
    """The ``HARDEST`` test examples (at most half of them) with the highest loss
    ``-log p(true class)`` (probabilities clipped at 1e-15, as the test log-loss): their
    ``hardest_index`` (k,) in the test set, ``hardest_loss`` (k,), highest first (ties by
    index), and ``hardest_X`` (k, n_features) as float32; ``{}`` for non-finite outputs.

    proba : ndarray of shape (n_test, C); y : ndarray of shape (n_test,); X : (n_test, n_features)
    """
    if not np.isfinite(proba).all():
        return {}
    loss = -np.log(np.clip(proba[np.arange(len(y)), y], 1e-15, 1.0))
    order = np.argsort(-loss, kind="stable")[:min(HARDEST, len(y) // 2)]
    return {"hardest_index": order, "hardest_loss": loss[order], "hardest_X": X[order].astype(np.float32)}


def plot_data(setup: RunSetup) -> dict[str, np.ndarray]:
    """The data a report draws: test targets and class names always, the points themselves
    for data of at most two features, and the image shape for image data."""
    ds = setup.dataset
    out = {"task": np.array(ds.task), "y_test": ds.y_test, "class_names": np.array(ds.class_names, dtype=str),
           "input_shape": np.array(ds.input_shape, dtype=np.int64)}
    if ds.n_features <= 2:
        out.update(X_train=ds.X_train, y_train=ds.y_train, X_test=ds.X_test)
    return out


class FrameRecorder:
    """The trainer's ``callback(step, loss, model)``: keeps about ``n_frames`` snapshots of
    one cell's training, evenly spaced over its steps.

    For 2-D classification a frame is the probability grid over the plotted rectangle;
    for image data the first layer's weights (up to 16 units), the output layer's weights
    (up to 64 inputs) and the predicted probabilities of the first 16 test samples.
    """

    def __init__(self, setup: RunSetup, output_fn: Callable, n_frames: int):
        self.every = max(1, setup.schedule.n_steps // max(n_frames, 1))
        self.output_fn = output_fn
        self.frames: dict[str, list] = {"step": [], "loss": []}
        ds = setup.dataset
        self.mode = None
        if ds.n_features == 2 and setup.is_classification:
            self.mode, self.rect = "surface", plot_rect(setup)
            self.points = grid_points(self.rect, FRAME_RESOLUTION, FRAME_RESOLUTION)[2].astype(setup.X_test.dtype)
        elif ds.is_image and setup.is_classification:
            self.mode, self.samples = "image", setup.X_test[:_IMAGE_UNITS]

    def __call__(self, step: int, loss: float, model, force: bool = False) -> None:
        """Record a frame every ``every`` steps (or now, with ``force``: the final state)."""
        if self.mode is None or (step % self.every and not force) or step in self.frames["step"][-1:]:
            return
        self.frames["step"].append(step)
        self.frames["loss"].append(loss)
        if self.mode == "surface":
            proba = _safe(self.output_fn, self.points).astype(np.float32)
            self.frames.setdefault("proba", []).append(proba.reshape(FRAME_RESOLUTION, FRAME_RESOLUTION, -1))
        else:
            params = model.to_params()
            self.frames.setdefault("weights", []).append(np.asarray(params[0][0], dtype=np.float32)[:_IMAGE_UNITS])
            self.frames.setdefault("out_weights", []).append(np.asarray(params[-1][0], dtype=np.float32)[:, :64])
            self.frames.setdefault("proba", []).append(_safe(self.output_fn, self.samples).astype(np.float32))

    def arrays(self) -> dict[str, np.ndarray] | None:
        """The frames as stacked arrays (``step``, ``loss``, ``proba``, ``weights``,
        ``rect``), or ``None`` when nothing was recorded."""
        if not self.frames["step"]:
            return None
        out = {k: np.asarray(v) for k, v in self.frames.items()}
        out["mode"] = np.array(self.mode)
        if self.mode == "surface":
            out["rect"] = self.rect
        return out
