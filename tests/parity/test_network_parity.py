"""Whole networks: numpy backward vs torch autograd at initialisation and after training."""
import numpy as np
import pytest

import fcann2
from data_utils import init_params
from experiments.parity.gradients import gradient_parity

GRAD_RTOL = 1e-10


@pytest.mark.parametrize("sizes, activation, loss", [
    ([2, 5, 2], "relu", "cross_entropy"),
    ([2, 10, 10, 2], "tanh", "cross_entropy"),
    ([9, 6, 2], "sigmoid", "cross_entropy"),
    ([64, 250, 250, 10], "relu", "cross_entropy"),
    ([3, 16, 16, 2], "leaky_relu", "mse"),
    ([4, 7, 3], "identity", "mse"),
])
@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
def test_gradient_parity_at_init_and_after_training(sizes, activation, loss, weight_decay, rng):
    X = rng.standard_normal((32, sizes[0]))
    y = rng.integers(0, sizes[-1], 32) if loss == "cross_entropy" else rng.standard_normal((32, sizes[-1]))
    params = init_params(sizes, "he_normal", rng)
    trained = fcann2.MLP(params, activation, loss)
    fcann2.train(trained, X, y, lr=0.05, batch_size=8, epochs=20, seed=1, weight_decay=weight_decay)
    for when, p in (("init", params), ("trained", trained.params)):
        table = gradient_parity(p, X, y, activation=activation, loss=loss, weight_decay=weight_decay)
        assert table["loss_numpy"].iloc[0] == pytest.approx(table["loss_torch"].iloc[0], rel=1e-12)
        worst = table.loc[table["max_rel"].idxmax()]
        # relative error is meaningful where gradients are not ~0; guard tiny ones with abs
        ok = (table["max_rel"] < GRAD_RTOL) | (table["max_abs"] < 1e-15)
        assert ok.all(), f"{when}: {worst.to_dict()}"


def test_gradient_parity_batch_of_one_and_relu_zero_inputs():
    params = init_params([3, 4, 2], "lecun_normal", 0)
    params[0][1][:] = 0.0
    X = np.zeros((1, 3))  # every hidden pre-activation is exactly 0
    table = gradient_parity(params, X, [1])
    assert (table["max_abs"] == 0).all()
