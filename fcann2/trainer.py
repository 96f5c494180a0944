"""Plain SGD for ``MLP``: ``theta -= lr * (grad + weight_decay * W)`` after each batch.

The objective is the mean data loss plus ``(weight_decay / 2) * sum ||W||^2`` over weights
(not biases); the reported loss includes that penalty. The update is one vectorised
operation over the model's flat parameter buffer (weights and biases of every layer).
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
from scipy.linalg.blas import get_blas_funcs

from data_utils.training.schedules import Schedule
from data_utils.training.loop import TrainResult, check_sgd_hyper, collect, resolve_schedule, sgd_steps

from .model import MLP

__all__ = ["train", "iter_train"]


def iter_train(model: MLP, X, y, *, lr: float, schedule: Schedule, weight_decay: float = 0.0
               ) -> Iterator[tuple[int, float, int]]:
    """Yield ``(step, loss, batch_len)`` after every SGD step on ``schedule``.

    ``X`` (n, D) and ``y`` are validated once. Stops after the first non-finite loss,
    which is yielded without an update. Two such iterators can be ``zip``-ped to run two
    trainers in lockstep.
    """
    lr, weight_decay = check_sgd_hyper(lr, weight_decay)
    X = model.check_X(X)
    y = model.check_y(y, X.shape[0])
    schedule = resolve_schedule(X.shape[0], schedule=schedule, batch_size=None, epochs=None, n_iter=None)
    return _sgd(model, X, y, lr, weight_decay, schedule)


def _sgd(model: MLP, X, y, lr: float, weight_decay: float, schedule: Schedule):
    # Rows are gathered from the sample-major X (contiguous copies), then viewed
    # feature-major (D, b); matmul reads the transposed view directly.
    t_all = model.feature_major_targets(y)     # labels (n,) or targets (k, n)
    theta, grad = model.theta, model.grad
    weights, weight_grads = theta[:model.n_weights], grad[:model.n_weights]
    # BLAS axpy (y += a x, in place): one pass over the flat buffer instead of NumPy's two
    # (multiply into a temporary, then subtract) - 3x faster for MNIST-sized nets.
    axpy = get_blas_funcs("axpy", (theta,))
    labels = t_all.ndim == 1

    def loss_fn(index):
        loss = model._loss(X[index].T, t_all[index] if labels else t_all[:, index])
        model._backward()
        if weight_decay:
            loss += 0.5 * weight_decay * float(np.dot(weights, weights))
        return loss

    def update_fn():
        if weight_decay:
            axpy(weights, weight_grads, a=weight_decay)  # grad_W += lambda * W
        axpy(grad, theta, a=-lr)                         # theta -= lr * grad

    return sgd_steps(schedule, loss_fn, update_fn)


def train(model: MLP, X, y, *, lr: float, batch_size: int | None = None, epochs: int | None = None,
          n_iter: int | None = None, weight_decay: float = 0.0, schedule: Schedule | None = None,
          sampling: str = "epoch", seed: int = 0,
          callback: Callable[[int, float, MLP], None] | None = None,
          record_steps: bool = False) -> TrainResult:
    """Train ``model`` in place with SGD.

    Parameters
    ----------
    X : ndarray of shape (n_samples, D)
    y : int labels (n_samples,) for cross-entropy, targets (n_samples, k) for MSE.
    lr : learning rate, > 0.
    batch_size : 1 (per-sample SGD), k, or None (full-batch gradient descent).
    epochs, n_iter : exactly one, unless ``schedule`` is given.
    weight_decay : L2 penalty ``lambda`` on weights, >= 0.
    schedule : an explicit ``data_utils.Schedule``; replaces batch_size/epochs/n_iter/seed.
    sampling, seed : how the trainer's own schedule is drawn ("epoch" or "replacement").
    callback : called as ``callback(step, loss, model)`` after each finite step.
    record_steps : also keep the loss of every step.

    Returns
    -------
    TrainResult : status ("ok" / "diverged"), steps, loss history, wall time.
    """
    lr, weight_decay = check_sgd_hyper(lr, weight_decay)
    X = model.check_X(X)
    y = model.check_y(y, X.shape[0])
    schedule = resolve_schedule(X.shape[0], schedule=schedule, batch_size=batch_size, epochs=epochs,
                                n_iter=n_iter, sampling=sampling, seed=seed)
    steps = _sgd(model, X, y, lr, weight_decay, schedule)
    cb = None if callback is None else (lambda step, loss: callback(step, loss, model))
    # A diverging run overflows on its way to inf/NaN; that is a recorded result, not a warning.
    with np.errstate(over="ignore", invalid="ignore"):
        return collect(steps, schedule, callback=cb, record_steps=record_steps)
