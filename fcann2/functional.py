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
           "softmax_cross_entropy", "two_class_cross_entropy", "mse_loss", "LOSSES"]


def linear_forward(x, W, b, out=None):
    """``W @ x + b[..., None]``: (..., in, n) -> (..., out, n); leading axes stack models."""
    z = np.matmul(W, x, out=out)
    z += b[..., None]
    return z


def linear_backward(dout, x, W, dW=None, db=None, need_dx: bool = True, dx=None):
    """Gradients of ``W @ x + b[..., None]`` given ``dout`` (..., out, n).

    Returns ``dx`` (..., in, n) (``None`` unless ``need_dx``), ``dW`` (..., out, in),
    ``db`` (..., out); ``dW``/``db``/``dx`` are written into the given arrays when passed.
    """
    dW = np.matmul(dout, x.swapaxes(-1, -2), out=dW)
    db = np.add.reduce(dout, axis=-1, out=db)  # np.sum's Python wrapper costs ~1 us per call
    return (np.matmul(W.swapaxes(-1, -2), dout, out=dx) if need_dx else None), dW, db


# Activations: forward f(x, out=None) and backward(dout, x, y, out=None) with y = f(x)
# (whichever is cheaper); ``out`` receives the result (the per-sample and stacked paths
# write into preallocated buffers, the general path allocates - the same arithmetic).
def relu(x, out=None):
    return np.maximum(x, 0.0, out=out)  # a float 0 (same value) skips int promotion: ~0.1 us a call


def relu_backward(dout, x, y, out=None):
    """Derivative 0 at exactly 0, as PyTorch (``y > 0`` exactly where ``x > 0``)."""
    return np.multiply(dout, y > 0.0, out=out)


def leaky_relu(x, negative_slope=0.01, out=None):
    return _into(out, np.where(x > 0, x, negative_slope * x))


def leaky_relu_backward(dout, x, y, negative_slope=0.01, out=None):
    """Derivative ``negative_slope`` at exactly 0, as PyTorch."""
    return _into(out, np.where(x > 0, dout, negative_slope * dout))


def _into(out, value):
    """``value``, copied into ``out`` when given (``out`` must not alias the inputs)."""
    if out is None:
        return value
    out[...] = value
    return out


def sigmoid(x, out=None):
    # tanh form: stable for large |x| without branches.
    y = np.multiply(x, 0.5, out=out)
    np.tanh(y, out=y)
    y += 1.0
    y *= 0.5
    return y


def sigmoid_backward(dout, x, y, out=None):
    r = np.multiply(dout, y, out=out)
    r *= 1.0 - y
    return r


def tanh(x, out=None):
    return np.tanh(x, out=out)


def tanh_backward(dout, x, y, out=None):
    return np.multiply(dout, 1.0 - y * y, out=out)


def identity(x, out=None):
    return x if out is None else _into(out, x)


def identity_backward(dout, x, y, out=None):
    return dout if out is None else _into(out, dout)


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


def softmax_cross_entropy(logits, y, out=None):
    """Mean softmax cross-entropy and its gradient, stable via log-sum-exp.

    Parameters
    ----------
    logits : ndarray of shape (C, n), or (K, C, n) for K stacked models
    y : int ndarray of shape (n,) (or (K, n)), labels in 0..C-1
    out : optional array like ``logits`` to receive the gradient

    Returns
    -------
    loss : float (an array (K,) when stacked), ``mean_i [log sum_c exp(z_ci - m_i) -
        (z_{y_i, i} - m_i)]`` with ``m_i = max_c z_ci`` (as ``F.cross_entropy``)
    dlogits : ndarray like ``logits``, ``(softmax(logits) - onehot(y)) / n``
    """
    n = logits.shape[-1]
    cols = _columns(n)
    at_label = (y, cols) if logits.ndim == 2 else (_columns(logits.shape[0])[:, None], y, cols)
    e = np.subtract(logits, np.maximum.reduce(logits, axis=-2, keepdims=True), out=out)
    label_logit = e[at_label]
    np.exp(e, out=e)
    s = np.add.reduce(e, axis=-2)
    loss = np.add.reduce(np.log(s) - label_logit, axis=-1) / n
    s *= n
    e /= s[..., None, :]
    e[at_label] -= 1.0 / n
    return (float(loss) if logits.ndim == 2 else loss), e


def two_class_cross_entropy(z0: float, z1: float, label: int) -> tuple[float, float, float]:
    """``softmax_cross_entropy`` of one sample with two classes, in Python floats.

    The same operations in the same order as the array version with C = 2, n = 1 (each
    IEEE operation rounds alike on floats and float64 arrays); ``exp`` and ``log`` are
    NumPy's own ufuncs on scalars, since ``math.exp``/``math.log`` differ from NumPy's
    SIMD kernels in the last bit for some inputs. A NaN logit gives a NaN loss, as there.

    Returns
    -------
    loss, dz0, dz1 : the loss and its gradient w.r.t. the logits ``(z0, z1)``
    """
    m = z0 if z0 >= z1 else z1
    e0, e1 = z0 - m, z1 - m
    # exp(0) is 1 exactly (the larger logit's term, unless a logit is not finite)
    x0 = 1.0 if e0 == 0.0 else float(np.exp(e0))
    x1 = 1.0 if e1 == 0.0 else float(np.exp(e1))
    s = x0 + x1
    loss = float(np.log(s)) - (e1 if label else e0)
    p0, p1 = x0 / s, x1 / s
    if label:
        return loss, p0, p1 - 1.0
    return loss, p0 - 1.0, p1


_COLUMNS: dict[int, np.ndarray] = {}


def _columns(n: int) -> np.ndarray:
    """``arange(n)``, cached: batch sizes repeat every step."""
    cols = _COLUMNS.get(n)
    if cols is None:
        if len(_COLUMNS) > 64:
            _COLUMNS.clear()
        cols = _COLUMNS[n] = np.arange(n)
    return cols


def mse_loss(out, target, grad=None):
    """Mean squared error over all elements (as ``F.mse_loss``) and its gradient.

    ``out`` (k, n) - or (K, k, n) for K stacked models - and ``target`` broadcast together;
    returns ``(loss, dout)`` with ``dout = 2 (out - target) / size`` (written into ``grad``
    when given) and ``loss`` a float (an array (K,) when stacked).
    """
    diff = np.subtract(out, target, out=grad)
    size = diff.shape[-2] * diff.shape[-1]
    if diff.ndim == 2:
        loss = float(np.vdot(diff, diff)) / size
    else:  # one BLAS dot per model, the kernel vdot uses
        flat = diff.reshape(diff.shape[0], 1, size)
        loss = np.matmul(flat, flat.swapaxes(-1, -2))[:, 0, 0] / size
    diff *= 2.0 / size
    return loss, diff


LOSSES = {"cross_entropy": softmax_cross_entropy, "mse": mse_loss}
