"""Lockstep trajectories: numpy and torch from the same start on the same schedule.

Tolerances come from measurement (README "Parity"): float64 runs of 2,000-3,000 steps end
with max |dTheta| ~1e-15..1e-13, so 1e-9 leaves four orders of margin while a gradient off
by one part in 1e6 already exceeds it (test below). float32 reaches ~1e-4 on 3,000
per-sample steps (rounding grows with the trajectory), hence 1e-3.
"""
import numpy as np
import pytest

import data_utils as du
import fcann2
import pt_deep
from experiments.config import parse_config
from experiments.parity.lockstep import DEFAULT_TOLERANCE, lockstep
from fcann2 import functional as F, trainer as fcann2_trainer
from fcann2.lean import LeanStepper

BASE = {"data": {"dataset": "blobs", "params": {"n_samples": 240, "n_classes": 3}, "standardize": True},
        "model": {"hidden": [10, 10], "activation": "relu"}}


def _cfg(**train):
    return parse_config({**BASE, "train": {"lr": 0.05, **train}})


CASES = {
    "per-sample SGD": dict(batch_size=1, n_iter=2000),
    "minibatch": dict(batch_size=16, epochs=40),
    "full batch + weight decay": dict(batch_size="full", n_iter=1500, weight_decay=1e-3),
    "sampling with replacement": dict(batch_size=8, n_iter=1000, sampling="replacement"),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_lockstep_within_tolerance(case, dtype):
    result = lockstep(_cfg(**CASES[case], dtype=dtype))
    f = result.final
    assert result.passed, result.verdict()
    assert f["steps_numpy"] == f["steps_torch"] == len(result.steps)
    assert result.tolerance == DEFAULT_TOLERANCE[dtype]
    if dtype == "float64":
        assert f["max_dtheta"] < 1e-12, result.verdict()  # measured margin, not just the tolerance
        assert f["test_class_agreement"] == 1.0
        assert f["test_output_max_diff"] < 1e-12


def test_lockstep_mse_regression_and_deeper_net():
    cfg = parse_config({"data": {"dataset": "noisy_1d"}, "model": {"hidden": [16, 16, 16], "activation": "tanh"},
                        "train": {"lr": 0.02, "batch_size": 4, "n_iter": 2000}})
    result = lockstep(cfg)
    assert result.passed and result.final["max_dtheta"] < 1e-12, result.verdict()


def test_lockstep_both_diverge_together():
    cfg = parse_config({"data": {"dataset": "noisy_1d"}, "model": {"hidden": [8], "activation": "identity"},
                        "train": {"lr": 5.0, "batch_size": "full", "n_iter": 300}})
    result = lockstep(cfg)
    f = result.final
    assert f["status_numpy"] == f["status_torch"] == "diverged"
    assert f["steps_numpy"] == f["steps_torch"] and result.passed


def test_missing_one_over_n_is_caught(monkeypatch):
    def broken_ce(logits, y):
        loss, d = F.softmax_cross_entropy(logits, y)
        return loss, d * logits.shape[1]  # the summed, not averaged, gradient
    monkeypatch.setitem(F.LOSSES, "cross_entropy", broken_ce)
    result = lockstep(_cfg(batch_size=16, n_iter=50))
    assert not result.passed and result.final["max_dtheta"] > 1e-3


def test_relu_mask_shifted_is_caught(monkeypatch):
    fwd, _ = F.ACTIVATIONS["relu"]
    monkeypatch.setitem(F.ACTIVATIONS, "relu", (fwd, lambda dout, x, y, out=None: np.multiply(dout, x > -0.05, out=out)))
    result = lockstep(_cfg(batch_size=1, n_iter=200))
    assert not result.passed


def test_gradient_off_by_one_part_in_a_million_is_caught(monkeypatch):
    """The general path (batch 2): every bias gradient of ``linear_backward`` off by 1e-6."""
    original = F.linear_backward

    def slightly_wrong(*args, **kwargs):
        dx, dW, db = original(*args, **kwargs)
        db *= 1 + 1e-6  # db is the model's gradient buffer: scale it in place
        return dx, dW, db
    monkeypatch.setattr(F, "linear_backward", slightly_wrong)
    result = lockstep(_cfg(batch_size=2, n_iter=500))
    assert not result.passed, result.verdict()
    assert result.final["max_dtheta"] > DEFAULT_TOLERANCE["float64"]


class _LeanBiasGradientOffByOnePartInAMillion(LeanStepper):
    def __init__(self, model, plan):
        super().__init__(model, plan)
        correct, db = self._sample_loss_and_grad, model.linears[-1].db

        def slightly_wrong(i):
            loss = correct(i)
            np.multiply(db, 1 + 1e-6, out=db)  # the output layer's bias gradient, in place
            return loss
        self._sample_loss_and_grad = slightly_wrong


def test_the_lean_per_sample_path_off_by_one_part_in_a_million_is_caught(monkeypatch):
    """Batch 1 runs ``LeanStepper``, which never calls ``linear_backward``: bug it directly."""
    monkeypatch.setattr(fcann2_trainer, "LeanStepper", _LeanBiasGradientOffByOnePartInAMillion)
    result = lockstep(_cfg(batch_size=1, n_iter=500))
    assert not result.passed, result.verdict()
    assert result.final["max_dtheta"] > DEFAULT_TOLERANCE["float64"]


# -- fcann2.train on a per-sample schedule hands whole epochs to LeanStepper.run_samples:
# -- the final parameters against pt_deep.train's, and a wrong update order there is caught.
class _LeanWeightDecayAfterTheUpdate(LeanStepper):
    def run_samples(self, samples):
        losses = []
        for i in samples:
            losses.append(self._sample_loss_and_grad(i) + self._penalty())
            self.rule.update(self.theta, self.grad, self.rate.lr)
            self._decay_weight_grads()  # g_W += lambda W after the step instead of before
        return losses


def _train_both(**options):
    X, y = du.sample_gmm_2d(4, 2, 20, rng=1)
    init = du.init_params([2, 10, 2], "he_normal", rng=1)
    schedule = du.make_schedule(len(X), batch_size=1, epochs=10, seed=2)
    a, b = fcann2.MLP.from_params(init), pt_deep.PTDeep.from_params(init)
    ra = fcann2.train(a, X, y, schedule=schedule, **options)
    rb = pt_deep.train(b, X, y, schedule=schedule, **options)
    dtheta = max(np.abs(pa - pb).max() for pair_a, pair_b in zip(a.to_params(), b.to_params())
                 for pa, pb in zip(pair_a, pair_b))
    return dtheta, ra, rb


RECIPE = {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3, "lr_schedule": "step", "step_size": 3}


def test_per_sample_train_by_whole_epochs_matches_torch():
    dtheta, ra, rb = _train_both(**RECIPE)
    assert dtheta < 1e-12 and ra.n_steps == rb.n_steps == 800
    np.testing.assert_allclose(ra.loss_per_epoch, rb.loss_per_epoch, rtol=1e-12)


def test_a_wrong_update_order_in_run_samples_is_caught(monkeypatch):
    monkeypatch.setattr(fcann2_trainer, "LeanStepper", _LeanWeightDecayAfterTheUpdate)
    dtheta, _, _ = _train_both(**RECIPE)
    assert dtheta > DEFAULT_TOLERANCE["float64"]
