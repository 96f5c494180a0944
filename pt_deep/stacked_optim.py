"""The recipe's update rules for K stacked models, written in torch ops with a value per model.

``torch.optim`` takes one learning rate (and one momentum, betas, eps, weight decay) per
parameter group, as a Python number, and a group holds whole tensors, not rows of one: a
rate per model would mean a tensor per model - K optimizer loops per step, and the
parameters copied into the (K, out, in) operands of ``bmm`` at every step - the per-cell
cost again. So the stack applies the same formulas itself, on the flat (K, P)
parameter buffer (one row per model), with every hyperparameter a (K, 1) tensor. The order
of operations is that of ``torch.optim``'s single-tensor CPU path (``_single_tensor_sgd``,
``_single_tensor_rmsprop``, ``_single_tensor_adam`` of torch 2.13), with ``x.add_(y,
alpha=a)`` written ``x.addcmul_(y, a)`` and ``x.addcdiv_(y, z, value=a)`` written
``x.addcmul_(y / z, a)`` (torch fuses the first into one FMA: the results differ in the last
bit, not in their formula). Learning rates are each recipe's closed form (``Recipe.lr_at``,
as fcann2's): torch's schedulers reach the same rates recursively (equal to an ulp or so),
and a scheduler needs a ``torch.optim`` optimizer, the first of which in a process imports
``torch._dynamo`` (~2 s - longer than a whole stack of the default sweep trains).

Each rule's ``update(theta, grad, rates)`` changes ``theta`` (K, P) in place from ``grad``
(K, P) - weight decay already added (``add_weight_decay``) - with the learning rates of
``rates`` (an ``EpochRates``).
"""
from __future__ import annotations

import numpy as np
import torch

from data_utils.training.recipe import Recipe
from data_utils.training.stacked_loop import per_model, rates_at

__all__ = ["SGD", "RMSprop", "Adam", "STACKED_RULES", "EpochRates", "add_weight_decay", "hyper"]


def hyper(recipes: list[Recipe], key: str, like: torch.Tensor) -> torch.Tensor:
    """Recipe ``key`` of every model as a (K, 1) tensor of ``like``'s dtype."""
    return torch.from_numpy(per_model(recipes, key)).to(like.dtype)


def add_weight_decay(grad_w: torch.Tensor, weights: torch.Tensor, weight_decay: torch.Tensor) -> None:
    """``grad_w += weight_decay * weights`` ((K, n_weights), decay (K, 1)): torch's coupled
    decay ``grad.add(param, alpha=weight_decay)``, weights only."""
    grad_w.addcmul_(weights, weight_decay)


class EpochRates:
    """Every model's learning rate of the current epoch from its recipe's schedule
    (``Recipe.lr_at``): ``lr`` a (K, 1) tensor, ``values`` (K,) float64; ``advance()`` at the
    end of each epoch."""

    def __init__(self, recipes: list[Recipe], n_epochs: int, dtype: torch.dtype):
        self.recipes, self.n_epochs, self.dtype, self.epoch = recipes, n_epochs, dtype, 0
        self._read()

    def _read(self) -> None:
        self.values = rates_at(self.recipes, self.epoch, self.n_epochs)[:, 0]
        self.lr = torch.from_numpy(self.values.reshape(-1, 1)).to(self.dtype)

    def advance(self) -> None:
        self.epoch += 1
        self._read()


class SGD:
    """``buf = g`` at the first step, then ``buf = mu * buf + g``; ``d = buf`` or, with
    Nesterov, ``g + mu * buf``; ``theta -= lr * d`` (dampening 0)."""

    def __init__(self, recipes: list[Recipe], theta: torch.Tensor):
        self.momentum = hyper(recipes, "momentum", theta) if recipes[0].momentum else None
        self.nesterov = bool(recipes[0].nesterov)
        self.buf = None

    def update(self, theta: torch.Tensor, grad: torch.Tensor, rates: EpochRates) -> None:
        d = grad
        if self.momentum is not None:
            if self.buf is None:
                self.buf = grad.clone()
            else:
                self.buf.mul_(self.momentum).add_(grad)
            d = grad.addcmul(self.buf, self.momentum) if self.nesterov else self.buf
        theta.addcmul_(d, rates.lr, value=-1)


class RMSprop:
    """``v = alpha * v + (1 - alpha) * g * g``, ``a = sqrt(v) + eps``; ``theta -= lr * g / a``,
    or with momentum ``buf = mu * buf + g / a`` (from zero) and ``theta -= lr * buf``."""

    def __init__(self, recipes: list[Recipe], theta: torch.Tensor):
        self.alpha, self.eps = hyper(recipes, "alpha", theta), hyper(recipes, "eps", theta)
        self.one_minus_alpha = torch.from_numpy(1 - per_model(recipes, "alpha")).to(theta.dtype)
        self.momentum = hyper(recipes, "momentum", theta) if recipes[0].momentum else None
        self.square_avg = torch.zeros_like(theta)
        self.buf = torch.zeros_like(theta) if self.momentum is not None else None
        self.work, self.avg = torch.empty_like(theta), torch.empty_like(theta)

    def update(self, theta: torch.Tensor, grad: torch.Tensor, rates: EpochRates) -> None:
        v, work, avg = self.square_avg, self.work, self.avg
        v.mul_(self.alpha).addcmul_(torch.mul(grad, self.one_minus_alpha, out=work), grad)
        torch.sqrt(v, out=avg).add_(self.eps)
        if self.buf is not None:
            self.buf.mul_(self.momentum).addcdiv_(grad, avg)
            theta.addcmul_(self.buf, rates.lr, value=-1)
        else:
            theta.addcmul_(torch.div(grad, avg, out=work), rates.lr, value=-1)


class Adam:
    """``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g * g``, and with ``t``
    counting steps from 1: ``theta -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t)
    + eps)``. The bias corrections are Python floats, as torch's, per distinct beta."""

    def __init__(self, recipes: list[Recipe], theta: torch.Tensor):
        betas = np.array([r.betas for r in recipes], dtype=np.float64)
        self.one_minus_beta1 = torch.from_numpy(1 - betas[:, :1]).to(theta.dtype)
        self.beta2 = torch.from_numpy(betas[:, 1:]).to(theta.dtype)
        self.one_minus_beta2 = torch.from_numpy(1 - betas[:, 1:]).to(theta.dtype)
        self.eps = hyper(recipes, "eps", theta)
        # distinct betas and where each model's is: the bias corrections cost O(distinct) per step
        (self.beta1_values, self.beta1_of), (self.beta2_values, self.beta2_of) = (
            (values.tolist(), inverse) for values, inverse in
            (np.unique(betas[:, i], return_inverse=True) for i in (0, 1)))
        self.t = 0
        self.exp_avg, self.exp_avg_sq = torch.zeros_like(theta), torch.zeros_like(theta)
        self.work, self.denom = torch.empty_like(theta), torch.empty_like(theta)

    def update(self, theta: torch.Tensor, grad: torch.Tensor, rates: EpochRates) -> None:
        m, v, work, denom = self.exp_avg, self.exp_avg_sq, self.work, self.denom
        self.t += 1
        t = float(self.t)  # torch reads its step count as a float
        m.lerp_(grad, self.one_minus_beta1)
        v.mul_(self.beta2).addcmul_(torch.mul(grad, self.one_minus_beta2, out=work), grad)
        bias_correction1 = np.array([1 - b ** t for b in self.beta1_values])[self.beta1_of]
        bias_correction2_sqrt = np.array([(1 - b ** t) ** 0.5 for b in self.beta2_values])[self.beta2_of]
        step_size = rates.values / bias_correction1
        torch.sqrt(v, out=denom).div_(torch.from_numpy(bias_correction2_sqrt[:, None]).to(theta.dtype))
        denom.add_(self.eps)
        theta.addcmul_(torch.div(m, denom, out=work), torch.from_numpy(-step_size[:, None]).to(theta.dtype))


STACKED_RULES = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}
