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
"""
from __future__ import annotations

import numpy as np
from scipy.linalg.blas import get_blas_funcs

from data_utils.training.recipe import Recipe

__all__ = ["SGD", "RMSprop", "Adam", "UPDATE_RULES"]


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum, dampening 0."""

    def __init__(self, recipe: Recipe, theta: np.ndarray):
        self.momentum, self.nesterov = recipe.momentum, recipe.nesterov
        self.buf = None
        self._work = np.empty_like(theta) if self.nesterov else None
        # BLAS axpy (y += a x in place): one pass over the buffer instead of NumPy's two
        self._axpy = get_blas_funcs("axpy", (theta,))

    def update(self, theta: np.ndarray, g: np.ndarray, lr: float) -> None:
        mu = self.momentum
        if mu == 0:
            self._axpy(g, theta, a=-lr)
            return
        if self.buf is None:
            self.buf = g.copy()
        else:
            self.buf *= mu
            self.buf += g
        d = self.buf
        if self.nesterov:
            d = np.multiply(self.buf, mu, out=self._work)
            d += g
        self._axpy(d, theta, a=-lr)


class RMSprop:
    """RMSprop (not centered) with optional momentum."""

    def __init__(self, recipe: Recipe, theta: np.ndarray):
        self.alpha, self.eps, self.momentum = recipe.alpha, recipe.eps, recipe.momentum
        self.square_avg = np.zeros_like(theta)
        self.buf = np.zeros_like(theta) if self.momentum > 0 else None
        self._work, self._avg = np.empty_like(theta), np.empty_like(theta)

    def update(self, theta: np.ndarray, g: np.ndarray, lr: float) -> None:
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

    def update(self, theta: np.ndarray, g: np.ndarray, lr: float) -> None:
        m, v, work, denom = self.exp_avg, self.exp_avg_sq, self._work, self._denom
        self.t += 1
        np.subtract(g, m, out=work)
        work *= 1 - self.beta1
        m += work                                   # m = beta1 * m + (1 - beta1) * g
        v *= self.beta2
        np.multiply(g, 1 - self.beta2, out=work)
        work *= g
        v += work                                   # v = beta2 * v + (1 - beta2) * g * g
        bias_correction1 = 1 - self.beta1 ** self.t
        bias_correction2_sqrt = (1 - self.beta2 ** self.t) ** 0.5
        np.sqrt(v, out=denom)
        denom /= bias_correction2_sqrt
        denom += self.eps                           # sqrt(v_hat) + eps
        np.multiply(m, -lr / bias_correction1, out=work)
        work /= denom
        theta += work                               # theta -= lr * m_hat / (sqrt(v_hat) + eps)


UPDATE_RULES = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}
