"""A multilayer perceptron of any depth with explicit forward and backward passes."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from data_utils.training.initializers import check_sizes, init_params
from data_utils.validation import as_float_dtype, check_features, check_loss_targets

from . import functional as F
from .layers import FeatureMajorLinear, make_activation

__all__ = ["MLP", "LOSS_NAMES"]

LOSS_NAMES = tuple(F.LOSSES)


class MLP:
    """``Linear -> act -> ... -> Linear`` with a loss on the last layer's output.

    Parameters
    ----------
    params : list of ``(W, b)``, ``W`` (out, in), ``b`` (out,) - the shared layout. They
        are copied once into one flat buffer ``theta`` (all weights first, then all
        biases); each layer's ``W``/``b`` is a view of it, and the gradients are views of a
        flat ``grad``. The optimiser updates ``theta`` in place, so one vectorised update
        serves every layer.
    activation : hidden activation, a key of ``functional.ACTIVATIONS``.
    loss : ``"cross_entropy"`` (outputs are logits, targets int labels) or ``"mse"``
        (outputs are predictions, targets floats of shape (n, k) or (n,)).
    negative_slope : slope of leaky_relu for x < 0.

    The public methods take and return sample-major arrays (n, features); inside, the
    layers work feature-major (see ``functional``).
    """

    def __init__(self, params: Sequence[tuple[np.ndarray, np.ndarray]], activation: str = "relu",
                 loss: str = "cross_entropy", negative_slope: float = 0.01):
        if loss not in F.LOSSES:
            raise ValueError(f"unknown loss {loss!r}; known: {', '.join(F.LOSSES)}")
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
        self.n_weights = sum(o * i for o, i in shapes)
        size = self.n_weights + sum(o for o, _ in shapes)
        self.theta = np.empty(size, dtype=dtype)
        self.grad = np.zeros(size, dtype=dtype)
        self.linears = []
        w_off, b_off = 0, self.n_weights
        for k, ((o, i), (W, b)) in enumerate(zip(shapes, params)):
            views = []
            for buf in (self.theta, self.grad):
                views += [buf[w_off:w_off + o * i].reshape(o, i), buf[b_off:b_off + o]]
            views[0][...], views[1][...] = W, b
            self.linears.append(FeatureMajorLinear(views[0], views[1], views[2], views[3], need_dx=k > 0))
            w_off, b_off = w_off + o * i, b_off + o
        self.activation, self.loss_name, self.negative_slope = activation, loss, float(negative_slope)
        self.activations = [make_activation(activation, negative_slope) for _ in self.linears[:-1]]
        self.layers = [layer for pair in zip(self.linears, self.activations) for layer in pair]
        self.layers.append(self.linears[-1])
        self._reversed = self.layers[::-1]
        self._loss_fn = F.LOSSES[loss]
        self._dout = None

    @classmethod
    def from_params(cls, params: Sequence[tuple[np.ndarray, np.ndarray]], activation: str = "relu",
                    loss: str = "cross_entropy", negative_slope: float = 0.01) -> "MLP":
        """A model holding copies of ``params`` ``[(W, b), ...]``; dtype follows them
        (the same constructor as ``PTDeep.from_params``)."""
        return cls(params, activation, loss, negative_slope)

    @classmethod
    def from_sizes(cls, sizes: Sequence[int], activation: str = "relu", loss: str = "cross_entropy",
                   init: str = "lecun_normal", rng=None, dtype=np.float64,
                   negative_slope: float = 0.01) -> "MLP":
        """A fresh network ``[D, H1, ..., C]`` initialised by ``init`` from ``rng``."""
        params = init_params(check_sizes(sizes), init, rng, dtype=as_float_dtype(dtype))
        return cls(params, activation, loss, negative_slope)

    # -- description -------------------------------------------------------------------
    @property
    def sizes(self) -> list[int]:
        return [self.linears[0].W.shape[1]] + [lin.W.shape[0] for lin in self.linears]

    @property
    def dtype(self) -> np.dtype:
        return self.theta.dtype

    @property
    def params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The live parameter arrays (views of ``theta``, not copies), ``[(W, b), ...]``."""
        return [(lin.W, lin.b) for lin in self.linears]

    @property
    def grads(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Gradients from the last ``backward`` (views of ``grad``), ``[(dW, db), ...]``."""
        return [(lin.dW, lin.db) for lin in self.linears]

    def to_params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of the parameters, ``[(W, b), ...]``."""
        return [(W.copy(), b.copy()) for W, b in self.params]

    def set_params(self, params) -> None:
        """Copy ``params`` into the model's arrays in place (shapes must match)."""
        if len(params) != len(self.linears):
            raise ValueError(f"got {len(params)} layers of parameters, model has {len(self.linears)}")
        for k, (lin, (W, b)) in enumerate(zip(self.linears, params)):
            if np.shape(W) != lin.W.shape or np.shape(b) != lin.b.shape:
                raise ValueError(f"layer {k}: got W {np.shape(W)}, b {np.shape(b)}; "
                                 f"expected {lin.W.shape}, {lin.b.shape}")
            lin.W[...], lin.b[...] = W, b

    def __repr__(self) -> str:
        return (f"MLP(sizes={self.sizes}, activation={self.activation!r}, loss={self.loss_name!r}, "
                f"dtype={self.dtype.name})")

    # -- validation at the public boundary ------------------------------------------------
    def check_X(self, X) -> np.ndarray:
        """``X`` as a finite (n, D) array of the model's dtype."""
        return check_features(X, n_features=self.sizes[0], dtype=self.dtype)

    def check_y(self, y, n_samples: int) -> np.ndarray:
        """Labels (n,) for cross-entropy, targets (n, k) for MSE."""
        return check_loss_targets(y, self.loss_name, n_samples=n_samples, n_outputs=self.sizes[-1],
                                  dtype=self.dtype)

    def feature_major_targets(self, y: np.ndarray) -> np.ndarray:
        """Checked targets in the layout of the loss: labels (n,) or targets (k, n)."""
        return y if self.loss_name == "cross_entropy" else np.ascontiguousarray(y.T)

    # -- computation -----------------------------------------------------------------
    def output(self, X) -> np.ndarray:
        """Network output (logits for cross-entropy) of ``X`` (n, D), shape (n, C)."""
        return self._forward(self.check_X(X).T).T

    def _forward(self, x):
        """Feature-major forward: (D, n) -> (C, n); caches for backward."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, X, y) -> float:
        """Mean loss on ``X`` (n, D), ``y`` (no penalty); prepares ``backward``."""
        X = self.check_X(X)
        return self._loss(X.T, self.feature_major_targets(self.check_y(y, X.shape[0])))

    def _loss(self, x, t) -> float:
        """Feature-major loss: ``x`` (D, n), ``t`` labels (n,) or targets (k, n)."""
        value, self._dout = self._loss_fn(self._forward(x), t)
        return value

    def backward(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Gradients of the last ``loss`` w.r.t. every parameter (overwritten, not accumulated)."""
        if self._dout is None:
            raise RuntimeError("MLP.backward called before loss")
        self._backward()
        return self.grads

    def _backward(self) -> None:
        d = self._dout
        for layer in self._reversed:
            d = layer.backward(d)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, C); cross-entropy models only."""
        if self.loss_name != "cross_entropy":
            raise ValueError("predict_proba needs a cross_entropy model; use predict for regression")
        return F.softmax(self._forward(self.check_X(X).T)).T

    def predict(self, X) -> np.ndarray:
        """Class labels (n,) for cross-entropy models, outputs (n, k) for regression."""
        out = self.output(X)
        return out.argmax(axis=1) if self.loss_name == "cross_entropy" else out
