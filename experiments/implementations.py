"""The two implementations behind one interface, so the runner and the parity suite treat
them alike. This is the only place where fcann2 and pt_deep meet."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

import fcann2
import pt_deep

__all__ = ["Implementation", "IMPLS", "get_impl", "max_abs_diff"]


@dataclass(frozen=True)
class Implementation:
    """``build(params, activation, loss, negative_slope) -> model`` and the operations on it."""

    name: str
    build: Callable
    train: Callable             # train(model, X, y, lr=, weight_decay=, schedule=, ...) -> TrainResult
    iter_train: Callable        # iter_train(model, X, y, lr=, schedule=, weight_decay=) -> steps
    get_params: Callable        # model -> [(W, b), ...] (copies)
    output: Callable            # model, X -> probabilities (classification) or outputs (regression)
    load: Callable              # path of a shared .npz -> model


def _np_output(model: fcann2.MLP, X):
    return model.predict_proba(X) if model.loss_name == "cross_entropy" else model.forward(X)


def _pt_output(model: pt_deep.PTDeep, X):
    return model.predict_proba(X) if model.loss_name == "cross_entropy" else model.output(X)


IMPLS = {
    "numpy": Implementation("numpy", fcann2.MLP, fcann2.train, fcann2.iter_train, lambda m: m.get_params(), _np_output, fcann2.load_model),
    "torch": Implementation("torch", pt_deep.PTDeep.from_params, pt_deep.train, pt_deep.iter_train,
                            lambda m: m.to_params(), _pt_output, pt_deep.load_npz),
}


def get_impl(name: str) -> Implementation:
    if name not in IMPLS:
        raise ValueError(f"unknown implementation {name!r}; known: {', '.join(IMPLS)}")
    return IMPLS[name]


def max_abs_diff(a, b) -> float:
    """Largest absolute elementwise difference of two arrays (inf if the shapes differ)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b))) if a.size else 0.0
