"""3x3 line images: vertical (class 0) and horizontal (class 1) strokes.

Our construction: for each of the 3 columns (vertical) or rows (horizontal), every stroke
of at least two of its three pixels: the full line, the two 2-pixel segments, and the
two end pixels with a gap. That is 4 x 3 x 2 = 24 training images. Images are flattened
row-major to 9 features in ``[0, 1]``.
"""
from __future__ import annotations

import numpy as np

from ..validation import as_generator, check_positive

__all__ = ["lines_train", "lines_dimmed", "lines_noisy", "LINE_CLASSES"]

LINE_CLASSES = ("vertical", "horizontal")
_STROKES = ((0, 1, 2), (0, 1), (1, 2), (0, 2))
_CONTIGUOUS = ((0, 1, 2), (0, 1), (1, 2))


def _images(strokes, value: float) -> tuple[np.ndarray, np.ndarray]:
    X, y = [], []
    for label in (0, 1):
        for line in range(3):
            for stroke in strokes:
                img = np.zeros((3, 3))
                for pos in stroke:
                    if label == 0:
                        img[pos, line] = value
                    else:
                        img[line, pos] = value
                X.append(img.ravel())
                y.append(label)
    return np.array(X), np.array(y, dtype=np.int64)


def lines_train() -> tuple[np.ndarray, np.ndarray]:
    """The 24 training images: ``X`` (24, 9) float64 in {0, 1}, ``y`` (24,) int64."""
    return _images(_STROKES, 1.0)


def lines_dimmed(value: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """Validation set 1: the 18 contiguous strokes with line pixels at ``value`` (18, 9)."""
    check_positive(value, "value")
    return _images(_CONTIGUOUS, value)


def lines_noisy(sd: float = 0.2, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Validation set 2: training images plus N(0, sd^2) noise, clipped to [0, 1] (24, 9)."""
    check_positive(sd, "sd", allow_zero=True)
    X, y = lines_train()
    X = np.clip(X + sd * as_generator(rng).standard_normal(X.shape), 0.0, 1.0)
    return X, y
