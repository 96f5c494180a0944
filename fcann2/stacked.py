"""K networks of one architecture computed at once: the forward and backward passes of
``MLP`` with a leading model axis, on preallocated buffers.

Each model's parameters are one row of ``theta`` (K, P), laid out as ``MLP.theta`` (all
weights, then all biases); layer ``l`` sees them as ``W`` (K, out, in) and ``b`` (K, out)
views, and the gradients as views of ``grad`` (K, P). Activations are feature-major with
the models first: (K, features, n). Every operation is the one ``MLP`` makes - the same
``functional`` calls, batched matmuls that run one BLAS kernel per model, reductions along
the same axes - so each model's numbers are bit-identical to training it alone.
"""
from __future__ import annotations

import functools

import numpy as np

from . import functional as F

__all__ = ["StackedMLP", "layer_shapes"]


def layer_shapes(sizes) -> list[tuple[int, int]]:
    """``(out, in)`` of every layer of ``sizes`` ``[D, H1, ..., C]``."""
    return list(zip(sizes[1:], sizes[:-1]))


class StackedMLP:
    """Forward/backward of K same-sized MLPs whose parameters are rows of ``theta``.

    Parameters
    ----------
    theta, grad : arrays (K, P) (views are fine: nothing is copied).
    sizes : layer sizes ``[D, H1, ..., C]``.
    activation, loss, negative_slope : as ``MLP``.
    """

    def __init__(self, theta: np.ndarray, grad: np.ndarray, sizes, activation: str, loss: str,
                 negative_slope: float = 0.01):
        self.theta, self.grad, self.sizes = theta, grad, list(sizes)
        self.K = theta.shape[0]
        shapes = layer_shapes(sizes)
        self.n_weights = sum(o * i for o, i in shapes)
        self.W, self.b, self.dW, self.db = [], [], [], []
        w_off, b_off = 0, self.n_weights
        for o, i in shapes:
            for buf, Ws, bs in ((theta, self.W, self.b), (grad, self.dW, self.db)):
                Ws.append(buf[:, w_off:w_off + o * i].reshape(self.K, o, i))
                bs.append(buf[:, b_off:b_off + o])
            w_off, b_off = w_off + o * i, b_off + o
        fwd, bwd = F.ACTIVATIONS[activation]
        if activation == "leaky_relu":
            fwd = functools.partial(fwd, negative_slope=negative_slope)
            bwd = functools.partial(bwd, negative_slope=negative_slope)
        self._act, self._act_backward, self._loss_fn = fwd, bwd, F.LOSSES[loss]
        self._buffers: dict[int, tuple] = {}

    def _buffers_for(self, n: int) -> tuple:
        """Per-layer outputs ``z``, activations ``h`` and input gradients for n columns."""
        bufs = self._buffers.get(n)
        if bufs is None:
            dtype, K = self.theta.dtype, self.K
            z = [np.empty((K, o, n), dtype) for o in self.sizes[1:]]
            h = [np.empty((K, o, n), dtype) for o in self.sizes[1:-1]]
            dx = [np.empty((K, i, n), dtype) for i in self.sizes[1:-1]]
            bufs = self._buffers[n] = (z, h, dx, np.empty((K, self.sizes[-1], n), dtype))
        return bufs

    def forward(self, x: np.ndarray, keep: bool = False) -> np.ndarray:
        """Outputs (K, C, n) of inputs ``x``: (K, D, n), or (D, n) shared by all models.

        ``keep=True`` writes into the training buffers (for ``loss_and_grad``); otherwise
        the outputs are fresh arrays.
        """
        z_buf, h_buf = self._buffers_for(x.shape[-1])[:2] if keep else (None, None)
        last = len(self.W) - 1
        a = x
        for k, (W, b) in enumerate(zip(self.W, self.b)):
            z = F.linear_forward(a, W, b, out=z_buf and z_buf[k])
            a = z if k == last else self._act(z, out=h_buf and h_buf[k])
        return a

    def loss(self, outputs: np.ndarray, targets: np.ndarray, grad: np.ndarray | None = None):
        """Mean data loss per model (K,) and its gradient w.r.t. ``outputs``.

        ``targets``: labels (K, n) or (n,), or regression targets (K, k, n) or (k, n).
        """
        return self._loss_fn(outputs, targets, grad)

    def loss_and_grad(self, x: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Data loss per model (K,) of a batch; fills ``grad``. ``x`` (K, D, n) or (D, n)."""
        z_buf, h_buf, dx_buf, dout_buf = self._buffers_for(x.shape[-1])
        out = self.forward(x, keep=True)
        loss, d = self._loss_fn(out, targets, dout_buf)
        for k in range(len(self.W) - 1, -1, -1):
            a = h_buf[k - 1] if k else x
            F.linear_backward(d, a, self.W[k], self.dW[k], self.db[k], need_dx=k > 0,
                              dx=dx_buf[k - 1] if k else None)
            if k:
                d = self._act_backward(dx_buf[k - 1], z_buf[k - 1], h_buf[k - 1], out=dx_buf[k - 1])
        return loss
