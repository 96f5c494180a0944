"""The lean per-sample path is the general path's arithmetic: bit-identical parameters and
step losses for every activation, both losses and every optimizer."""
import numpy as np
import pytest

import data_utils as du
from data_utils.training.loop import run_training
from fcann2 import MLP, iter_train
from fcann2.trainer import LeanStepper, NumpyStepper

OPTIMIZERS = [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True}, {"optimizer": "rmsprop", "lr": 0.01},
              {"optimizer": "rmsprop", "lr": 0.01, "momentum": 0.5}, {"optimizer": "adam", "lr": 0.01}]


def _run(stepper, activation, loss, recipe, X, y):
    sizes = [2, 7, 5, 3 if loss == "cross_entropy" else 2]
    model = MLP(du.init_params(sizes, "he_normal", 1), activation, loss)
    result = run_training(stepper, model, X, y, batch_size=1, epochs=3, weight_decay=1e-3, seed=4,
                          record_steps=True, lr_schedule="step", step_size=1, gamma=0.5, **{"lr": 0.05, **recipe})
    return model.theta.copy(), np.array(result.loss_per_step)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "identity"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_lean_path_is_bit_identical_to_the_general_path(activation, loss, rng):
    X = rng.standard_normal((40, 2))
    y = rng.integers(0, 3, 40) if loss == "cross_entropy" else rng.standard_normal((40, 2))
    for recipe in OPTIMIZERS:
        general, lean = (_run(s, activation, loss, recipe, X, y) for s in (NumpyStepper, LeanStepper))
        assert np.array_equal(general[0], lean[0], equal_nan=True), recipe
        assert np.array_equal(general[1], lean[1], equal_nan=True), recipe  # a diverged run: NaN at the same step


def test_the_general_path_is_used_until_the_lean_one_is_faster(rng):
    X, y = rng.standard_normal((10, 2)), rng.integers(0, 2, 10)
    model = MLP.from_sizes([2, 3, 2], rng=0)
    assert type(iter_train(model, X, y, lr=0.1, batch_size=1, epochs=1).stepper) is NumpyStepper
