"""The C++ network alone: gradients of one backward pass against torch autograd (every
activation and loss, several depths, float64 to 1e-12), outputs and probabilities against
fcann2, float32, and the model interface."""
import numpy as np
import pytest

import fcann2
from data_utils import init_params
from data_utils.training.loop import plan_training
from experiments.parity.gradients import torch_gradients
from fcann2.cpp import CppMLP, CppStepper

CASES = [([2, 5, 2], "relu", "cross_entropy"), ([2, 10, 10, 3], "tanh", "cross_entropy"),
         ([9, 6, 2], "sigmoid", "cross_entropy"), ([3, 16, 16, 2], "leaky_relu", "mse"),
         ([4, 7, 3], "identity", "mse"), ([5, 3], "relu", "cross_entropy"),
         ([20, 40, 30, 20, 4], "relu", "cross_entropy")]


def _data(sizes, loss, rng, n=16, dtype=np.float64):
    X = rng.standard_normal((n, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], n) if loss == "cross_entropy" else rng.standard_normal((n, sizes[-1])).astype(dtype)
    return X, y


def cpp_gradients(model, X, y, index, weight_decay=0.0):
    """Objective and flat gradients ``[dW1, db1, ...]`` of one C++ backward pass on ``X[index]``
    (the stepper adds ``weight_decay * W`` in its step, before the rule: added here)."""
    stepper = CppStepper(model, plan_training(model, X, y, lr=0.1, weight_decay=weight_decay, n_iter=1))
    loss = stepper.loss_and_grad(index)
    return loss, [g + weight_decay * p if k == 0 else g.copy()
                  for (dW, db), (W, b) in zip(model.grads, model.params) for k, (g, p) in enumerate(((dW, W), (db, b)))]


@pytest.mark.parametrize("sizes, activation, loss", CASES)
@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
def test_one_backward_pass_matches_torch_autograd(sizes, activation, loss, weight_decay, rng):
    X, y = _data(sizes, loss, rng)
    params = init_params(sizes, "he_normal", rng)
    model = CppMLP(params, activation, loss)
    for index in (np.arange(16), np.array([3]), slice(0, 16)):   # minibatch, one sample, full batch
        value, grads = cpp_gradients(model, X, y, index, weight_decay)
        rows = np.arange(16)[index]
        ref_value, reference = torch_gradients(params, X[rows], y[rows], activation=activation, loss=loss,
                                               weight_decay=weight_decay)
        assert value == pytest.approx(ref_value, rel=1e-13, abs=1e-15)
        for g, r in zip(grads, reference):
            np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-15)


def test_relu_derivative_at_zero_is_zero_like_torch():
    params = init_params([3, 4, 2], "lecun_normal", 0)
    params[0][1][:] = 0.0
    X, y = np.zeros((1, 3)), np.array([1])   # every hidden pre-activation is exactly 0
    _, grads = cpp_gradients(CppMLP(params), X, y, np.array([0]))
    _, reference = torch_gradients(params, X, y, activation="relu", loss="cross_entropy")
    for g, r in zip(grads, reference):
        np.testing.assert_array_equal(g, r)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-14), (np.float32, 1e-5)])
@pytest.mark.parametrize("sizes, activation, loss", CASES[:5])
def test_outputs_and_probabilities_match_fcann2(sizes, activation, loss, dtype, tol, rng):
    X, y = _data(sizes, loss, rng, n=2000, dtype=dtype)   # more rows than one evaluation chunk
    params = init_params(sizes, "he_normal", rng, dtype=dtype)
    ours, theirs = CppMLP(params, activation, loss), fcann2.MLP(params, activation, loss)
    out = ours.output(X)
    assert out.dtype == dtype and out.shape == (2000, sizes[-1])
    np.testing.assert_allclose(out, theirs.output(X), rtol=tol, atol=tol)
    assert ours.loss(X, y) == pytest.approx(theirs.loss(X, y), rel=tol)
    if loss == "cross_entropy":
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=tol, atol=tol)
        assert (ours.predict(X) == theirs.predict(X)).mean() > 0.999


def test_the_model_interface(rng):
    params = init_params([3, 4, 2], "he_normal", rng)
    model = CppMLP.from_params(params, "tanh")
    assert model.sizes == [3, 4, 2] and model.dtype == np.float64 and model.loss_name == "cross_entropy"
    copies = model.to_params()
    copies[0][0][...] = 0.0                                    # copies, not views
    assert not np.array_equal(model.params[0][0], copies[0][0])
    model.set_params(copies)
    assert not model.params[0][0].any() and model.output(np.ones((2, 3))).shape == (2, 2)
    with pytest.raises(ValueError, match="layer 0"):
        model.set_params([(np.zeros((5, 3)), np.zeros(5)), params[1]])
    with pytest.raises(ValueError, match="unknown activation"):
        CppMLP(params, "swish")
    with pytest.raises(ValueError, match="predict_proba needs a cross_entropy"):
        CppMLP(params, "relu", "mse").predict_proba(np.ones((1, 3)))
    with pytest.raises(ValueError):
        model.output(np.ones((2, 5)))                          # the wrong number of features


def test_a_model_pickles_and_copies_by_value(rng):
    import copy
    import pickle
    model = CppMLP(init_params([3, 4, 2], "he_normal", rng), "leaky_relu", "mse", 0.2)
    X = rng.standard_normal((5, 3))
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert (clone.activation, clone.loss_name, clone.negative_slope) == ("leaky_relu", "mse", 0.2)
        assert np.array_equal(clone.output(X), model.output(X))
        clone.params[0][0][...] = 0.0
        assert model.params[0][0].any()                        # its own buffers
