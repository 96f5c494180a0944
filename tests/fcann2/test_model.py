import numpy as np
import pytest

from fcann2 import MLP, LeakyReLU, Linear, ReLU, load_model, save_model
from fcann2.gradcheck import model_gradient_errors
from fcann2.layers import make_activation
from data_utils import ModelFileError, init_params


@pytest.mark.parametrize("sizes", [[2, 5, 2], [3, 4, 4, 3], [9, 6, 2], [2, 3]])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "identity"])
def test_whole_network_gradients_central_differences(sizes, activation, rng):
    model = MLP.from_sizes(sizes, activation=activation, rng=rng)
    X, y = rng.standard_normal((6, sizes[0])), rng.integers(0, sizes[-1], 6)
    for dW_err, db_err in model_gradient_errors(model, X, y):
        assert dW_err < 1e-7 and db_err < 1e-7, (dW_err, db_err)


def test_mse_network_gradients(rng):
    model = MLP.from_sizes([3, 5, 2], activation="leaky_relu", loss="mse", rng=rng)
    X, T = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    assert max(max(e) for e in model_gradient_errors(model, X, T)) < 1e-7


def test_layers_cache_and_overwrite(rng):
    lin = Linear(rng.standard_normal((3, 2)), np.zeros(3))
    with pytest.raises(RuntimeError, match="before forward"):
        lin.backward(np.ones((1, 3)))
    with pytest.raises(RuntimeError, match="before forward"):
        ReLU().backward(np.ones(2))
    x = rng.standard_normal((4, 2))  # sample-major like every public method: 4 samples as rows
    assert lin.forward(x).shape == (4, 3)
    np.testing.assert_allclose(lin.forward(x), x @ lin.W.T + lin.b)
    assert lin.backward(np.ones((4, 3))).shape == (4, 2)
    first = lin.dW.copy()
    lin.backward(np.ones((4, 3)))
    np.testing.assert_array_equal(lin.dW, first)  # overwritten, not accumulated
    with pytest.raises(ValueError, match="Linear needs W"):
        Linear(np.ones((3, 2)), np.ones(2))
    assert repr(lin) == "Linear(in_features=2, out_features=3)"
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        make_activation("gelu")


def test_model_api(rng):
    model = MLP.from_sizes([2, 4, 3], rng=0)
    X = rng.standard_normal((5, 2))
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), P.argmax(axis=1))
    assert model.sizes == [2, 4, 3] and model.dtype == np.float64
    assert "sizes=[2, 4, 3]" in repr(model)
    with pytest.raises(RuntimeError, match="before loss"):
        model.backward()
    new = init_params([2, 4, 3], rng=5)
    model.set_params(new)
    np.testing.assert_array_equal(model.params[1][0], new[1][0])
    with pytest.raises(ValueError, match="layer 0"):
        model.set_params(init_params([2, 5, 3], rng=5))
    with pytest.raises(ValueError, match="got 1 layers"):
        model.set_params(init_params([2, 3], rng=5))
    reg = MLP.from_sizes([2, 3, 1], loss="mse", rng=0)
    assert reg.predict(X).shape == (5, 1)
    with pytest.raises(ValueError, match="predict_proba needs a cross_entropy model"):
        reg.predict_proba(X)


def test_constructor_validation():
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        MLP(init_params([2, 2], rng=0), loss="hinge")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP.from_sizes([2, 3, 2], activation="swish")
    with pytest.raises(ValueError, match="layer 1 expects 4 inputs but layer 0 gives 3"):
        MLP([(np.ones((3, 2)), np.ones(3)), (np.ones((2, 4)), np.ones(2))])
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        MLP([(np.ones((3, 2), dtype=np.int64), np.ones(3))])


@pytest.mark.parametrize("X, y, match", [
    (np.ones((3, 3)), [0, 1, 0], "has 3 features, expected 2"),
    (np.array([[np.nan, 1.0]]), [0], "NaN"),
    (np.ones((2, 2)), [0, 3], "label 3 out of range 0..1"),
    (np.ones((2, 2)), [0, 1, 1], "has 3 labels but X has 2 samples"),
])
def test_bad_input(X, y, match):
    model = MLP.from_sizes([2, 3, 2], rng=0)
    with pytest.raises(ValueError, match=match):
        model.loss(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_load_round_trip_exact(tmp_path, dtype):
    model = MLP.from_sizes([3, 4, 4, 2], activation="leaky_relu", rng=1, dtype=dtype, negative_slope=0.2)
    loaded = load_model(save_model(model, tmp_path / "m.npz"))
    assert loaded.sizes == model.sizes and loaded.dtype == dtype
    assert loaded.activation == "leaky_relu" and loaded.negative_slope == 0.2
    for (W, b), (W2, b2) in zip(model.params, loaded.params):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)


def test_load_rejects_unknown_activation_and_garbage(tmp_path):
    from data_utils import save_params_npz
    save_params_npz(tmp_path / "a.npz", init_params([2, 2], rng=0),
                    {"sizes": [2, 2], "activation": "gelu", "loss": "cross_entropy", "dtype": "float64"})
    with pytest.raises(ModelFileError, match="unknown activation 'gelu'"):
        load_model(tmp_path / "a.npz")
    save_params_npz(tmp_path / "l.npz", init_params([2, 2], rng=0),
                    {"sizes": [2, 2], "activation": "relu", "loss": "hinge", "dtype": "float64"})
    with pytest.raises(ModelFileError, match="unknown loss 'hinge'"):
        load_model(tmp_path / "l.npz")
    (tmp_path / "g.npz").write_bytes(b"not a zip at all")
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "g.npz")
