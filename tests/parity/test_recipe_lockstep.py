"""Every training recipe in lockstep: numpy vs torch for each optimizer x lr schedule x
batch mode, with and without weight decay and early stopping (float64: max |dTheta|
<= 1e-12 after ~1,000 steps; float32: within the float32 tolerance), and injected bugs in
the new rules that the lockstep must catch."""
import itertools

import numpy as np
import pytest

import fcann2.optimizers as rules
import fcann2.trainer as np_trainer
from experiments.config import parse_config
from experiments.parity.lockstep import lockstep

BASE = {"data": {"dataset": "blobs", "params": {"n_samples": 240, "n_classes": 3}, "standardize": True},
        "model": {"hidden": [10, 10], "activation": "relu"}}
OPTIMIZERS = {
    "sgd": {"optimizer": "sgd", "lr": 0.05},
    "momentum": {"optimizer": "sgd", "lr": 0.02, "momentum": 0.9},
    "nesterov": {"optimizer": "sgd", "lr": 0.02, "momentum": 0.9, "nesterov": True},
    "rmsprop": {"optimizer": "rmsprop", "lr": 0.001},
    "adam": {"optimizer": "adam", "lr": 0.002},
}
# 180 training rows: ~1,000 steps in each mode
BATCH_MODES = {"per-sample": {"batch_size": 1, "epochs": 6}, "minibatch": {"batch_size": 16, "epochs": 84},
               "full batch": {"batch_size": "full", "epochs": 1000}}


def _schedules(epochs: int) -> dict:
    return {"constant": {}, "step": {"lr_schedule": "step", "step_size": max(1, epochs // 3), "gamma": 0.5},
            "exponential": {"lr_schedule": "exponential", "gamma": 0.5 ** (1 / epochs)},
            "cosine": {"lr_schedule": "cosine"}}


def _cfg(optimizer, schedule, batch, dtype="float64", **extra):
    mode = BATCH_MODES[batch]
    train = {**OPTIMIZERS[optimizer], **_schedules(mode["epochs"])[schedule], **mode, "dtype": dtype, **extra}
    return parse_config({**BASE, "train": train})


def _check(result, min_steps=1000):
    f = result.final
    assert result.passed, result.verdict()
    assert f["max_dtheta"] <= 1e-12, result.verdict()
    assert f["test_class_agreement"] == 1.0 and f["test_output_max_diff"] < 1e-12
    assert f["steps_numpy"] == f["steps_torch"] >= min_steps


@pytest.mark.parametrize("optimizer, schedule, batch",
                         list(itertools.product(OPTIMIZERS, ["constant", "step", "exponential", "cosine"],
                                                BATCH_MODES)))
def test_every_optimizer_schedule_and_batch_mode(optimizer, schedule, batch):
    _check(lockstep(_cfg(optimizer, schedule, batch, weight_decay=1e-3)))


@pytest.mark.parametrize("optimizer, batch", list(itertools.product(OPTIMIZERS, BATCH_MODES)))
@pytest.mark.parametrize("weight_decay, early_stopping", [(0.0, False), (0.0, True), (1e-3, True)])
def test_with_and_without_weight_decay_and_early_stopping(optimizer, batch, weight_decay, early_stopping):
    result = lockstep(_cfg(optimizer, "exponential" if early_stopping else "constant", batch,
                           weight_decay=weight_decay, early_stopping=early_stopping, patience=3))
    f = result.final
    _check(result, min_steps=1 if early_stopping else 1000)
    if early_stopping:
        assert f["best_epoch_numpy"] == f["best_epoch_torch"] is not None
        assert f["final_dtheta"] <= 1e-12  # both restored the same best epoch


def test_early_stopping_stops_and_restores_the_best_epoch():
    cfg = _cfg("adam", "constant", "minibatch", early_stopping=True, patience=2, epochs=400,
               lr=0.05)
    result = lockstep(cfg)
    f = result.final
    assert result.passed, result.verdict()
    assert f["steps_numpy"] < 400 * 11  # stopped before the end
    assert f["best_epoch_numpy"] == f["best_epoch_torch"]


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_float32_is_bounded(optimizer):
    result = lockstep(_cfg(optimizer, "cosine", "minibatch", dtype="float32", weight_decay=1e-3))
    assert result.passed and result.final["max_dtheta"] < 1e-3, result.verdict()


def test_parity_command_runs_any_recipe(capsys, tmp_path):
    from experiments.cli import main
    code = main(["parity", "--set", 'train.optimizer="adam"', "--set", 'train.lr_schedule="exponential"',
                 "--set", "train.gamma=0.9", "--set", "train.lr=0.005", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "PASS" in out, out


# -- injected bugs: each must make the lockstep fail ----------------------------------

class _AdamWithoutBiasCorrection(rules.Adam):
    def update(self, theta, g, lr):
        self.t = 10 ** 6  # beta ** t underflows: both bias corrections become 1
        super().update(theta, g, lr)


class _MomentumBufferAppliedBeforeTheGradient(rules.SGD):
    """The step uses the buffer before the gradient is added (so the very first step
    moves by a zero buffer). A zero-initialised buffer updated *before* use is the same
    as torch's ``buf = g`` when dampening is 0, so this is the observable form of the bug."""

    def update(self, theta, g, lr):
        if self.buf is None:
            self.buf = np.zeros_like(g)
        theta -= lr * self.buf
        self.buf *= self.momentum
        self.buf += g


class _DampenedMomentum(rules.SGD):
    """``buf = mu * buf + (1 - mu) * g`` from a zero buffer: the EMA form some texts use."""

    def update(self, theta, g, lr):
        if self.buf is None:
            self.buf = np.zeros_like(g)
        self.buf *= self.momentum
        self.buf += (1 - self.momentum) * g
        theta -= lr * self.buf


class _ScheduleSteppedPerBatch(np_trainer.NumpyStepper):
    def step(self):
        super().step()
        self.rate.advance()   # the epoch's rate moved on after every batch


@pytest.mark.parametrize("optimizer, patch", [
    ("adam", ("rule", "adam", _AdamWithoutBiasCorrection)),
    ("momentum", ("rule", "sgd", _MomentumBufferAppliedBeforeTheGradient)),
    ("momentum", ("rule", "sgd", _DampenedMomentum)),
    ("sgd", ("stepper", None, _ScheduleSteppedPerBatch)),
], ids=["adam without bias correction", "momentum buffer from zero", "dampened momentum",
        "schedule stepped per batch"])
def test_injected_bug_is_caught(monkeypatch, optimizer, patch):
    kind, key, buggy = patch
    if kind == "rule":
        monkeypatch.setitem(rules.UPDATE_RULES, key, buggy)
    else:
        monkeypatch.setattr(np_trainer, "NumpyStepper", buggy)
    result = lockstep(_cfg(optimizer, "exponential", "minibatch"))
    assert not result.passed, result.verdict()
    assert result.final["max_dtheta"] > 1e-6
