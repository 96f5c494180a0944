"""Behaviour both trainers must share: they learn, they diverge gracefully, they reject bad data."""
import numpy as np
import pytest

from data_utils import init_params, load_dataset
from experiments.implementations.registry import get_impl


class Impl:
    """One implementation (``experiments.implementations.registry``) with a test-friendly model factory."""

    def __init__(self, name):
        self.name = name
        self._impl = get_impl(name)
        self.train = self._impl.train

    def model(self, sizes, activation="relu", loss="cross_entropy", init="lecun_normal", rng=0,
              dtype=np.float64):
        return self._impl.model.from_params(init_params(sizes, init, rng, dtype=dtype), activation, loss)


@pytest.fixture(params=["numpy", "torch"])
def impl(request):
    return Impl(request.param)


def test_course_bar_on_gmm(impl, gmm_data):
    X, y = gmm_data
    model = impl.model([2, 5, 2], rng=0)
    result = impl.train(model, X, y, lr=0.05, weight_decay=1e-3, batch_size=None, n_iter=3000)
    assert result.status == "ok" and np.mean(model.predict(X) == y) >= 0.95


@pytest.mark.parametrize("sizes, activation, dtype, lr", [
    ([2, 10, 10, 2], "relu", np.float64, 0.1),
    ([2, 16, 16, 16, 2], "tanh", np.float64, 0.1),
    ([2, 10, 2], "sigmoid", np.float64, 0.5),
    ([2, 10, 10, 2], "relu", np.float32, 0.1),
])
def test_networks_train(impl, sizes, activation, dtype, lr):
    ds = load_dataset("moons", seed=0, standardize=True, noise=0.1)
    model = impl.model(sizes, activation=activation, dtype=dtype)
    result = impl.train(model, ds.X_train, ds.y_train, lr=lr, batch_size=16, epochs=100, seed=0)
    assert result.status == "ok" and model.to_params()[0][0].dtype == dtype
    assert np.mean(model.predict(ds.X_test) == ds.y_test) >= (0.9 if activation == "sigmoid" else 0.95)
    assert result.loss_per_epoch[-1] < result.loss_per_epoch[0]


def test_regression_mse_leaky_relu(impl):
    ds = load_dataset("noisy_1d", seed=0, noise=0.05, n_samples=300)
    model = impl.model([1, 32, 32, 1], activation="leaky_relu", loss="mse", init="he_normal")
    result = impl.train(model, ds.X_train, ds.y_train, lr=0.05, batch_size=16, epochs=300, seed=1)
    assert result.status == "ok"
    assert np.mean((model.predict(ds.X_test)[:, 0] - ds.y_test) ** 2) < 0.01


def test_deep_wide_network_float32(impl):
    ds = load_dataset("digits", seed=0, standardize=True)
    model = impl.model([64, 250, 250, 10], init="he_normal", dtype=np.float32)
    impl.train(model, ds.X_train.astype(np.float32), ds.y_train, lr=0.05, batch_size=32, epochs=8, seed=0)
    assert np.mean(model.predict(ds.X_test) == ds.y_test) > 0.93


def test_divergence_is_a_result_not_a_crash(impl, recwarn):
    ds = load_dataset("noisy_1d", seed=0)
    model = impl.model([1, 8, 1], activation="identity", loss="mse")
    result = impl.train(model, ds.X_train, ds.y_train, lr=5.0, batch_size=None, n_iter=500)
    assert result.status == "diverged" and result.n_steps == result.diverged_at < 500
    assert all(np.isfinite(W).all() for W, _ in model.to_params())  # bad update not applied
    assert not np.isfinite(result.loss_per_epoch[-1])
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("kwargs, match", [
    ({"lr": 0.0, "n_iter": 1}, "lr: must be > 0, got 0.0"),
    ({"lr": -0.1, "n_iter": 1}, "lr: must be > 0, got -0.1"),
    ({"lr": 0.1, "n_iter": 1, "weight_decay": -1}, "weight_decay: must be >= 0, got -1"),
    ({"lr": 0.1}, "give epochs, n_iter or an explicit schedule"),
    ({"lr": 0.1, "epochs": 1, "batch_size": 0}, "batch_size must be a positive integer"),
])
def test_rejects_bad_arguments(impl, gmm_data, kwargs, match):
    X, y = gmm_data
    with pytest.raises(ValueError, match=match):
        impl.train(impl.model([2, 3, 2]), X, y, **kwargs)


def test_rejects_bad_data(impl, gmm_data):
    X, y = gmm_data
    model = impl.model([2, 3, 2])
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="row 3, column 1"):
        impl.train(model, Xn, y, lr=0.1, n_iter=1)
    with pytest.raises(ValueError, match="label 2 out of range 0..1"):
        impl.train(model, X, np.where(y == 1, 2, 0), lr=0.1, n_iter=1)
    with pytest.raises(ValueError, match="must be 2-D"):
        impl.train(model, X[:, 0], y, lr=0.1, n_iter=1)
    with pytest.raises(ValueError, match="has 3 features, expected 2"):
        impl.train(model, np.ones((60, 3)), y, lr=0.1, n_iter=1)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        impl.model([2, 3, 2], activation="swish")
