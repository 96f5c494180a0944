"""fcann2's per-sample path: ``NumpyStepper``'s arithmetic for batches of one sample, on
1-D vectors and buffers allocated once.

With one sample every array of the general path is a single column, and each of its
operations has a 1-D form that runs the same kernel on the same numbers. What is fused:

- the sample is a view of its row of ``X`` (an int index), not a gathered copy;
- ``W @ a`` and ``W.T @ delta`` are the same BLAS ``gemv`` for an (n, 1) column and an (n,)
  vector; ``np.dot`` makes that call with less overhead than ``np.matmul``;
- a bias gradient (the sum of a one-column delta) *is* the delta: each layer's delta is
  written straight into its bias-gradient slice of ``grad`` and never summed;
- a weight gradient ``delta @ a.T`` has inner dimension 1, one product per element: the
  outer product, written into the weight-gradient view by a broadcast ``np.multiply``,
  by the general path's own ``np.matmul`` for layers fed by 2-5 inputs, or column by
  column when such a layer is tall (``_outer_product``: whichever is fastest);
- with two classes in float64, the output layer's bias add and the softmax cross-entropy
  run in Python floats (``functional.two_class_cross_entropy``); other losses call the
  general path's functions on (k, 1) views of the buffers;
- ``run_samples`` trains a span of samples in one Python loop (``TrainingLoop.run``).

Activations, losses and update rules are the general path's own functions and objects.
The values are bit-identical to ``NumpyStepper`` (``tests/fcann2/test_lean.py``); a zero
gradient element may carry the other sign (the general path's matmul adds each product
to +0.0), which no later operation turns into a different value.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from data_utils.training.loop import TrainingPlan

from . import functional as F
from .model import MLP
from .stepper import NumpyStepper

__all__ = ["LeanStepper"]


class LeanStepper(NumpyStepper):
    """``NumpyStepper`` for per-sample schedules (``batch_size=1``); see the module docstring."""

    def __init__(self, model: MLP, plan: TrainingPlan):
        super().__init__(model, plan)
        self._sample_loss_and_grad = _sample_pass(model, plan)

    def _data_loss_and_grad(self, index) -> float:
        return self._sample_loss_and_grad(int(index[0]))  # a per-sample schedule's (1,) batch

    def run_samples(self, samples: list[int]) -> list[float]:
        """One step per sample of one epoch (so one learning rate), stopping after the first
        non-finite loss, whose update is not applied; the step losses (see
        ``data_utils.training.loop.Stepper``). ``loss_and_grad`` + ``step`` with the
        per-step lookups hoisted out of the loop."""
        loss_and_grad, decay, isfinite = self._sample_loss_and_grad, bool(self.weight_decay), math.isfinite
        update, theta, grad, lr = self.rule.update, self.theta, self.grad, self.rate.lr
        losses = []
        for i in samples:
            loss = loss_and_grad(i)
            if decay:
                loss += self._penalty()
            losses.append(loss)
            if not isfinite(loss):
                break
            if decay:
                self._decay_weight_grads()
            update(theta, grad, lr)
        return losses


def _outer_product(dW: np.ndarray, delta: np.ndarray):
    """``outer(delta_column, a_row, out=dW)``: writes the weight gradient ``delta a^T`` of
    ``dW`` (o, i) from ``delta`` (o,) as a column (o, 1) and the layer input as a row (1, i),
    the fastest way for the shape (measured on a 2-core x86 VM): a broadcast ``np.multiply``;
    the general path's own ``np.matmul`` for 2-5 inputs, where the broadcast runs one short
    inner loop per row (50 x 2: 1.0 against 0.83 us); column by column from 100 rows per
    input (500 x 2: 4.1 by rows, 2.4 by matmul, 1.7 by columns)."""
    o, i = dW.shape
    if not 2 <= i <= 5:
        return np.multiply
    if o < 100 * i:
        return np.matmul
    columns, multiply = list(dW.T), np.multiply

    def by_columns(delta_column, a_row, out=None):
        for column, a_j in zip(columns, a_row[0].tolist()):
            multiply(delta, a_j, out=column)
    return by_columns


def _sample_pass(model: MLP, plan: TrainingPlan):
    """``loss_and_grad(i) -> float``: forward and backward of sample ``i`` of ``plan.X``
    into ``model.grad``, over buffers allocated here (a closure: its names are locals)."""
    dtype, linears = model.dtype, model.linears
    act, act_backward = F.ACTIVATIONS[model.activation]
    if model.activation == "leaky_relu":
        act = functools.partial(act, negative_slope=model.negative_slope)
        act_backward = functools.partial(act_backward, negative_slope=model.negative_slope)
    z = [np.empty(lin.W.shape[0], dtype) for lin in linears]          # pre-activations
    h = [np.empty(lin.W.shape[0], dtype) for lin in linears[:-1]]     # activations
    hidden = [(lin.W, lin.b, z[k], h[k]) for k, lin in enumerate(linears[:-1])]
    W_out, b_out, z_out, d_out = linears[-1].W, linears[-1].b, z[-1], linears[-1].db
    X, x_rows = plan.X, plan.X[:, None, :]                            # X[i] as (D,) and (1, D)
    # Backward through layers L-1..1, last first: the weight gradient from the delta (the
    # layer's db) and the layer's input (h below), then the delta below (its db) from W.T.
    upper = [(lin.dW, _outer_product(lin.dW, lin.db), lin.db[:, None], h[k - 1][None, :],
              lin.W.T, lin.db, linears[k - 1].db, z[k - 1], h[k - 1])
             for k, lin in reversed(list(enumerate(linears))) if k]
    first = linears[0]
    dW_first, outer_first, d_first = first.dW, _outer_product(first.dW, first.db), first.db[:, None]
    two_class = model.loss_name == "cross_entropy" and model.sizes[-1] == 2 and dtype == np.float64
    if two_class:
        labels = plan.y.tolist()
    else:
        loss_fn, z_col, d_col = F.LOSSES[model.loss_name], z_out[:, None], d_out[:, None]
        targets = plan.y[:, None] if model.loss_name == "cross_entropy" else plan.y[:, :, None]  # (1,) / (k, 1)
    # np.dot without the __array_function__ dispatch (NEP 18's ``_implementation``): ~0.1 us a call
    dot = getattr(np.dot, "_implementation", np.dot)
    cross_entropy = F.two_class_cross_entropy

    def loss_and_grad(i: int) -> float:
        a = X[i]
        for W, b, z_k, h_k in hidden:
            dot(W, a, out=z_k)
            z_k += b
            a = act(z_k, out=h_k)
        dot(W_out, a, out=z_out)
        if two_class:  # the output bias add and the softmax in Python floats
            z0, z1 = z_out.tolist()
            b0, b1 = b_out.tolist()
            loss, d_out[0], d_out[1] = cross_entropy(z0 + b0, z1 + b1, labels[i])
        else:
            np.add(z_out, b_out, out=z_out)
            loss, _ = loss_fn(z_col, targets[i], d_col)
        for dW, outer, d_column, a_row, WT, d, d_below, z_below, a_below in upper:
            outer(d_column, a_row, out=dW)
            dot(WT, d, out=d_below)
            act_backward(d_below, z_below, a_below, out=d_below)
        outer_first(d_first, x_rows[i], out=dW_first)
        return loss

    return loss_and_grad
