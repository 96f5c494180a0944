"""Central-difference gradients: the torch-free oracle for every backward pass."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .model import MLP

__all__ = ["numerical_gradient", "model_gradient_errors"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every element of ``x``.

    ``x`` is perturbed in place and restored; ``f`` reads it. float64 only makes sense.
    """
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        flat[i] = old - eps
        minus = f()
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def model_gradient_errors(model: MLP, X, y, eps: float = 1e-6) -> list[tuple[float, float]]:
    """Max relative error ``|analytic - numeric| / max(1, |numeric|)`` of ``(dW, db)`` per layer."""
    model.loss(X, y)
    analytic = [(dW.copy(), db.copy()) for dW, db in model.backward()]
    errors = []
    for (W, b), (dW, db) in zip(model.params, analytic):
        pair = []
        for p, g in ((W, dW), (b, db)):
            num = numerical_gradient(lambda: model.loss(X, y), p, eps)
            pair.append(float(np.max(np.abs(g - num) / np.maximum(1.0, np.abs(num)))))
        errors.append(tuple(pair))
    return errors
