"""Stateful layer wrappers around ``functional``: parameters, gradients, one cache slot.

The public ``Linear`` takes sample-major arrays (n, features) like every other public
method; ``FeatureMajorLinear`` is the (features, n) form ``MLP`` runs on inside (the layout
of ``functional``). Activations are element-wise and take either layout. ``forward`` overwrites the
cache; ``backward`` uses it and raises if no forward came first. Gradients are
*overwritten* by each ``backward`` (never accumulated).
"""
from __future__ import annotations

import functools

import numpy as np

from . import functional as F

__all__ = ["Linear", "FeatureMajorLinear", "Activation", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Identity",
           "make_activation"]


class FeatureMajorLinear:
    """``z = W @ x + b[:, None]`` on feature-major ``x`` (in, n), with ``W`` (out_features, in_features) and ``b``
    (out_features,), the layout of ``torch.nn.Linear``.

    ``W``, ``b``, ``dW``, ``db`` are used as given (not copied), so a model can make them
    views of one flat buffer. ``need_dx=False`` skips the input gradient (first layer).
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, dW: np.ndarray | None = None,
                 db: np.ndarray | None = None, need_dx: bool = True):
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise ValueError(f"{type(self).__name__} needs W (out, in) and b (out,), got W {W.shape}, b {b.shape}")
        self.W, self.b = W, b
        self.dW = np.zeros_like(W) if dW is None else dW
        self.db = np.zeros_like(b) if db is None else db
        self.need_dx = need_dx
        self._x = None

    def forward(self, x):
        """(in, n) -> (out, n)."""
        self._x = x
        return F.linear_forward(x, self.W, self.b)

    def backward(self, dout):
        """(out, n) -> (in, n) (or ``None`` without ``need_dx``); writes ``dW``, ``db``."""
        if self._x is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        dx, _, _ = F.linear_backward(dout, self._x, self.W, self.dW, self.db, self.need_dx)
        return dx

    def extra_repr(self) -> str:
        return f"in_features={self.W.shape[1]}, out_features={self.W.shape[0]}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class Linear(FeatureMajorLinear):
    """``z = x @ W.T + b`` on sample-major ``x`` (n, in) -> (n, out); ``W`` (out, in), ``b``
    (out,) as ``torch.nn.Linear``. Gradients as ``FeatureMajorLinear``."""

    def forward(self, x):
        """(n, in) -> (n, out)."""
        return super().forward(np.asarray(x).T).T

    def backward(self, dout):
        """(n, out) -> (n, in) (or ``None`` without ``need_dx``); writes ``dW``, ``db``."""
        dx = super().backward(np.asarray(dout).T)
        return None if dx is None else dx.T


class Activation:
    """An element-wise activation named in ``functional.ACTIVATIONS`` (any layout)."""

    name = ""

    def __init__(self, **kwargs):
        fwd, bwd = F.ACTIVATIONS[self.name]
        self.kwargs = kwargs
        # bind keyword arguments once: this runs every step of per-sample SGD
        self._fwd = functools.partial(fwd, **kwargs) if kwargs else fwd
        self._bwd = functools.partial(bwd, **kwargs) if kwargs else bwd
        self._x = self._y = None

    def forward(self, x):
        self._x = x
        self._y = self._fwd(x)
        return self._y

    def backward(self, dout):
        if self._x is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._bwd(dout, self._x, self._y)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.kwargs.items())
        return f"{type(self).__name__}({args})"


class ReLU(Activation):
    name = "relu"


class LeakyReLU(Activation):
    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01):
        super().__init__(negative_slope=float(negative_slope))


class Sigmoid(Activation):
    name = "sigmoid"


class Tanh(Activation):
    name = "tanh"


class Identity(Activation):
    name = "identity"


_BY_NAME = {cls.name: cls for cls in (ReLU, LeakyReLU, Sigmoid, Tanh, Identity)}


def make_activation(name: str, negative_slope: float = 0.01) -> Activation:
    """An activation layer by name (``negative_slope`` only for leaky_relu)."""
    if name not in _BY_NAME:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(_BY_NAME)}")
    return LeakyReLU(negative_slope) if name == "leaky_relu" else _BY_NAME[name]()
