"""3x3 line images, the lines tutorial's own data: vertical (class 0) and horizontal
(class 1) strokes.

- ``lines_train``: the tutorial's 24 training images (12 per class), line pixels at
  intensities 0.7-1.0.
- ``lines_dimmed``: its validation set 1, 18 full lines with one pixel dimmed to 0.4 (one
  published row has its dimmed pixel off the line; it is kept as published).
- ``lines_noisy``: its validation set 2, the training set plus N(0, 0.2^2) noise clipped
  to [0, 1].

Images are flattened row-major (``img[row, col]``) to 9 features; the published files list
pixels column by column, converted here (see ``lines_tutorial_data``).
"""
from __future__ import annotations

import numpy as np

from ..validation import as_generator, check_positive
from .lines_tutorial_data import TRAIN_ROWS, VALID1_ROWS

__all__ = ["lines_train", "lines_dimmed", "lines_noisy", "LINE_CLASSES", "TUTORIAL_DIM"]

LINE_CLASSES = ("vertical", "horizontal")
TUTORIAL_DIM = 0.4  # the dimmed pixel's value in the tutorial's validation set 1


def _images(rows) -> tuple[np.ndarray, np.ndarray]:
    """Published rows (column-by-column pixels, class) -> row-major ``X`` (n, 9), ``y`` (n,)."""
    data = np.array(rows, dtype=np.float64)
    X = data[:, :9].reshape(-1, 3, 3).transpose(0, 2, 1).reshape(-1, 9)
    return np.ascontiguousarray(X), data[:, 9].astype(np.int64)


def lines_train() -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's 24 training images: ``X`` (24, 9) float64 in [0, 1], ``y`` (24,) int64."""
    return _images(TRAIN_ROWS)


def lines_dimmed(value: float = TUTORIAL_DIM) -> tuple[np.ndarray, np.ndarray]:
    """Validation set 1 (18, 9); ``value`` replaces the tutorial's dimmed 0.4 (default: as
    published)."""
    check_positive(value, "value")
    X, y = _images(VALID1_ROWS)
    X[X == TUTORIAL_DIM] = value
    return X, y


def lines_noisy(sd: float = 0.2, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Validation set 2: training images plus N(0, sd^2) noise, clipped to [0, 1] (24, 9)."""
    check_positive(sd, "sd", allow_zero=True)
    X, y = lines_train()
    X = np.clip(X + sd * as_generator(rng).standard_normal(X.shape), 0.0, 1.0)
    return X, y
