"""``CppMLP``: the C++ network behind the harness's model interface (the vocabulary of
``fcann2.MLP`` and ``pt_deep.PTDeep``: ``from_params``, ``to_params``, ``set_params``,
``output``, ``predict_proba``, ``predict``, ``check_X``, ``check_y``, ``loss_name``,
``sizes``).

Parameters and gradients live in two flat NumPy buffers in ``fcann2.MLP``'s layout (all
weights layer by layer, then all biases), which the C++ network reads and writes in place
through pointers; ``params`` are views of them. The buffers are never reallocated, and they
live as long as the C++ object (freed with the model).
"""
from __future__ import annotations

import ctypes
import weakref
from typing import Sequence

import numpy as np

from data_utils.validation import as_float_dtype, check_features, check_loss_targets

from ._lib import library

__all__ = ["CppMLP", "ACTIVATION_CODES", "LOSS_CODES", "dtype_code", "pointer", "free"]

ACTIVATION_CODES = {"relu": 0, "leaky_relu": 1, "sigmoid": 2, "tanh": 3, "identity": 4}   # src/net.hpp
LOSS_CODES = {"cross_entropy": 0, "mse": 1}


def dtype_code(dtype: np.dtype) -> int:
    """The C ABI's dtype: 0 float64, 1 float32."""
    return 0 if dtype == np.float64 else 1


def pointer(array: np.ndarray | None) -> int | None:
    """The data address of a C-contiguous array (``None`` for ``None``)."""
    return None if array is None else array.ctypes.data


def free(release, handle, *keep_alive) -> None:
    """``release(handle)``: a finalizer's call; ``keep_alive`` (the buffers the C++ object
    points into) are held until then."""
    release(handle)


class CppMLP:
    """``Linear -> act -> ... -> Linear`` in C++; arguments as ``fcann2.MLP``.

    Raises ``CppUnavailableError`` (an ``ImportError``) when the library is not built.
    """

    def __init__(self, params: Sequence[tuple[np.ndarray, np.ndarray]], activation: str = "relu",
                 loss: str = "cross_entropy", negative_slope: float = 0.01):
        lib = library()
        if loss not in LOSS_CODES:
            raise ValueError(f"unknown loss {loss!r}; known: {', '.join(LOSS_CODES)}")
        if activation not in ACTIVATION_CODES:
            raise ValueError(f"unknown activation {activation!r}; known: {', '.join(ACTIVATION_CODES)}")
        if len(params) < 1:
            raise ValueError("params must hold at least one (W, b) pair")
        dtype = as_float_dtype(np.asarray(params[0][0]).dtype)
        shapes = []
        for k, (W, b) in enumerate(params):
            W, b = np.asarray(W), np.asarray(b)
            if W.ndim != 2 or b.shape != (W.shape[0],):
                raise ValueError(f"layer {k}: need W (out, in) and b (out,), got W {W.shape}, b {b.shape}")
            if k and W.shape[1] != shapes[-1][0]:
                raise ValueError(f"layer {k} expects {W.shape[1]} inputs but layer {k - 1} gives {shapes[-1][0]}")
            shapes.append(W.shape)
        self._shapes = shapes
        self.n_weights = sum(o * i for o, i in shapes)
        size = self.n_weights + sum(o for o, _ in shapes)
        self.theta = np.empty(size, dtype=dtype)
        self.grad = np.zeros(size, dtype=dtype)
        self.activation, self.loss_name, self.negative_slope = activation, loss, float(negative_slope)
        self.set_params(params)
        sizes = np.array(self.sizes, dtype=np.int64)
        handle = lib.fc_net_new(dtype_code(dtype), len(shapes), pointer(sizes), ACTIVATION_CODES[activation],
                                self.negative_slope, LOSS_CODES[loss], pointer(self.theta), pointer(self.grad))
        if not handle:
            raise MemoryError("the C++ network could not be allocated")
        self.handle = ctypes.c_void_p(handle)
        # the buffers stay alive until the C++ object that points into them is freed
        weakref.finalize(self, free, lib.fc_net_free, self.handle, self.theta, self.grad)

    @classmethod
    def from_params(cls, params: Sequence[tuple[np.ndarray, np.ndarray]], activation: str = "relu",
                    loss: str = "cross_entropy", negative_slope: float = 0.01) -> "CppMLP":
        """A model holding copies of ``params`` ``[(W, b), ...]``; dtype follows them."""
        return cls(params, activation, loss, negative_slope)

    # -- description -------------------------------------------------------------------
    @property
    def sizes(self) -> list[int]:
        return [int(self._shapes[0][1])] + [int(o) for o, _ in self._shapes]

    @property
    def dtype(self) -> np.dtype:
        return self.theta.dtype

    def _views(self, buf: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        out, w_off, b_off = [], 0, self.n_weights
        for o, i in self._shapes:
            out.append((buf[w_off:w_off + o * i].reshape(o, i), buf[b_off:b_off + o]))
            w_off, b_off = w_off + o * i, b_off + o
        return out

    @property
    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The live parameter arrays (views of ``theta``), ``[(W, b), ...]``."""
        return self._views(self.theta)

    @property
    def grads(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Gradients of the last training step (views of ``grad``), ``[(dW, db), ...]``."""
        return self._views(self.grad)

    def to_params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of the parameters, ``[(W, b), ...]``."""
        return [(W.copy(), b.copy()) for W, b in self.params]

    def set_params(self, params) -> None:
        """Copy ``params`` into the model's buffer in place (shapes must match)."""
        if len(params) != len(self._shapes):
            raise ValueError(f"got {len(params)} layers of parameters, model has {len(self._shapes)}")
        for k, ((W, b), (W_to, b_to)) in enumerate(zip(params, self.params)):
            if np.shape(W) != W_to.shape or np.shape(b) != b_to.shape:
                raise ValueError(f"layer {k}: got W {np.shape(W)}, b {np.shape(b)}; "
                                 f"expected {W_to.shape}, {b_to.shape}")
            W_to[...], b_to[...] = W, b

    def __reduce__(self):
        """Pickle and copy by value (the C++ object is rebuilt from the parameters)."""
        return CppMLP, (self.to_params(), self.activation, self.loss_name, self.negative_slope)

    def __repr__(self) -> str:
        return (f"CppMLP(sizes={self.sizes}, activation={self.activation!r}, loss={self.loss_name!r}, "
                f"dtype={self.dtype.name})")

    # -- validation at the public boundary ------------------------------------------------
    def check_X(self, X) -> np.ndarray:
        """``X`` as a finite (n, D) array of the model's dtype."""
        return check_features(X, n_features=self.sizes[0], dtype=self.dtype)

    def check_y(self, y, n_samples: int) -> np.ndarray:
        """Labels (n,) for cross-entropy, targets (n, k) for MSE."""
        return check_loss_targets(y, self.loss_name, n_samples=n_samples, n_outputs=self.sizes[-1],
                                  dtype=self.dtype)

    def c_targets(self, y: np.ndarray) -> np.ndarray:
        """Checked targets as the C++ side reads them: int64 labels, or (n, k) of the dtype."""
        if self.loss_name == "cross_entropy":
            return np.ascontiguousarray(y, dtype=np.int64)
        return np.ascontiguousarray(y, dtype=self.dtype)

    # -- computation (C++) ------------------------------------------------------------------
    def _forward(self, X: np.ndarray, y: np.ndarray | None = None, probs: bool = False) -> tuple[float, np.ndarray]:
        """Mean data loss on checked ``(X, y)`` (nan without ``y``) and the outputs (n, C):
        logits, or softmax probabilities with ``probs``."""
        X = np.ascontiguousarray(X, dtype=self.dtype)
        out = np.empty((X.shape[0], self.sizes[-1]), dtype=self.dtype)
        targets = None if y is None else self.c_targets(y)
        loss = library().fc_forward(self.handle, pointer(X), X.shape[0], pointer(targets), pointer(out), int(probs))
        return (float("nan") if y is None else loss), out

    def output(self, X) -> np.ndarray:
        """Network output (logits for cross-entropy) of ``X`` (n, D), shape (n, C)."""
        return self._forward(self.check_X(X))[1]

    def loss(self, X, y) -> float:
        """Mean data loss on ``X`` (n, D), ``y`` (no penalty)."""
        X = self.check_X(X)
        return self._forward(X, self.check_y(y, X.shape[0]))[0]

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, C); cross-entropy models only."""
        if self.loss_name != "cross_entropy":
            raise ValueError("predict_proba needs a cross_entropy model; use predict for regression")
        return self._forward(self.check_X(X), probs=True)[1]

    def predict(self, X) -> np.ndarray:
        """Class labels (n,) for cross-entropy models, outputs (n, k) for regression."""
        out = self.output(X)
        return out.argmax(axis=1) if self.loss_name == "cross_entropy" else out
