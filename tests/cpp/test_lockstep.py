"""The C++ network in lockstep: against torch autograd (``experiments.parity.lockstep``) and
against fcann2 over every optimizer x batch mode with the lr schedules and early stopping
(float64: max |dTheta| <= 1e-12; float32: within the float32 tolerance), and injected bugs -
in the Python wrapper and in test-only builds of the C++ sources - that must fail."""
import itertools
import shutil
import subprocess

import numpy as np
import pytest

import fcann2
import fcann2.cpp
import fcann2.cpp.stepper as cpp_stepper
from experiments.config import parse_config
from experiments.parity.lockstep import lockstep
from fcann2.cpp import _lib

BASE = {"data": {"dataset": "blobs", "params": {"n_samples": 120, "n_classes": 3}, "standardize": True},
        "model": {"hidden": [8, 8], "activation": "relu"}}
OPTIMIZERS = {
    "sgd": {"optimizer": "sgd", "lr": 0.05},
    "momentum": {"optimizer": "sgd", "lr": 0.02, "momentum": 0.9},
    "nesterov": {"optimizer": "sgd", "lr": 0.02, "momentum": 0.9, "nesterov": True},
    "rmsprop": {"optimizer": "rmsprop", "lr": 0.001, "momentum": 0.5},
    "adam": {"optimizer": "adam", "lr": 0.002},
}
# 90 training rows: ~300 steps in each mode
BATCH_MODES = {"per-sample": {"batch_size": 1, "epochs": 4}, "minibatch": {"batch_size": 8, "epochs": 25},
               "full batch": {"batch_size": "full", "epochs": 300}}
SCHEDULES = ["constant", "step", "exponential", "cosine"]


def _schedule(name: str, epochs: int) -> dict:
    return {"constant": {}, "step": {"lr_schedule": "step", "step_size": max(1, epochs // 3), "gamma": 0.5},
            "exponential": {"lr_schedule": "exponential", "gamma": 0.5 ** (1 / epochs)},
            "cosine": {"lr_schedule": "cosine"}}[name]


def _cfg(optimizer, schedule, batch, dtype="float64", **extra):
    mode = BATCH_MODES[batch]
    train = {**OPTIMIZERS[optimizer], **_schedule(schedule, mode["epochs"]), **mode, "dtype": dtype, **extra}
    return parse_config({**BASE, "train": train})


# every optimizer x batch mode, the four schedules spread over them (all of them per optimizer)
MATRIX = [(o, SCHEDULES[(i + j) % 4], b) for i, o in enumerate(OPTIMIZERS) for j, b in enumerate(BATCH_MODES)]


@pytest.mark.parametrize("optimizer, schedule, batch", MATRIX)
def test_every_optimizer_and_batch_mode_against_torch(optimizer, schedule, batch):
    result = lockstep(_cfg(optimizer, schedule, batch, weight_decay=1e-3), candidate="cpp", chaos_check=False)
    f = result.final
    assert result.passed and f["max_dtheta"] <= 1e-12, result.verdict()
    assert f["steps_cpp"] == f["steps_torch"] >= 300 and f["test_output_max_diff"] < 1e-12


@pytest.mark.parametrize("optimizer, batch", [("adam", "minibatch"), ("nesterov", "per-sample"),
                                              ("rmsprop", "full batch")])
def test_early_stopping_restores_the_same_best_epoch_as_torch(optimizer, batch):
    result = lockstep(_cfg(optimizer, "exponential", batch, weight_decay=1e-3, early_stopping=True, patience=2),
                      candidate="cpp", chaos_check=False)
    f = result.final
    assert result.passed, result.verdict()
    assert f["best_epoch_cpp"] == f["best_epoch_torch"] is not None and f["final_dtheta"] <= 1e-12


def _train_both(optimizer, schedule, batch, **extra):
    """fcann2 and the C++ network trained alone on the same data, parameters and schedule."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((90, 4))
    y = rng.integers(0, 3, 90)
    init = fcann2.init_params([4, 8, 8, 3], "he_normal", 4)
    mode = dict(BATCH_MODES[batch])
    mode["batch_size"] = None if mode["batch_size"] == "full" else mode["batch_size"]
    options = {**OPTIMIZERS[optimizer], **_schedule(schedule, mode["epochs"]), **mode, "seed": 5,
               "weight_decay": 1e-3, **extra}
    a, b = fcann2.MLP(init), fcann2.cpp.CppMLP(init)
    return (a, fcann2.train(a, X, y, **options)), (b, fcann2.cpp.train(b, X, y, **options))


@pytest.mark.parametrize("optimizer, schedule, batch", MATRIX)
def test_every_optimizer_and_batch_mode_against_fcann2(optimizer, schedule, batch):
    (a, ra), (b, rb) = _train_both(optimizer, schedule, batch, early_stopping=True, patience=3)
    assert (ra.status, ra.n_steps, ra.best_epoch) == (rb.status, rb.n_steps, rb.best_epoch)
    assert max(np.abs(p - q).max() for P, Q in zip(a.params, b.params) for p, q in zip(P, Q)) <= 1e-12
    for key in ra.history:
        np.testing.assert_allclose(rb.history[key], ra.history[key], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(rb.loss_per_epoch, ra.loss_per_epoch, rtol=1e-12)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_float32_is_bounded(optimizer):
    result = lockstep(_cfg(optimizer, "cosine", "minibatch", dtype="float32", weight_decay=1e-3), candidate="cpp",
                      chaos_check=False)
    assert result.passed and result.final["max_dtheta"] < 1e-3, result.verdict()


def test_the_parity_command_checks_cpp(capsys, tmp_path):
    from experiments.cli import main
    code = main(["parity", "--impl", "cpp", "--steps", "200", "--set", 'train.optimizer="adam"',
                 "--set", "train.lr=0.005", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "PASS" in out, out
    assert "loss_cpp" in (tmp_path / "parity.csv").read_text().splitlines()[0]


# -- injected bugs: each must make the lockstep fail -----------------------------------------

class _ScheduleSteppedPerBatch(cpp_stepper.CppStepper):
    def step(self):
        super().step()
        self.rate.advance()


class _MomentumHandedInDampened(cpp_stepper.CppStepper):
    """The wrapper hands C++ a wrong hyperparameter (momentum * 0.99)."""

    def __init__(self, model, plan):
        import dataclasses
        plan = dataclasses.replace(plan, recipe=dataclasses.replace(plan.recipe, momentum=plan.recipe.momentum * 0.99))
        super().__init__(model, plan)


@pytest.mark.parametrize("optimizer, buggy", [("sgd", _ScheduleSteppedPerBatch),
                                              ("momentum", _MomentumHandedInDampened)],
                         ids=["schedule stepped per batch", "momentum handed in wrong"])
def test_a_wrapper_bug_is_caught(monkeypatch, optimizer, buggy):
    import fcann2.cpp.trainer as cpp_trainer
    monkeypatch.setattr(cpp_trainer, "CppStepper", buggy)
    result = lockstep(_cfg(optimizer, "exponential", "minibatch"), candidate="cpp", chaos_check=False)
    assert not result.passed and result.final["max_dtheta"] > 1e-6, result.verdict()


# Test-only builds of the C++ sources with one line changed (never part of the shipped code).
BUGS = {
    "adam without bias correction": ("rules.hpp", "const T bc2 = T(bias_correction2_sqrt), step = T(-lr / bias_correction1);",
                                     "const T bc2 = T(1), step = T(-lr);"),
    "relu mask shifted": ("net.hpp", "d[i] *= y[i] > T(0) ? T(1) : T(0);", "d[i] *= y[i] >= T(0) ? T(1) : T(0);"),
    "missing 1/n in the cross-entropy gradient": ("net.hpp", "const T sn = sum * T(n);", "const T sn = sum;"),
}
BUG_CASES = {"adam without bias correction": ("adam", "minibatch"), "relu mask shifted": ("sgd", "per-sample"),
             "missing 1/n in the cross-entropy gradient": ("sgd", "minibatch")}


def _build_variant(tmp_path, name):
    src = tmp_path / "src"
    shutil.copytree(_lib.Path(_lib.__file__).parent / "src", src)
    header, old, new = BUGS[name]
    text = (src / header).read_text()
    assert text.count(old) == 1, f"{name}: the line to break is not in {header} any more"
    (src / header).write_text(text.replace(old, new))
    out = tmp_path / "variant.so"
    subprocess.run(["g++", "-std=c++17", "-O1", "-ffp-contract=off", "-shared", "-fPIC", "-o", str(out),
                    str(src / "api.cpp")], check=True, capture_output=True)
    return out


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++ to build the test-only variants")
@pytest.mark.parametrize("name", sorted(BUGS))
def test_a_bug_in_the_cpp_sources_is_caught(monkeypatch, tmp_path, name):
    variant = _lib._declare(_lib.ctypes.CDLL(str(_build_variant(tmp_path, name))))
    monkeypatch.setitem(_lib._cache, "state", (variant, None))
    optimizer, batch = BUG_CASES[name]
    result = lockstep(_cfg(optimizer, "constant", batch), steps=100, candidate="cpp", chaos_check=False)
    assert not result.passed and result.final["max_dtheta"] > 1e-6, result.verdict()
