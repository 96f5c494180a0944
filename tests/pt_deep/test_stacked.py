"""K PTDeep models trained at once end within 1e-12 of each trained alone by ``pt_deep.train``
(autograd + torch.optim + torch's schedulers): parameters, per-epoch losses, histories,
best epoch, early stop, divergence step - per-model recipe values, seeds and stopping."""
import numpy as np
import pytest
import torch

import data_utils as du
from pt_deep import PTDeep, stacked_optim, train
from pt_deep.stacked_trainer import train_stacked

TOL = 1e-12
RECIPES = {
    "sgd": [{"lr": 0.05}, {"lr": 0.2, "weight_decay": 1e-3}, {"lr": 0.01, "lr_schedule": "cosine"},
            {"lr": 0.3, "lr_schedule": "exponential", "gamma": 0.8}],
    "momentum": [{"lr": 0.05, "momentum": 0.9},
                 {"lr": 0.02, "momentum": 0.5, "lr_schedule": "step", "step_size": 2, "weight_decay": 1e-2}],
    "nesterov": [{"lr": 0.05, "momentum": 0.9, "nesterov": True},
                 {"lr": 0.02, "momentum": 0.6, "nesterov": True, "weight_decay": 1e-3}],
    "rmsprop": [{"optimizer": "rmsprop", "lr": 0.01},
                {"optimizer": "rmsprop", "lr": 0.003, "alpha": 0.9, "eps": 1e-6, "weight_decay": 1e-3}],
    "rmsprop_momentum": [{"optimizer": "rmsprop", "lr": 0.01, "momentum": 0.9},
                         {"optimizer": "rmsprop", "lr": 0.003, "alpha": 0.9, "momentum": 0.5}],
    "adam": [{"optimizer": "adam", "lr": 0.01, "lr_schedule": "step", "step_size": 1, "gamma": 0.5},
             {"optimizer": "adam", "lr": 0.003, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 1e-2}],
    "early": [{"lr": 0.1, "early_stopping": True, "patience": 1}, {"lr": 0.5, "early_stopping": True, "patience": 2},
              {"lr": 0.001}],
}


def _close(a, b) -> float:
    """Largest |a - b| / max(1, |a|) of two series; non-finite entries must match exactly."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape
    finite = np.isfinite(a)
    assert np.array_equal(finite, np.isfinite(b)) and np.array_equal(a[~finite], b[~finite], equal_nan=True)
    return float(np.max(np.abs(a[finite] - b[finite]) / np.maximum(1.0, np.abs(a[finite])), initial=0.0))


def _compare(sizes, activation, loss, recipes, batch_size, X, y, X_val, y_val, epochs=4) -> float:
    """Train each recipe alone and all stacked; assert agreement, return the largest difference.
    ``sizes``: of every model, or a list of sizes (one per recipe)."""
    options = [{**r, "batch_size": batch_size, "epochs": epochs, "seed": 10 + k, "validation_data": (X_val, y_val)}
               for k, r in enumerate(recipes)]
    per_model = sizes if isinstance(sizes[0], list) else [sizes] * len(recipes)
    init = [du.init_params(s, "he_normal", k) for k, s in enumerate(per_model)]
    alone = [PTDeep.from_params(p, activation, loss) for p in init]
    expected = [train(m, X, y, **o) for m, o in zip(alone, options)]
    stacked = [PTDeep.from_params(p, activation, loss) for p in init]
    got = train_stacked(stacked, X, y, options)
    worst = 0.0
    for a, b, ra, rb in zip(alone, stacked, expected, got):
        assert (ra.status, ra.n_steps, ra.diverged_at, ra.best_epoch, ra.stopped_early) == \
               (rb.status, rb.n_steps, rb.diverged_at, rb.best_epoch, rb.stopped_early)
        diffs = [_close(pa, pb) for la, lb in zip(a.to_params(), b.to_params()) for pa, pb in zip(la, lb)]
        diffs.append(_close(ra.loss_per_epoch, rb.loss_per_epoch))
        assert ra.history.keys() == rb.history.keys()
        diffs += [_close(ra.history[key], rb.history[key]) for key in ra.history]
        worst = max(worst, *diffs)
    assert worst <= TOL, worst
    return worst


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("group", list(RECIPES))
def test_stacked_classification_matches_alone(group, batch_size, rng):
    X, y = rng.standard_normal((40, 2)), rng.integers(0, 3, 40)
    _compare([2, 6, 3], "relu", "cross_entropy", RECIPES[group], batch_size, X, y,
             rng.standard_normal((15, 2)), rng.integers(0, 3, 15))


@pytest.mark.parametrize("sizes", [[3, 2], [3, 5, 4, 2]])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "leaky_relu", "identity"])
def test_stacked_regression_depths_and_divergence(sizes, activation, rng):
    X, y = rng.standard_normal((30, 3)), rng.standard_normal((30, 2))
    recipes = [{"lr": 0.05}, {"lr": 0.02, "momentum": 0.0, "weight_decay": 1e-2}, {"lr": 50.0}]
    options = dict(X_val=rng.standard_normal((10, 3)), y_val=rng.standard_normal((10, 2)))
    _compare(sizes, activation, "mse", recipes, 1, X, y, **options)
    got = train_stacked([PTDeep.from_params(du.init_params(sizes, "he_normal", k), activation, "mse")
                         for k in range(3)], X, y, [{**r, "batch_size": 1, "epochs": 4} for r in recipes])
    assert [r.status for r in got] == ["ok", "ok", "diverged"]  # one diverges, the others go on


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("group", ["sgd", "momentum", "rmsprop", "adam", "early"])
def test_different_widths_stack_padded_and_match_alone(group, activation, rng):
    X, y = rng.standard_normal((40, 2)), rng.integers(0, 3, 40)
    widths = [[2, 3, 5, 3], [2, 9, 2, 3], [2, 1, 7, 3], [2, 4, 4, 3]]
    recipes = RECIPES[group]
    _compare(widths[:len(recipes)], activation, "cross_entropy", recipes, 7, X, y, X[:15], y[:15])


def test_padding_units_stay_exactly_zero(rng):
    from data_utils.training.stacked_loop import plan_stacked, run_stacked
    from pt_deep.stacked_trainer import StackedTorchStepper
    X, y = rng.standard_normal((30, 2)), rng.integers(0, 3, 30)
    models = [PTDeep.from_params(du.init_params(s, "he_normal", k), "leaky_relu")
              for k, s in enumerate([[2, 2, 3], [2, 6, 3]])]
    options = [{"optimizer": "adam", "lr": 0.05, "weight_decay": 1e-2, "batch_size": 4, "epochs": 5}] * 2
    plans = plan_stacked(models, X, y, options)
    stepper = StackedTorchStepper(models, plans)
    run_stacked(stepper, plans)
    W1, W2 = stepper.weights
    assert W1[0, 2:].abs().max() == 0 and W2[0, :, 2:].abs().max() == 0 and stepper.biases[0][0, 2:].abs().max() == 0
    assert W1[0, :2].abs().min() > 0  # the real units did train


def test_different_widths_need_an_activation_that_keeps_zero_units_zero(rng):
    X, y = rng.standard_normal((10, 2)), rng.integers(0, 2, 10)
    models = [PTDeep.from_params(du.init_params(s, "he_normal", 0), "sigmoid") for s in ([2, 3, 2], [2, 4, 2])]
    with pytest.raises(ValueError, match="sigmoid"):
        train_stacked(models, X, y, [{"lr": 0.1, "epochs": 1}] * 2)
    deeper = [PTDeep([2, 3, 2]), PTDeep([2, 3, 3, 2])]
    with pytest.raises(ValueError, match="depth"):
        train_stacked(deeper, X, y, [{"lr": 0.1, "epochs": 1}] * 2)


def test_longer_run_stays_within_tolerance(rng):
    """The default sweep's shape: per-sample SGD with weight decay, 3 rates, 2 hidden layers."""
    X, y = rng.standard_normal((60, 2)), rng.integers(0, 3, 60)
    recipes = [{"lr": lr, "weight_decay": 1e-4} for lr in (0.003, 0.03, 0.3)]
    worst = _compare([2, 20, 20, 3], "relu", "cross_entropy", recipes, 1, X, y, X[:20], y[:20], epochs=25)
    assert worst > 0  # bmm is not addmm: a difference of exactly 0 would mean nothing was compared


def test_float32_stack_is_within_float32_rounding(rng):
    X, y = rng.standard_normal((40, 2)).astype(np.float32), rng.integers(0, 3, 40)
    recipes = [{"lr": 0.05, "momentum": 0.9}, {"lr": 0.2, "momentum": 0.5, "weight_decay": 1e-3}]
    init = [du.init_params([2, 8, 3], "he_normal", k, dtype=np.float32) for k in range(2)]
    options = [{**r, "batch_size": 1, "epochs": 10, "seed": k} for k, r in enumerate(recipes)]
    alone = [PTDeep.from_params(p) for p in init]
    for m, o in zip(alone, options):
        train(m, X, y, **o)
    stacked = [PTDeep.from_params(p) for p in init]
    train_stacked(stacked, X, y, options)
    for a, b in zip(alone, stacked):
        for pa, pb in zip(a.to_params(), b.to_params()):
            assert pb[0].dtype == np.float32
            assert max(_close(x, z) for x, z in zip(pa, pb)) < 1e-4


# -- injected bugs: the comparison above must catch them -------------------------------------

def test_injected_adam_bias_correction_bug_is_caught(monkeypatch, rng):
    init = stacked_optim.Adam.__init__

    def one_step_ahead(self, *args):
        init(self, *args)
        self.t = 1  # bias corrections of step t + 1

    monkeypatch.setattr(stacked_optim.Adam, "__init__", one_step_ahead)
    X, y = rng.standard_normal((40, 2)), rng.integers(0, 3, 40)
    with pytest.raises(AssertionError):
        _compare([2, 6, 3], "relu", "cross_entropy", RECIPES["adam"], 7, X, y, X[:10], y[:10])


def test_injected_shared_learning_rate_is_caught(monkeypatch, rng):
    read = stacked_optim.EpochRates._read

    def first_models_rate(self):
        read(self)
        self.lr = self.lr[:1].expand_as(self.lr)  # every model at model 0's rate

    monkeypatch.setattr(stacked_optim.EpochRates, "_read", first_models_rate)
    X, y = rng.standard_normal((40, 2)), rng.integers(0, 3, 40)
    with pytest.raises(AssertionError):
        _compare([2, 6, 3], "relu", "cross_entropy", RECIPES["sgd"], 7, X, y, X[:10], y[:10])


def test_models_that_cannot_share_a_stack_are_refused(rng):
    X, y = rng.standard_normal((10, 2)), rng.integers(0, 2, 10)
    models = [PTDeep([2, 3, 2]) for _ in range(2)]
    with pytest.raises(ValueError, match="optimizer"):
        train_stacked(models, X, y, [{"lr": 0.1, "epochs": 1}, {"optimizer": "adam", "lr": 0.1, "epochs": 1}])
    with pytest.raises(ValueError, match="activation"):
        train_stacked([models[0], PTDeep([2, 3, 2], "tanh")], X, y, [{"lr": 0.1, "epochs": 1}] * 2)


def test_threads_are_restored(rng):
    before = torch.get_num_threads()
    train_stacked([PTDeep.from_params(du.init_params([2, 3, 2], "he_normal", k)) for k in range(2)],
                  rng.standard_normal((10, 2)), rng.integers(0, 2, 10), [{"lr": 0.1, "epochs": 1}] * 2, n_threads=1)
    assert torch.get_num_threads() == before
