"""Training ``PTDeep`` with PyTorch's own machinery: autograd, ``torch.optim`` and
``torch.optim.lr_scheduler`` (see ``optim``), in the loop shared with fcann2.

Same knobs and meaning as ``fcann2.train``: weight decay through a weights-only parameter
group (biases get 0), the reported loss includes ``(weight_decay / 2) * sum ||W||^2``, and
the first non-finite loss stops training before its update.
"""
from __future__ import annotations

import contextlib

import numpy as np
import torch

from data_utils.training.loop import TrainingLoop, TrainingPlan, TrainResult, iter_training, run_training
from data_utils.training.threads import choose_threads

from .model import PTDeep, to_tensor
from .optim import make_optimizer, make_scheduler

__all__ = ["train", "iter_train", "num_threads", "TorchStepper"]


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


class TorchStepper:
    """pt_deep's side of the training loop (see ``data_utils.training.loop.Stepper``)."""

    def __init__(self, model: PTDeep, plan: TrainingPlan):
        self.model = model
        self.device = model._device()
        self.x_all, self.y_all = to_tensor(plan.X, self.device), to_tensor(plan.y, self.device)
        self.optimizer = make_optimizer(model, plan.recipe)
        self.scheduler = make_scheduler(self.optimizer, plan.recipe, plan.schedule.n_epochs)
        self.weight_decay = plan.recipe.weight_decay
        self.weights = [layer.weight for layer in model.layers]

    def loss_and_grad(self, index) -> float:
        if not isinstance(index, slice):
            index = torch.from_numpy(index)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.model.loss(self.x_all[index], self.y_all[index])
        loss.backward()
        value = loss.item()
        if self.weight_decay:
            with torch.no_grad():
                value += 0.5 * self.weight_decay * sum(float(W.pow(2).sum()) for W in self.weights)
        return value

    def step(self) -> None:
        self.optimizer.step()

    def end_epoch(self) -> None:
        if self.scheduler is not None:
            self.scheduler.step()

    @torch.no_grad()
    def evaluate(self, X, y) -> tuple[float, np.ndarray]:
        outputs = self.model.logits(to_tensor(X, self.device))
        loss = self.model._loss_fn(outputs, to_tensor(y, self.device))
        return loss.item(), outputs.cpu().numpy()

    def snapshot(self):
        return self.model.to_params()

    def restore(self, state) -> None:
        self.model.set_params(state)


def iter_train(model: PTDeep, X, y, *, record_steps: bool = False, **options) -> TrainingLoop:
    """A ``TrainingLoop`` over ``model`` (see ``fcann2.iter_train``)."""
    model.train()
    return iter_training(TorchStepper, model, X, y, record_steps=record_steps, **options)


def train(model: PTDeep, X, y, *, n_threads="auto", **options) -> TrainResult:
    """Train ``model`` in place; options as ``fcann2.train``, plus ``n_threads`` (torch
    intra-op threads for this call: ``"auto"`` - 1 for problems too small to gain from
    threads, see ``data_utils.training.threads`` -, an int, or ``None`` to leave torch's
    setting). Returns a ``TrainResult``."""
    n = choose_threads(n_threads, model.sizes, len(X), options.get("batch_size"), options.get("schedule"))
    with num_threads(n):
        model.train()
        return run_training(TorchStepper, model, X, y, **options)
