"""K models trained at once are bit-identical to each trained alone: parameters, losses,
histories, best epoch, divergence step - per-model recipe values, seeds and stopping."""
import numpy as np
import pytest

import data_utils as du
from fcann2 import MLP, train
from fcann2.stacked_trainer import train_stacked

RECIPES = {
    "sgd": [{"lr": 0.05}, {"lr": 0.2, "weight_decay": 1e-3}, {"lr": 0.01, "lr_schedule": "cosine"},
            {"lr": 0.3, "momentum": 0.0}],
    "momentum": [{"lr": 0.05, "momentum": 0.9}, {"lr": 0.02, "momentum": 0.5, "lr_schedule": "step", "step_size": 2}],
    "rmsprop": [{"optimizer": "rmsprop", "lr": 0.01}, {"optimizer": "rmsprop", "lr": 0.003, "alpha": 0.9}],
    "adam": [{"optimizer": "adam", "lr": 0.01}, {"optimizer": "adam", "lr": 0.003, "betas": [0.8, 0.99],
                                                  "weight_decay": 1e-2}],
    "early": [{"lr": 0.1, "early_stopping": True, "patience": 1}, {"lr": 0.5, "early_stopping": True, "patience": 2},
              {"lr": 0.001}],
}


def _compare(sizes, activation, loss, recipes, batch_size, X, y, X_test, y_test):
    options = [{**r, "batch_size": batch_size, "epochs": 4, "seed": 10 + k, "validation_data": (X_test, y_test)}
               for k, r in enumerate(recipes)]
    init = [du.init_params(sizes, "he_normal", k) for k in range(len(recipes))]
    alone = [MLP(p, activation, loss) for p in init]
    expected = [train(m, X, y, **o) for m, o in zip(alone, options)]
    stacked = [MLP(p, activation, loss) for p in init]
    got = train_stacked(stacked, X, y, options)
    for a, b, ra, rb in zip(alone, stacked, expected, got):
        assert np.array_equal(a.theta, b.theta)
        assert (ra.status, ra.n_steps, ra.diverged_at, ra.best_epoch, ra.stopped_early) == \
               (rb.status, rb.n_steps, rb.diverged_at, rb.best_epoch, rb.stopped_early)
        assert np.array_equal(ra.loss_per_epoch, rb.loss_per_epoch, equal_nan=True)
        assert ra.history.keys() == rb.history.keys()
        for key in ra.history:
            assert np.array_equal(ra.history[key], rb.history[key], equal_nan=True), key
    return expected


@pytest.mark.parametrize("batch_size", [1, 7, None])
@pytest.mark.parametrize("group", list(RECIPES))
def test_stacked_classification_is_bit_identical(group, batch_size, rng):
    X, y = rng.standard_normal((40, 2)), rng.integers(0, 3, 40)
    _compare([2, 6, 3], "relu", "cross_entropy", RECIPES[group], batch_size, X, y,
             rng.standard_normal((15, 2)), rng.integers(0, 3, 15))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "leaky_relu", "identity"])
def test_stacked_regression_and_activations_are_bit_identical(activation, rng):
    X, y = rng.standard_normal((30, 3)), rng.standard_normal((30, 2))
    results = _compare([3, 5, 4, 2], activation, "mse", RECIPES["sgd"] + [{"lr": 50.0}], 1,
                       X, y, rng.standard_normal((10, 3)), rng.standard_normal((10, 2)))
    assert results[-1].status == "diverged" and results[0].status == "ok"  # one diverges, the rest go on


def test_models_that_cannot_share_a_stack_are_refused(rng):
    X, y = rng.standard_normal((10, 2)), rng.integers(0, 2, 10)
    models = [MLP.from_sizes([2, 3, 2], rng=k) for k in range(2)]
    with pytest.raises(ValueError, match="optimizer"):
        train_stacked(models, X, y, [{"lr": 0.1, "epochs": 1}, {"optimizer": "adam", "lr": 0.1, "epochs": 1}])
    one_epoch = [{"lr": 0.1, "epochs": 1}] * 2
    with pytest.raises(ValueError, match="activation"):
        train_stacked([models[0], MLP.from_sizes([2, 3, 2], "tanh", rng=1)], X, y, one_epoch)
    with pytest.raises(ValueError, match="negative_slope"):
        train_stacked([MLP.from_sizes([2, 3, 2], "leaky_relu", rng=k, negative_slope=0.01 * (k + 1))
                       for k in range(2)], X, y, one_epoch)
    with pytest.raises(ValueError, match="sizes"):
        train_stacked([models[0], MLP.from_sizes([2, 4, 2], rng=1)], X, y, one_epoch)
