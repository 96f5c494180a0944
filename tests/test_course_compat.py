"""The course lab's scripts run unchanged: global NumPy seeding, pyplot's current axes,
torch activation callables, ``count_params``, ``pt_deep.train``/``eval`` and the public
layer classes' (n, features) layout."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import pt_deep  # noqa: E402
from data_utils import class_to_onehot, graph_data, graph_surface, sample_gauss_2d, sample_gmm_2d  # noqa: E402
from fcann2 import Linear, Sigmoid  # noqa: E402


def test_global_seed_reproduces_course_data():
    np.random.seed(100)
    X1, Y1 = sample_gmm_2d(6, 2, 10)
    np.random.seed(100)
    X2, Y2 = sample_gmm_2d(6, 2, 10)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    np.random.seed(100)
    Xa, _ = sample_gauss_2d(2, 5)
    np.random.seed(101)
    Xb, _ = sample_gauss_2d(2, 5)
    assert not np.allclose(Xa, Xb)
    # an explicit rng stays the documented, state-free way
    np.testing.assert_array_equal(sample_gmm_2d(6, 2, 10, rng=3)[0], sample_gmm_2d(6, 2, 10, rng=3)[0])


def test_graph_functions_draw_on_current_axes():
    plt.close("all")
    fig = plt.figure()
    X, Y_ = sample_gauss_2d(2, 20, rng=0)
    rect = (X.min(axis=0), X.max(axis=0))
    graph_surface(lambda P: P[:, 0] - P[:, 1], rect, offset=0)
    graph_data(X, Y_, Y_)
    assert plt.get_fignums() == [fig.number]
    ax = fig.axes[0]
    assert ax.collections  # the surface and the points are on the figure plt.show() shows
    assert len(ax.collections) >= 2
    plt.close("all")


@pytest.mark.parametrize("fn, name", [(torch.relu, "relu"), (torch.sigmoid, "sigmoid"), (torch.tanh, "tanh")])
def test_ptdeep_accepts_torch_callables(fn, name):
    model = pt_deep.PTDeep([2, 10, 10, 2], fn)
    assert model.activation == name
    x = torch.randn(5, 2, dtype=torch.float64)
    expected = x
    for layer in model.layers[:-1]:
        expected = fn(layer(expected))
    logits = model.layers[-1](expected)
    assert torch.allclose(model.logits(x), logits)
    assert torch.allclose(model(x), torch.softmax(logits, dim=1))  # the lab's forward: probabilities
    with pytest.raises(ValueError, match="unsupported activation"):
        pt_deep.PTDeep([2, 2], torch.exp)


def test_count_params_prints_and_returns(capsys):
    model = pt_deep.PTDeep([2, 10, 2], torch.relu)
    total, shapes = model.count_params()
    out = capsys.readouterr().out
    assert "layers.0.weight: [10, 2]" in out and "layers.1.bias: [2]" in out
    assert "total parameters: 52" in out and total == 52


def test_course_train_and_eval_one_hot_or_labels():
    X, Y_ = sample_gmm_2d(4, 2, 40, rng=2)  # both classes present
    Yoh_ = class_to_onehot(Y_)
    torch.manual_seed(0)  # nn.Linear's default init draws from torch's global generator
    init = pt_deep.PTDeep([2, 10, 2], torch.relu).to_params()
    a, b = pt_deep.PTDeep.from_params(init), pt_deep.PTDeep.from_params(init)
    result = pt_deep.train(a, torch.tensor(X), torch.tensor(Yoh_), 300, 0.1, 1e-4)
    pt_deep.train(b, X, Y_, 300, 0.1, 1e-4)
    assert result.status == "ok" and result.n_steps == 300
    probs = pt_deep.eval(a, X)
    assert isinstance(probs, np.ndarray) and probs.shape == (len(X), 2)
    np.testing.assert_allclose(probs, pt_deep.eval(b, torch.tensor(X)))
    assert (probs.argmax(axis=1) == Y_).mean() > 0.7
    # the keyword form still works and means the same
    c = pt_deep.PTDeep.from_params(init)
    pt_deep.train(c, X, Y_, n_iter=300, lr=0.1, weight_decay=1e-4)
    np.testing.assert_allclose(pt_deep.eval(c, X), probs)
    with pytest.raises(TypeError, match="both as course arguments and by keyword"):
        pt_deep.train(c, X, Y_, 10, 0.1, lr=0.2)
    with pytest.raises(ValueError, match="one-hot"):
        pt_deep.train(c, X, np.full((len(X), 2), 0.5), 10, 0.1)


def test_public_layers_are_sample_major():
    rng = np.random.default_rng(0)
    W, b = 0.01 * rng.standard_normal((3, 4)), np.zeros(3)
    lin, act = Linear(W, b), Sigmoid()
    x = rng.standard_normal((5, 4))
    h = act.forward(lin.forward(x))
    np.testing.assert_allclose(h, 1 / (1 + np.exp(-(x @ W.T + b))))
    dx = lin.backward(act.backward(np.ones((5, 3))))
    s = h * (1 - h)
    np.testing.assert_allclose(lin.dW, s.T @ x)
    np.testing.assert_allclose(dx, s @ W)
