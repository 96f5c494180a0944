"""Training K ``PTDeep`` models of one architecture at once (the experiments' stacked engine).

The models share data, depth, activation, loss, batch size, run length, sampling and the
optimizer's form; everything else of the recipe - learning rate and its schedule, momentum,
alpha, betas, eps, weight decay, early stopping - and the seed of the sample order are per
model. Parameters live in one (K, P) buffer laid out as fcann2's (all weights, then all
biases, one row per model); each layer's ``W`` (K, out, in) and ``b`` (K, out) are views of
it that autograd differentiates (``b`` as (K, out, 1): activations are feature-major,
(K, features, n), as fcann2's). Hidden widths may differ: every model is padded to the
widest with units whose weights and bias are zero. With an activation that maps 0 to 0
(all but sigmoid) such a unit outputs 0, so its outgoing weights get zero gradient, and
its incoming ones get zero gradient because its outgoing weights are zero: every rule
keeps it at exactly zero, and the model computes what it computes alone (its dot products
gain zero terms). One step gathers every model's own batch, runs the layers as
``torch.baddbmm``, takes each model's mean loss (K,) and differentiates their sum: the
models share no parameter, so each model's gradient is the one it would get alone. Autograd,
not a hand-written backward: the torch side of a numpy-vs-torch comparison stays the oracle.
The update is the recipe's, per model (``stacked_optim``: why not ``torch.optim``). CPU
tensors, as the experiments' workers use.

Each model ends within rounding of ``pt_deep.train`` on it alone: ``bmm`` and ``addmm`` are
different kernels and the update's ``add(alpha=)`` is an FMA in torch, so expect ~1e-14 -
1e-13 after thousands of float64 steps, not equality (tests hold it to 1e-12).
``data_utils.training.stacked_loop`` keeps ``TrainingLoop``'s rules per model.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from data_utils.training.loop import TrainResult
from data_utils.training.stacked_loop import PAD_ACTIVATIONS, per_model, plan_stacked, run_stacked
from data_utils.training.threads import choose_threads

from .model import TORCH_ACTIVATIONS, PTDeep, to_tensor
from .stacked_optim import STACKED_RULES, EpochRates, add_weight_decay, hyper
from .trainer import num_threads

__all__ = ["train_stacked", "StackedTorchStepper", "stack_sizes"]


def stack_sizes(sizes: list[list[int]], activation: str) -> list[int]:
    """The layer sizes of a stack of models of ``sizes``: the widest of each layer. Raises
    ``ValueError`` when they cannot share one (another depth, input or output size; other
    widths with an activation outside ``PAD_ACTIVATIONS``)."""
    first = sizes[0]
    if any(len(s) != len(first) or s[0] != first[0] or s[-1] != first[-1] for s in sizes):
        raise ValueError(f"stacked models must share depth, inputs and outputs, got sizes {sizes}")
    if activation not in PAD_ACTIVATIONS and any(s != first for s in sizes):
        raise ValueError(f"models of different widths stack only with an activation that maps 0 to 0 "
                         f"({', '.join(PAD_ACTIVATIONS)}), got {activation!r} and sizes {sizes}")
    return [max(column) for column in zip(*sizes)]


def _padded_row(params, sizes: list[int]) -> np.ndarray:
    """One model's ``[(W, b), ...]`` as a row of the stack: weights, then biases, each
    zero-padded to ``sizes``."""
    weights, biases = [], []
    for (W, b), (o, i) in zip(params, zip(sizes[1:], sizes[:-1])):
        Wp, bp = np.zeros((o, i), W.dtype), np.zeros(o, b.dtype)
        Wp[:W.shape[0], :W.shape[1]], bp[:b.shape[0]] = W, b
        weights.append(Wp.ravel())
        biases.append(bp)
    return np.concatenate(weights + biases)


class StackedTorchStepper:
    """``StackedStepper`` (see ``data_utils.training.stacked_loop``) over copies of ``models``'
    parameters, rows of one (K, P) tensor ``theta``."""

    def __init__(self, models: list[PTDeep], plans):
        first, K = models[0], len(models)
        self.model_sizes = [m.sizes for m in models]
        self.sizes, self.K = stack_sizes(self.model_sizes, first.activation), K
        shapes = list(zip(self.sizes[1:], self.sizes[:-1]))
        self.theta = torch.from_numpy(np.stack([_padded_row(m.to_params(), self.sizes) for m in models]))
        self.grad = torch.empty_like(self.theta)
        self.n_weights = sum(o * i for o, i in shapes)
        self.weights, self.biases = [], []
        w_off, b_off = 0, self.n_weights
        for o, i in shapes:  # views of theta, leaves of every step's graph: W (K, o, i), b (K, o, 1)
            self.weights.append(self.theta[:, w_off:w_off + o * i].view(K, o, i).requires_grad_())
            self.biases.append(self.theta[:, b_off:b_off + o].view(K, o, 1).requires_grad_())
            w_off, b_off = w_off + o * i, b_off + o
        self.leaves = self.weights + self.biases  # theta's order: the gradients concatenate into grad
        self._weight_rows = self.theta.numpy()[:, :self.n_weights]  # the penalty's sum, in NumPy
        self._act, self.negative_slope = TORCH_ACTIVATIONS[first.activation], first.negative_slope
        self.classification = first.loss_name == "cross_entropy"
        self.x_all, self.y_all = to_tensor(plans[0].X), to_tensor(plans[0].y)
        recipes = [p.recipe for p in plans]
        self.weight_decay = hyper(recipes, "weight_decay", self.theta)
        self.half_decay = 0.5 * per_model(recipes, "weight_decay")[:, 0]
        self._no_decay = self.half_decay == 0  # models whose penalty is 0, even with overflowed weights
        self.rates = EpochRates(recipes, plans[0].schedule.n_epochs, self.theta.dtype)
        self.rule = STACKED_RULES[recipes[0].optimizer](recipes, self.theta)

    def _batch(self, X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Samples as the stack computes them, feature-major (views, no copy): inputs (K, D, n)
        from (K, n, D), or from (n, D) shared by every model; labels (K, n), regression
        targets (K, k, n)."""
        if X.dim() == 2:
            X, y = X.expand(self.K, *X.shape), y.expand(self.K, *y.shape)
        return X.transpose(1, 2), (y if self.classification else y.transpose(1, 2))

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs (K, C, n) of inputs (K, D, n). Feature-major, so that neither the weights
        nor the logits need a transpose: fewer nodes for autograd to walk every step."""
        last = len(self.weights) - 1
        for k, (W, b) in enumerate(zip(self.weights, self.biases)):
            x = torch.baddbmm(b, W, x)
            if k < last:
                x = self._act(x, self.negative_slope)
        return x

    def _losses(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean data loss per model (K,): ``F.cross_entropy`` / ``F.mse_loss`` of each row."""
        if self.classification:
            return F.cross_entropy(outputs, targets, reduction="none").mean(1)
        return F.mse_loss(outputs, targets, reduction="none").mean(dim=(1, 2))

    def loss_and_grad(self, index) -> np.ndarray:
        if isinstance(index, slice):
            x, t = self._batch(self.x_all, self.y_all)
        else:
            index = torch.from_numpy(index)
            x, t = self._batch(self.x_all[index], self.y_all[index])
        losses = self._losses(self._forward(x), t)
        grads = torch.autograd.grad(losses.sum(), self.leaves)
        torch.cat([g.reshape(self.K, -1) for g in grads], dim=1, out=self.grad)
        values = losses.detach().numpy().astype(np.float64)
        if self.half_decay.any():  # the reported objective adds (lambda / 2) sum ||W||^2, as pt_deep's
            w = self._weight_rows
            penalty = self.half_decay * np.einsum("kp,kp->k", w, w, dtype=np.float64)
            if self._no_decay.any():
                penalty[self._no_decay] = 0.0
            values = values + penalty
        return values

    @torch.no_grad()
    def step(self) -> None:
        if self.half_decay.any():
            add_weight_decay(self.grad[:, :self.n_weights], self.theta[:, :self.n_weights], self.weight_decay)
        self.rule.update(self.theta, self.grad, self.rates)

    def end_epoch(self) -> None:
        self.rates.advance()

    @torch.no_grad()
    def evaluate(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        x, t = self._batch(to_tensor(X), to_tensor(y))
        outputs = self._forward(x)
        return self._losses(outputs, t).numpy().astype(np.float64), outputs.transpose(1, 2).numpy()

    def snapshot(self, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Model ``k``'s ``[(W, b), ...]`` (NumPy copies, padding cut off)."""
        params = []
        for (o, i), W, b in zip(zip(self.model_sizes[k][1:], self.model_sizes[k][:-1]), self.weights, self.biases):
            params.append((W[k, :o, :i].detach().numpy().copy(), b[k, :o, 0].detach().numpy().copy()))
        return params

    def to_params(self, state: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
        return state


def train_stacked(models: list[PTDeep], X, y, options: list[dict], *, n_threads="auto") -> list[TrainResult]:
    """Train ``models`` (same depth, inputs, outputs, activation, loss and dtype; hidden
    widths may differ with an activation of ``PAD_ACTIVATIONS``) in place at once.

    ``options[k]`` are model k's keyword options of ``pt_deep.train`` (recipe keys or
    ``recipe=``, ``schedule`` or its knobs, ``validation_data``, ``eval_sets``); they may
    differ in recipe and seed, not in data, batch size, length or sampling. ``n_threads``
    as ``pt_deep.train`` (``"auto"`` judges the whole stack's work). Returns one
    ``TrainResult`` per model, ``wall_time`` amortised (the stack's time / K).
    """
    plans = plan_stacked(models, X, y, options)
    K, sizes = len(models), stack_sizes([m.sizes for m in models], models[0].activation)
    n = choose_threads(n_threads, sizes, K * len(plans[0].X), K * plans[0].schedule.effective_batch_size)
    with num_threads(n), np.errstate(over="ignore", invalid="ignore"):
        results, finals = run_stacked(StackedTorchStepper(models, plans), plans)
    for model, params in zip(models, finals):
        model.set_params(params)
    return results
