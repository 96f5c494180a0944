"""Regression sets: a noisy 1-D function.

Returns ``X`` float64 of shape (n_samples, 1) and ``y`` float64 of shape (n_samples,).
"""
from __future__ import annotations

import numpy as np

from ..validation import as_generator, check_positive

__all__ = ["make_noisy_1d", "FUNCTIONS_1D"]

FUNCTIONS_1D = {
    "sin": lambda x: np.sin(x),
    "cubic": lambda x: 0.1 * x**3 - 0.5 * x,
    "abs": lambda x: np.abs(x) - 1.0,
}


def make_noisy_1d(n_samples: int = 200, noise: float = 0.1, function: str = "sin",
                  low: float = -3.0, high: float = 3.0, rng=None):
    """``y = f(x) + N(0, noise^2)`` for ``x ~ U(low, high)``, ``f`` named in ``FUNCTIONS_1D``."""
    if function not in FUNCTIONS_1D:
        raise ValueError(f"function must be one of {sorted(FUNCTIONS_1D)}, got {function!r}")
    check_positive(noise, "noise", allow_zero=True)
    if not low < high:
        raise ValueError(f"low must be < high, got low={low}, high={high}")
    rng = as_generator(rng)
    x = rng.uniform(low, high, size=(n_samples, 1))
    y = FUNCTIONS_1D[function](x[:, 0]) + noise * rng.standard_normal(n_samples)
    return x, y
