"""Every layer and loss: a hand-computed example and central differences (float64)."""
import numpy as np
import pytest

from fcann2 import functional as F
from fcann2.gradcheck import numerical_gradient

ACTS = sorted(F.ACTIVATIONS)


def test_linear_hand_example():
    x = np.array([[1.0], [2.0]])  # feature-major: one column per sample
    W = np.array([[1.0, 0.0], [0.5, -1.0], [2.0, 1.0]])
    b = np.array([0.0, 1.0, -1.0])
    np.testing.assert_array_equal(F.linear_forward(x, W, b), [[1.0], [-0.5], [3.0]])
    dx, dW, db = F.linear_backward(np.array([[1.0], [0.0], [2.0]]), x, W)
    np.testing.assert_array_equal(dx, [[5.0], [2.0]])
    np.testing.assert_array_equal(dW, [[1.0, 2.0], [0.0, 0.0], [2.0, 4.0]])
    np.testing.assert_array_equal(db, [1.0, 0.0, 2.0])
    dx, dW2, db2 = F.linear_backward(np.array([[1.0], [0.0], [2.0]]), x, W, np.empty((3, 2)), np.empty(3),
                                     need_dx=False)
    assert dx is None
    np.testing.assert_array_equal(dW2, dW)


@pytest.mark.parametrize("name, expected", [
    ("relu", [0.0, 0.0, 2.0]), ("leaky_relu", [-0.01, 0.0, 2.0]),
    ("sigmoid", [1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-2))]), ("tanh", np.tanh([-1.0, 0.0, 2.0])),
    ("identity", [-1.0, 0.0, 2.0]),
])
def test_activation_hand_examples(name, expected):
    fwd, _ = F.ACTIVATIONS[name]
    np.testing.assert_allclose(fwd(np.array([-1.0, 0.0, 2.0])), expected, rtol=1e-15)


def test_derivative_at_exactly_zero_matches_pytorch_convention():
    x = np.zeros(3)
    dout = np.ones(3)
    assert np.all(F.relu_backward(dout, x, F.relu(x)) == 0)
    assert np.all(F.leaky_relu_backward(dout, x, None, 0.1) == 0.1)


@pytest.mark.parametrize("name", ACTS)
@pytest.mark.parametrize("shape", [(1, 1), (3, 4), (7, 2)])
@pytest.mark.parametrize("seed", [0, 1])
def test_activation_backward_central_differences(name, shape, seed):
    r = np.random.default_rng(seed)
    x = r.standard_normal(shape)
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink
    dout = r.standard_normal(shape)
    fwd, bwd = F.ACTIVATIONS[name]
    analytic = bwd(dout, x, fwd(x))
    numeric = numerical_gradient(lambda: float((fwd(x) * dout).sum()), x)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("shape", [(1, 1, 1), (4, 3, 2), (5, 1, 6)])
def test_linear_backward_central_differences(shape, rng):
    n, i, o = shape
    x, W, b = rng.standard_normal((i, n)), rng.standard_normal((o, i)), rng.standard_normal(o)
    dout = rng.standard_normal((o, n))
    dx, dW, db = F.linear_backward(dout, x, W)
    f = lambda: float((F.linear_forward(x, W, b) * dout).sum())  # noqa: E731
    for analytic, p in ((dx, x), (dW, W), (db, b)):
        np.testing.assert_allclose(analytic, numerical_gradient(f, p), rtol=1e-7, atol=1e-9)


def test_cross_entropy_hand_example():
    logits = np.array([[0.0, np.log(3.0)], [0.0, 0.0]])  # (C, n): two samples as columns
    loss, d = F.softmax_cross_entropy(logits, np.array([0, 1]))
    assert loss == pytest.approx((np.log(2) + np.log(4)) / 2, rel=1e-15)
    np.testing.assert_allclose(d, [[-0.25, 0.375], [0.25, -0.375]], rtol=1e-15)


def test_cross_entropy_is_stable_for_huge_logits():
    loss, d = F.softmax_cross_entropy(np.array([[1000.0], [-1000.0], [0.0]]), np.array([1]))
    assert loss == pytest.approx(2000.0) and np.isfinite(d).all()
    np.testing.assert_allclose(F.softmax(np.array([[1e4], [0.0]])), [[1.0], [0.0]])


@pytest.mark.parametrize("n, C", [(1, 2), (5, 3), (8, 10)])
def test_cross_entropy_central_differences(n, C, rng):
    logits, y = rng.standard_normal((C, n)) * 3, rng.integers(0, C, n)
    _, d = F.softmax_cross_entropy(logits, y)
    numeric = numerical_gradient(lambda: F.softmax_cross_entropy(logits, y)[0], logits)
    np.testing.assert_allclose(d, numeric, rtol=1e-7, atol=1e-9)  # atol: roundoff of eps=1e-6
    np.testing.assert_allclose(np.exp(F.log_softmax(logits)).sum(axis=0), 1.0)


def test_mse_hand_example_and_central_differences(rng):
    loss, d = F.mse_loss(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [3.0, 5.0]]))
    assert loss == pytest.approx((4 + 1) / 4)  # mean over all elements, no 1/2
    np.testing.assert_allclose(d, [[0.0, 1.0], [0.0, -0.5]])
    out, t = rng.standard_normal((3, 6)), rng.standard_normal((3, 6))
    _, d = F.mse_loss(out, t)
    np.testing.assert_allclose(d, numerical_gradient(lambda: F.mse_loss(out, t)[0], out), rtol=1e-7, atol=1e-10)
