"""The course lab's functional API on top of the shared trainer: ``train`` with the lab's
arguments, ``eval`` and ``count_params``.

``train(model, X, Yoh_, param_niter, param_delta, param_lambda=0)`` is full-batch
gradient descent for ``param_niter`` steps at learning rate ``param_delta`` with L2 penalty
``(param_lambda / 2) * sum ||W||^2``; ``train(model, X, y, **options)`` is the keyword form
of ``pt_deep.trainer.train``. Both accept one-hot or integer labels, NumPy or tensors.
``count_params(model)`` prints and returns the parameter count.
"""
from __future__ import annotations

import numpy as np
import torch

from data_utils.datasets.course import labels_from_onehot
from data_utils.training.loop import TrainResult

from . import trainer
from .model import PTDeep

__all__ = ["train", "eval", "count_params"]

_COURSE = ("param_niter", "param_delta", "param_lambda")


def _numpy(a):
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else a


def train(model: PTDeep, X, Yoh_, param_niter=None, param_delta=None, param_lambda=None,
          **options) -> TrainResult:
    """Train ``model`` in place and return a ``TrainResult``.

    Parameters
    ----------
    model : PTDeep
    X : (n, D) array or tensor (any float dtype).
    Yoh_ : one-hot (n, C) or int labels (n,) for cross-entropy; targets for MSE.
    param_niter, param_delta, param_lambda : the lab's form, positional or by keyword:
        ``param_niter`` full-batch steps at learning rate ``param_delta``, L2 penalty
        ``(param_lambda / 2) * sum ||W||^2`` (default 0).
    **options : without the course arguments, the keyword options of
        ``pt_deep.trainer.train``; with them, only ``n_threads``, ``seed`` and the recipe's
        other keys.
    """
    course = dict(zip(_COURSE, (param_niter, param_delta, param_lambda)))
    if any(v is not None for v in course.values()):
        if param_niter is None or param_delta is None:
            raise TypeError("the course form needs param_niter and param_delta")
        clash = {"n_iter", "lr", "weight_decay", "batch_size", "epochs"} & set(options)
        if clash:
            raise TypeError(f"{', '.join(sorted(clash))} given both as course arguments and by keyword")
        options.update(n_iter=param_niter, lr=param_delta, weight_decay=param_lambda or 0.0, batch_size=None)
    X, Y = _numpy(X), _numpy(Yoh_)
    if model.loss_name == "cross_entropy":
        Y = labels_from_onehot(Y)
    return trainer.train(model, X, Y, **options)


def eval(model: PTDeep, X) -> np.ndarray:  # noqa: A001 - the lab's name
    """Class probabilities (n, C) of ``model`` on ``X`` (array or tensor) as NumPy."""
    return model.predict_proba(_numpy(X))


def count_params(model: PTDeep) -> int:
    """The lab's ``count_params``: print each parameter's name and shape, then the total;
    return the total."""
    return model.count_params()[0]
