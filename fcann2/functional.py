"""Pure math of the NumPy network: forward and backward of every layer and loss.

Layout: activations are *feature-major* - ``x`` has shape (features, n), one column per
sample - so a layer computes ``z = W @ x + b[:, None]``, the transpose of
``x @ W.T + b``. Parameters keep the shared layout ``W`` (out, in), ``b`` (out,). Why:
reductions over classes and sums over the batch then run along the long, contiguous
sample axis, and bias adds broadcast one scalar per row; on the full-batch course
problem (N=1000, [2, 50, 3]) that makes the softmax reductions 10-20x and the bias
gradient 3x faster than in (n, features) layout (see bench/README).

Reductions match PyTorch: cross-entropy is the mean over the batch, MSE the mean over all
elements. Functions that take ``out=`` write their result there (no allocation).
"""
from __future__ import annotations

import numpy as np

__all__ = ["linear_forward", "linear_backward", "ACTIVATIONS", "log_softmax", "softmax",
           "softmax_cross_entropy", "mse_loss", "LOSSES"]


def linear_forward(x, W, b):
    """``W @ x + b[:, None]``: (in, n) -> (out, n)."""
    z = W @ x
    z += b[:, None]
    return z


def linear_backward(dout, x, W, dW=None, db=None, need_dx: bool = True):
    """Gradients of ``W @ x + b[:, None]`` given ``dout`` (out, n).

    Returns ``dx`` (in, n) (``None`` unless ``need_dx``), ``dW`` (out, in), ``db`` (out,);
    ``dW``/``db`` are written into the given arrays when passed.
    """
    dW = np.matmul(dout, x.T, out=dW)
    db = np.add.reduce(dout, axis=1, out=db)  # np.sum's Python wrapper costs ~1 us per call
    return (W.T @ dout if need_dx else None), dW, db


# Activations: forward f(x) and backward(dout, x, y) with y = f(x) (whichever is cheaper).
def relu(x):
    return np.maximum(x, 0)


def relu_backward(dout, x, y):
    """Derivative 0 at exactly 0, as PyTorch (``y > 0`` exactly where ``x > 0``)."""
    return dout * (y > 0)


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_backward(dout, x, y, negative_slope=0.01):
    """Derivative ``negative_slope`` at exactly 0, as PyTorch."""
    return np.where(x > 0, dout, negative_slope * dout)


def sigmoid(x):
    # tanh form: stable for large |x| without branches.
    y = np.tanh(0.5 * x)
    y += 1.0
    y *= 0.5
    return y


def sigmoid_backward(dout, x, y):
    return dout * y * (1.0 - y)


def tanh(x):
    return np.tanh(x)


def tanh_backward(dout, x, y):
    return dout * (1.0 - y * y)


def identity(x):
    return x


def identity_backward(dout, x, y):
    return dout


ACTIVATIONS = {
    "relu": (relu, relu_backward),
    "leaky_relu": (leaky_relu, leaky_relu_backward),
    "sigmoid": (sigmoid, sigmoid_backward),
    "tanh": (tanh, tanh_backward),
    "identity": (identity, identity_backward),
}


def log_softmax(z):
    """Log-softmax over classes of logits ``z`` (C, n), via log-sum-exp."""
    shifted = z - z.max(axis=0)
    return shifted - np.log(np.exp(shifted).sum(axis=0))


def softmax(z):
    """Softmax over classes of logits ``z`` (C, n)."""
    e = np.exp(z - z.max(axis=0))
    e /= e.sum(axis=0)
    return e


def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy and its gradient, stable via log-sum-exp.

    Parameters
    ----------
    logits : ndarray of shape (C, n)
    y : int ndarray of shape (n,), labels in 0..C-1

    Returns
    -------
    loss : float, ``mean_i [log sum_c exp(z_ci - m_i) - (z_{y_i, i} - m_i)]`` with
        ``m_i = max_c z_ci`` (as ``F.cross_entropy``)
    dlogits : ndarray of shape (C, n), ``(softmax(logits) - onehot(y)) / n``
    """
    n = logits.shape[1]
    cols = _columns(n)
    e = logits - np.maximum.reduce(logits, axis=0)
    label_logit = e[y, cols]
    np.exp(e, out=e)
    s = np.add.reduce(e, axis=0)
    loss = float((np.log(s) - label_logit).sum()) / n
    e /= s * n
    e[y, cols] -= 1.0 / n
    return loss, e


_COLUMNS: dict[int, np.ndarray] = {}


def _columns(n: int) -> np.ndarray:
    """``arange(n)``, cached: batch sizes repeat every step."""
    cols = _COLUMNS.get(n)
    if cols is None:
        if len(_COLUMNS) > 64:
            _COLUMNS.clear()
        cols = _COLUMNS[n] = np.arange(n)
    return cols


def mse_loss(out, target):
    """Mean squared error over all elements (as ``F.mse_loss``) and its gradient.

    ``out`` and ``target`` have the same shape; returns ``(loss, dout)`` with
    ``dout = 2 (out - target) / size``.
    """
    diff = out - target
    loss = float(np.vdot(diff, diff)) / diff.size
    diff *= 2.0 / diff.size
    return loss, diff


LOSSES = {"cross_entropy": softmax_cross_entropy, "mse": mse_loss}
