"""A training recipe as ``torch.optim`` objects: the optimizer (weight decay on a weights-only
parameter group) and the per-epoch learning-rate scheduler.

Adding an optimizer to the recipe means one entry in ``_OPTIMIZERS`` here.
"""
from __future__ import annotations

import torch

from data_utils.training.recipe import Recipe

__all__ = ["make_optimizer", "make_scheduler"]

# recipe optimizer -> (torch class, its keyword arguments from the recipe)
_OPTIMIZERS = {
    "sgd": (torch.optim.SGD, lambda r: {"momentum": r.momentum, "nesterov": r.nesterov, "dampening": 0.0}),
    "rmsprop": (torch.optim.RMSprop, lambda r: {"alpha": r.alpha, "eps": r.eps, "momentum": r.momentum}),
    "adam": (torch.optim.Adam, lambda r: {"betas": r.betas, "eps": r.eps}),
}


def make_optimizer(model, recipe: Recipe) -> torch.optim.Optimizer:
    """The recipe's optimizer over ``model.layers``; ``weight_decay`` on the weights only."""
    cls, kwargs = _OPTIMIZERS[recipe.optimizer]
    weights = [layer.weight for layer in model.layers]
    biases = [layer.bias for layer in model.layers]
    return cls([{"params": weights, "weight_decay": recipe.weight_decay},
                {"params": biases, "weight_decay": 0.0}], lr=recipe.lr, **kwargs(recipe))


def make_scheduler(optimizer: torch.optim.Optimizer, recipe: Recipe, n_epochs: int):
    """The recipe's lr schedule as a torch scheduler, to be stepped once per epoch
    (``None`` for a constant rate)."""
    sched = torch.optim.lr_scheduler
    if recipe.lr_schedule == "step":
        return sched.StepLR(optimizer, step_size=recipe.step_size, gamma=recipe.gamma)
    if recipe.lr_schedule == "exponential":
        return sched.ExponentialLR(optimizer, gamma=recipe.gamma)
    if recipe.lr_schedule == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=n_epochs)
    return None
