"""Update rules written by hand, one class per optimizer of the recipe.

Each rule updates the model's flat parameter vector ``theta`` in place from the flat
gradient ``g`` (weight decay already added to the weights' part). The formulas and the
order of operations are those of ``torch.optim`` (single-tensor CPU path), so that both
implementations follow the same trajectory to rounding:

- ``SGD``: ``theta -= lr * d``; ``d = g`` without momentum; with momentum ``mu``,
  ``buf = g`` at the first step and ``buf = mu * buf + g`` afterwards, ``d = buf``, or
  ``d = g + mu * buf`` with Nesterov.
- ``RMSprop``: ``v = alpha * v + (1 - alpha) * g**2``, ``a = sqrt(v) + eps``;
  ``theta -= lr * g / a``, or with momentum ``buf = mu * buf + g / a`` (``buf`` starts
  at 0) and ``theta -= lr * buf``.
- ``Adam``: ``m = beta1 * m + (1 - beta1) * g`` (computed as ``m += (1 - beta1) * (g - m)``,
  torch's ``lerp``), ``v = beta2 * v + (1 - beta2) * g**2``, and with ``t`` counting steps
  from 1: ``theta -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``.

State starts empty (zeros, or ``None`` for SGD's momentum buffer) and lives in arrays of
``theta``'s size, allocated once.

Stacked models: ``theta`` and ``g`` may be (K, P) - one row per model - with every
hyperparameter and ``lr`` a (K, 1) array (``nesterov`` and whether RMSprop has momentum are
shared). Each row then follows exactly the arithmetic of the unstacked rule: element-wise
NumPy operations (not BLAS axpy, whose fused multiply-add rounds differently), and powers
in Python floats (``np.power`` and ``**`` on floats may differ in the last bit).
"""
from __future__ import annotations

import numpy as np
from data_utils.training.recipe import Recipe

__all__ = ["SGD", "RMSprop", "Adam", "UPDATE_RULES"]


def _per_model(f, *values):
    """``f`` of scalars, or of per-model (K, 1) arrays row by row in Python floats."""
    if np.ndim(values[0]) == 0:
        return f(*values)
    return np.array([f(*v) for v in zip(*(np.ravel(x).tolist() for x in values))]).reshape(-1, 1)


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum, dampening 0."""

    def __init__(self, recipe: Recipe, theta: np.ndarray):
        self.momentum, self.nesterov = recipe.momentum, recipe.nesterov
        self.has_momentum = bool(np.any(self.momentum))  # once: np.any costs ~2 us, a plain step ~1
        self.buf = None
        self._work = np.empty_like(theta)

    def update(self, theta: np.ndarray, g: np.ndarray, lr) -> None:
        if not self.has_momentum:
            theta -= np.multiply(g, lr, out=self._work)
            return
        mu, work = self.momentum, self._work
        if self.buf is None:
            self.buf = g.copy()
        else:
            self.buf *= mu
            self.buf += g
        d = np.multiply(self.buf, mu, out=work) if self.nesterov else self.buf
        if self.nesterov:
            d += g                                  # d = g + mu * buf
        theta -= np.multiply(d, lr, out=work)


class RMSprop:
    """RMSprop (not centered) with optional momentum."""

    def __init__(self, recipe: Recipe, theta: np.ndarray):
        self.alpha, self.eps, self.momentum = recipe.alpha, recipe.eps, recipe.momentum
        self.square_avg = np.zeros_like(theta)
        self.buf = np.zeros_like(theta) if np.any(self.momentum) else None
        self._work, self._avg = np.empty_like(theta), np.empty_like(theta)

    def update(self, theta: np.ndarray, g: np.ndarray, lr) -> None:
        v, work, avg = self.square_avg, self._work, self._avg
        v *= self.alpha
        np.multiply(g, 1 - self.alpha, out=work)
        work *= g
        v += work                                   # v = alpha * v + (1 - alpha) * g * g
        np.sqrt(v, out=avg)
        avg += self.eps                             # a = sqrt(v) + eps
        if self.buf is not None:
            self.buf *= self.momentum
            np.divide(g, avg, out=work)
            self.buf += work                        # buf = mu * buf + g / a
            np.multiply(self.buf, -lr, out=work)
        else:
            np.multiply(g, -lr, out=work)
            work /= avg                             # -lr * g / a
        theta += work


class Adam:
    """Adam with bias correction (``amsgrad`` off, coupled weight decay)."""

    def __init__(self, recipe: Recipe, theta: np.ndarray):
        (self.beta1, self.beta2), self.eps = recipe.betas, recipe.eps
        self.t = 0
        self.exp_avg, self.exp_avg_sq = np.zeros_like(theta), np.zeros_like(theta)
        self._work, self._denom = np.empty_like(theta), np.empty_like(theta)

    def update(self, theta: np.ndarray, g: np.ndarray, lr) -> None:
        m, v, work, denom = self.exp_avg, self.exp_avg_sq, self._work, self._denom
        self.t += 1
        np.subtract(g, m, out=work)
        work *= 1 - self.beta1
        m += work                                   # m = beta1 * m + (1 - beta1) * g
        v *= self.beta2
        np.multiply(g, 1 - self.beta2, out=work)
        work *= g
        v += work                                   # v = beta2 * v + (1 - beta2) * g * g
        t = self.t
        bias_correction1 = _per_model(lambda b: 1 - b ** t, self.beta1)
        bias_correction2_sqrt = _per_model(lambda b: (1 - b ** t) ** 0.5, self.beta2)
        np.sqrt(v, out=denom)
        denom /= bias_correction2_sqrt
        denom += self.eps                           # sqrt(v_hat) + eps
        np.multiply(m, -lr / bias_correction1, out=work)
        work /= denom
        theta += work                               # theta -= lr * m_hat / (sqrt(v_hat) + eps)


UPDATE_RULES = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}
