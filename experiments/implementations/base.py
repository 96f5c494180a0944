"""The protocol every implementation answers to: one record of the functions the harness
calls. The built-in models share one vocabulary (``from_params``, ``to_params``,
``set_params``, ``output``, ``predict_proba``, ``predict``, ``loss_name``) and both trainers
take the same options, so an ``Implementation`` names functions; it adapts nothing."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["Implementation"]


@dataclass(frozen=True)
class Implementation:
    """One implementation of the shared contract.

    ``model.from_params(params, activation, loss, negative_slope)`` builds a network from
    ``[(W (out, in), b (out,)), ...]``; ``train(model, X, y, **options) -> TrainResult`` and
    ``iter_train(model, X, y, **options) -> TrainingLoop`` run the recipe on the schedule;
    ``load(path) -> model`` reads the shared model file (``None``: cannot, e.g. a plug-in),
    ``save(model, path)`` writes it (``None``: cannot save); ``train_stacked(models, X, y,
    options)`` trains many models of one shape at once (``None``: not stackable);
    ``param_views(model)`` its parameters as ``[W1, b1, W2, ...]`` arrays that share memory
    with the model, so a step updates them in place (``None``: read copies, ``to_params``).
    """

    name: str
    model: type
    train: Callable
    iter_train: Callable
    load: Callable | None = None
    save: Callable | None = None
    train_stacked: Callable | None = None
    param_views: Callable | None = None
