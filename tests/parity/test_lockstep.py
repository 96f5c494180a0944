"""Lockstep trajectories: numpy and torch from the same start on the same schedule.

Tolerances come from measurement (README "Parity"): float64 runs of 2,000-3,000 steps end
with max |dTheta| ~1e-15..1e-13, so 1e-9 leaves four orders of margin while a gradient off
by one part in 1e6 already exceeds it (test below). float32 reaches ~1e-4 on 3,000
per-sample steps (rounding grows with the trajectory), hence 1e-3.
"""
import numpy as np
import pytest

from experiments.config import parse_config
from experiments.parity import DEFAULT_TOLERANCE, lockstep
from fcann2 import functional as F

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
    original = F.linear_backward

    def slightly_wrong(*args, **kwargs):
        dx, dW, db = original(*args, **kwargs)
        db *= 1 + 1e-6  # db is the model's gradient buffer: scale it in place
        return dx, dW, db
    monkeypatch.setattr(F, "linear_backward", slightly_wrong)
    result = lockstep(_cfg(batch_size=1, n_iter=500))
    assert not result.passed, result.verdict()
    assert result.final["max_dtheta"] > DEFAULT_TOLERANCE["float64"]
