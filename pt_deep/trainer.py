"""Training ``PTDeep`` with PyTorch's own machinery: autograd and ``torch.optim.SGD``.

Same knobs and meaning as ``fcann2.train``: weight decay through a weights-only parameter
group (biases get 0), the reported loss includes ``(weight_decay / 2) * sum ||W||^2``, and
the first non-finite loss stops training before its update.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import numpy as np
import torch

from data_utils.training.schedules import Schedule
from data_utils.training.loop import TrainResult, check_sgd_hyper, collect, resolve_schedule, sgd_steps

from .model import PTDeep, to_tensor

__all__ = ["train", "iter_train", "num_threads"]


@contextlib.contextmanager
def num_threads(n: int | None):
    """Run the block with ``n`` intra-op torch threads (``None``: leave as is)."""
    if n is None:
        yield
        return
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n_threads must be a positive integer or None, got {n!r}")
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def make_optimizer(model: PTDeep, lr: float, weight_decay: float) -> torch.optim.SGD:
    """Plain SGD; ``weight_decay`` on the weights only."""
    weights = [layer.weight for layer in model.layers]
    biases = [layer.bias for layer in model.layers]
    return torch.optim.SGD([{"params": weights, "weight_decay": weight_decay},
                            {"params": biases, "weight_decay": 0.0}], lr=lr, momentum=0.0)


def _sgd(model: PTDeep, X: np.ndarray, y: np.ndarray, lr: float, weight_decay: float,
         schedule: Schedule):
    device = model._device()
    x_all, y_all = to_tensor(X, device), to_tensor(y, device)
    optimizer = make_optimizer(model, lr, weight_decay)
    weights = [layer.weight for layer in model.layers]

    def loss_fn(index):
        if not isinstance(index, slice):
            index = torch.from_numpy(index)
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(x_all[index], y_all[index])
        loss.backward()
        value = loss.item()
        if weight_decay:
            with torch.no_grad():
                value += 0.5 * weight_decay * sum(float(W.pow(2).sum()) for W in weights)
        return value

    return sgd_steps(schedule, loss_fn, optimizer.step)


def iter_train(model: PTDeep, X, y, *, lr: float, schedule: Schedule, weight_decay: float = 0.0
               ) -> Iterator[tuple[int, float, int]]:
    """Yield ``(step, loss, batch_len)`` after every SGD step on ``schedule`` (see fcann2's)."""
    lr, weight_decay = check_sgd_hyper(lr, weight_decay)
    X = model.check_X(X)
    y = model.check_y(y, X.shape[0])
    schedule = resolve_schedule(X.shape[0], schedule=schedule, batch_size=None, epochs=None, n_iter=None)
    return _sgd(model, X, y, lr, weight_decay, schedule)


def train(model: PTDeep, X, y, *, lr: float, batch_size: int | None = None, epochs: int | None = None,
          n_iter: int | None = None, weight_decay: float = 0.0, schedule: Schedule | None = None,
          sampling: str = "epoch", seed: int = 0,
          callback: Callable[[int, float, PTDeep], None] | None = None,
          record_steps: bool = False, n_threads: int | None = None) -> TrainResult:
    """Train ``model`` in place; arguments as ``fcann2.train``, plus ``n_threads`` (torch
    intra-op threads for this call). Returns a ``TrainResult``."""
    lr, weight_decay = check_sgd_hyper(lr, weight_decay)
    X = model.check_X(X)
    y = model.check_y(y, X.shape[0])
    schedule = resolve_schedule(X.shape[0], schedule=schedule, batch_size=batch_size, epochs=epochs,
                                n_iter=n_iter, sampling=sampling, seed=seed)
    cb = None if callback is None else (lambda step, loss: callback(step, loss, model))
    with num_threads(n_threads):
        model.train()
        return collect(_sgd(model, X, y, lr, weight_decay, schedule), schedule, callback=cb,
                       record_steps=record_steps)
