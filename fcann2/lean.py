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


def _outer_product(n_out: int, n_in: int) -> str:
    """How to write an (n_out, n_in) weight gradient ``delta a^T`` fastest: ``"rows"`` (a
    broadcast ``np.multiply`` of (n_out, 1) by (1, n_in)), ``"matmul"`` (the general path's
    ``np.matmul`` with inner dimension 1) or ``"columns"`` (one ``np.multiply`` by a scalar
    per column). Measured on a 2-core x86 VM: the broadcast runs one inner loop per row, slow
    for 2-5 columns (50 x 2: 1.0 against 0.83 us by matmul); from 100 rows per column,
    column by column wins (500 x 2: 4.1 by rows, 2.4 by matmul, 1.7 by columns)."""
    if not 2 <= n_in <= 5:
        return "rows"
    return "columns" if n_out >= 100 * n_in else "matmul"


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
    # Layer inputs (1-D, and as (1, i) rows); entry 0 is the sample, set per call.
    inputs, rows = [None, *h], [None, *(v[None, :] for v in h)]
    X, x_rows = plan.X, plan.X[:, None, :]
    # Backward, last layer first: (k, dW, delta = db, delta as a column, the outer product's
    # function, dW's column views when it goes by columns, W.T, for k > 0 the delta and z below).
    backward = []
    for k, lin in reversed(list(enumerate(linears))):
        how = _outer_product(*lin.dW.shape)
        outer = np.matmul if how == "matmul" else np.multiply
        columns = list(lin.dW.T) if how == "columns" else None
        backward.append((k, lin.dW, lin.db, lin.db[:, None], outer, columns, lin.W.T,
                         linears[k - 1].db if k else None, z[k - 1] if k else None))
    two_class = model.loss_name == "cross_entropy" and model.sizes[-1] == 2 and dtype == np.float64
    if two_class:
        labels = plan.y.tolist()
    else:
        loss_fn, z_col, d_col = F.LOSSES[model.loss_name], z_out[:, None], d_out[:, None]
        targets = plan.y[:, None] if model.loss_name == "cross_entropy" else plan.y[:, :, None]  # (1,) / (k, 1)
    # np.dot without the __array_function__ dispatch (NEP 18's ``_implementation``): ~0.1 us a call
    dot = getattr(np.dot, "_implementation", np.dot)
    multiply, cross_entropy = np.multiply, F.two_class_cross_entropy

    def loss_and_grad(i: int) -> float:
        a = inputs[0] = X[i]
        rows[0] = x_rows[i]
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
        for k, dW, d, d_column, outer, columns, WT, d_below, z_below in backward:
            if columns is None:
                outer(d_column, rows[k], out=dW)
            else:
                for column, a_j in zip(columns, inputs[k].tolist()):
                    multiply(d, a_j, out=column)
            if k:
                dot(WT, d, out=d_below)
                act_backward(d_below, z_below, inputs[k], out=d_below)  # the input is h below
        return loss

    return loss_and_grad
