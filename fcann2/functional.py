"""Pure math of the NumPy network: forward and backward of every layer and loss.

Shapes: ``x`` (n, in), ``W`` (out, in), ``b`` (out,), ``dout`` (n, out). Reductions match
PyTorch: cross-entropy is the mean over the batch, MSE the mean over all elements.
"""
from __future__ import annotations

import numpy as np

__all__ = ["linear_forward", "linear_backward", "ACTIVATIONS", "log_softmax", "softmax",
           "softmax_cross_entropy", "mse_loss", "LOSSES"]


def linear_forward(x, W, b):
    """``x @ W.T + b``: (n, in) -> (n, out)."""
    return x @ W.T + b


def linear_backward(dout, x, W):
    """Gradients of ``x @ W.T + b``; returns ``dx`` (n, in), ``dW`` (out, in), ``db`` (out,)."""
    return dout @ W, dout.T @ x, dout.sum(axis=0)


# Activations: forward f(x) and backward(dout, x, y) with y = f(x) (whichever is cheaper).
def relu(x):
    return np.maximum(x, 0)


def relu_backward(dout, x, y):
    """Derivative 0 at exactly 0, as PyTorch."""
    return dout * (x > 0)


def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_backward(dout, x, y, negative_slope=0.01):
    """Derivative ``negative_slope`` at exactly 0, as PyTorch."""
    return np.where(x > 0, dout, negative_slope * dout)


def sigmoid(x):
    # tanh form: stable for large |x| without branches.
    return 0.5 * (1.0 + np.tanh(0.5 * x))


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
    """Row-wise ``log softmax`` of logits (n, C), via log-sum-exp."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(z):
    """Row-wise softmax of logits (n, C)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits, y):
    """Mean softmax cross-entropy and its gradient.

    Parameters
    ----------
    logits : ndarray of shape (n, C)
    y : int ndarray of shape (n,), labels in 0..C-1

    Returns
    -------
    loss : float, ``-mean_i log softmax(logits)_i[y_i]`` (as ``F.cross_entropy``)
    dlogits : ndarray of shape (n, C), ``(softmax(logits) - onehot(y)) / n``
    """
    n = logits.shape[0]
    logp = log_softmax(logits)
    rows = np.arange(n)
    loss = -logp[rows, y].sum() / n
    dlogits = np.exp(logp)
    dlogits[rows, y] -= 1.0
    dlogits /= n
    return float(loss), dlogits


def mse_loss(out, target):
    """Mean squared error over all elements (as ``F.mse_loss``) and its gradient.

    ``out`` and ``target`` have shape (n, k); returns ``(loss, dout)`` with
    ``dout = 2 (out - target) / (n k)``.
    """
    diff = out - target
    return float((diff * diff).sum() / diff.size), (2.0 / diff.size) * diff


LOSSES = {"cross_entropy": softmax_cross_entropy, "mse": mse_loss}
