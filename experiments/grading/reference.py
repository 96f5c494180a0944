"""The lab's network as the grader's reference, in NumPy float64: ``[D, H, C]`` with ReLU
hidden units and softmax cross-entropy, parameters in the harness layout ``[W1 (H, D),
b1 (H,), W2 (C, H), b2 (C,)]`` (``z = x @ W.T + b``), and the valid conventions a
submission may follow (how the loss is scaled, how the L2 penalty is written, whether
biases are regularised, an epsilon inside the log)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Convention", "CONVENTIONS", "EPSILONS", "forward", "probabilities", "gradients", "loss_value",
           "TENSORS"]

TENSORS = ("W1", "b1", "W2", "b2")
EPSILONS = (0.0, 1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3)


@dataclass(frozen=True)
class Convention:
    """One way of writing the lab's objective that is not a bug.

    The update it implies is ``theta -= lr * (loss_scale * g + l2_scale * lam * theta)``
    with ``g`` the gradient of the *mean* cross-entropy, the penalty term on weights (and
    on biases when ``biases``); its loss is ``loss_scale * mean CE + l2_scale / 2 * lam *
    sum ||W||^2``. ``loss_scale`` is 1 (mean) or ``"N"`` (sum over the batch); ``l2_scale``
    1 (``lam/2 ||W||^2``), 2 (``lam ||W||^2``), ``"N"`` or ``"2N"`` (the penalty counted
    once per sample of a summed loss).
    """

    loss_scale: object = 1
    l2_scale: object = 1
    biases: bool = False

    def scales(self, n: int) -> tuple[float, float]:
        def value(s):
            return {"N": n, "2N": 2 * n}.get(s, s)
        return float(value(self.loss_scale)), float(value(self.l2_scale))

    @property
    def is_reference(self) -> bool:
        return self.loss_scale == 1 and self.l2_scale == 1 and not self.biases

    def describe(self) -> str:
        """``"sum loss, L2 as lambda*||W||^2 - your lr acts N times larger ..."``."""
        if self.is_reference:
            return "the lab's objective"
        parts, effects = [], []
        if self.loss_scale == "N":
            parts.append("loss summed over the batch" + (" (penalty per sample)" if "N" in str(self.l2_scale)
                                                          else " (penalty once)"))
            effects.append("your lr acts N times larger")
        if self.l2_scale in (2, "2N"):
            parts.append("L2 written lambda*||W||^2")
            effects.append("your lambda acts twice as large")
        if self.loss_scale == "N" and self.l2_scale in (1, 2):
            effects.append("and lambda N times smaller next to the data term")
        if self.biases:
            parts.append("biases regularised")
        return ", ".join(parts) + (" - " + ", ".join(effects) if effects else "")


# the lab's objective first: when several explain a step, the first one is reported
CONVENTIONS = tuple(Convention(s, l2, b) for b in (False, True)
                    for s, l2s in ((1, (1, 2)), ("N", ("N", "2N", 1, 2))) for l2 in l2s)


def _unpack(theta):
    W1, b1, W2, b2 = (np.asarray(t, dtype=np.float64) for t in theta)
    return W1, b1, W2, b2


def forward(theta, X) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z1, h, logits)`` for a batch ``X`` (N, D)."""
    W1, b1, W2, b2 = _unpack(theta)
    z1 = X @ W1.T + b1
    h = np.maximum(z1, 0.0)
    return z1, h, h @ W2.T + b2


def probabilities(theta, X) -> np.ndarray:
    """Softmax of the logits, rows summing to 1."""
    logits = forward(theta, X)[2]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def gradients(theta, X, y, eps: float = 0.0) -> list[np.ndarray]:
    """Gradient of the mean cross-entropy ``mean(-log(p_y + eps))`` w.r.t. ``[W1, b1, W2, b2]``."""
    W1, b1, W2, b2 = _unpack(theta)
    z1, h, _ = forward(theta, X)
    n = X.shape[0]
    P = probabilities(theta, X)
    py = P[np.arange(n), y]
    dz2 = P.copy()
    dz2[np.arange(n), y] -= 1.0
    dz2 *= (py / (py + eps))[:, None] / n
    dh = dz2 @ W2
    dz1 = dh * (z1 > 0)
    return [dz1.T @ X, dz1.sum(axis=0), dz2.T @ h, dz2.sum(axis=0)]


def loss_value(theta, X, y, convention: Convention = CONVENTIONS[0], lam: float = 0.0, eps: float = 0.0) -> float:
    """The objective under ``convention`` (data term, plus its L2 penalty)."""
    W1, b1, W2, b2 = _unpack(theta)
    n = X.shape[0]
    s_loss, s_l2 = convention.scales(n)
    P = probabilities(theta, X)
    ce = float(np.mean(-np.log(P[np.arange(n), y] + eps)))
    penalty = float(np.sum(W1 * W1) + np.sum(W2 * W2))
    if convention.biases:
        penalty += float(np.sum(b1 * b1) + np.sum(b2 * b2))
    return s_loss * ce + 0.5 * s_l2 * lam * penalty
