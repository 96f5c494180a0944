"""The course lab's functional API on top of the shared trainer: ``train`` with the lab's
positional arguments and ``eval``.

``train(model, X, Yoh_, param_niter, param_delta, param_lambda=0)`` is full-batch
gradient descent for ``param_niter`` steps at learning rate ``param_delta`` with L2 penalty
``(param_lambda / 2) * sum ||W||^2``; ``train(model, X, y, **options)`` is the keyword form
of ``pt_deep.trainer.train``. Both accept one-hot or integer labels, NumPy or tensors.
"""
from __future__ import annotations

import numpy as np
import torch

from data_utils.datasets.course import labels_from_onehot
from data_utils.training.loop import TrainResult

from . import trainer
from .model import PTDeep

__all__ = ["train", "eval"]


def _numpy(a):
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else a


def train(model: PTDeep, X, Y, *course_args, **options) -> TrainResult:
    """Train ``model`` in place and return a ``TrainResult``.

    Parameters
    ----------
    model : PTDeep
    X : (n, D) array or tensor.
    Y : int labels (n,) or one-hot (n, C) for cross-entropy; targets for MSE.
    *course_args : ``param_niter, param_delta[, param_lambda]`` as the lab passes them.
    **options : the keyword options of ``pt_deep.trainer.train`` (with course arguments,
        only ``n_threads``, ``seed`` and the recipe's other keys).
    """
    if len(course_args) > 3:
        raise TypeError(f"train takes at most 3 positional arguments after Y (param_niter, param_delta, "
                        f"param_lambda), got {len(course_args)}")
    if course_args:
        if len(course_args) < 2:
            raise TypeError("the course form needs param_niter and param_delta")
        clash = {"n_iter", "lr", "weight_decay", "batch_size", "epochs"} & set(options)
        if clash:
            raise TypeError(f"{', '.join(sorted(clash))} given both positionally and by keyword")
        niter, delta, *rest = course_args
        options.update(n_iter=niter, lr=delta, weight_decay=rest[0] if rest else 0.0, batch_size=None)
    X, Y = _numpy(X), _numpy(Y)
    if model.loss_name == "cross_entropy":
        Y = labels_from_onehot(Y)
    return trainer.train(model, X, Y, **options)


def eval(model: PTDeep, X) -> np.ndarray:  # noqa: A001 - the lab's name
    """Class probabilities (n, C) of ``model`` on ``X`` (array or tensor) as NumPy."""
    return model.predict_proba(_numpy(X))
