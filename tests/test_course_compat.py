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


def test_ptdeep_lab_api_float32_forward_get_loss_weights():
    torch.manual_seed(0)
    model = pt_deep.PTDeep([2, 10, 10, 2], torch.relu)
    x32 = torch.randn(5, 2)  # the lab's float32 tensors into the float64 model
    probs = model(x32)
    assert probs.shape == (5, 2) and probs.dtype == torch.float64
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(5, dtype=torch.float64))
    torch.testing.assert_close(model.forward(x32.numpy()), probs)
    assert isinstance(model.weights, torch.nn.ParameterList) and isinstance(model.biases, torch.nn.ParameterList)
    assert [tuple(W.shape) for W in model.weights] == [(10, 2), (10, 10), (2, 10)]
    assert model.weights[0] is model.layers[0].weight and model.biases[2] is model.layers[2].bias
    assert len(list(model.parameters())) == 6  # the lists add no parameters
    Yoh_ = torch.tensor(class_to_onehot([0, 1, 1, 0, 1]), dtype=torch.float32)
    loss = model.get_loss(x32, Yoh_)
    expected = -(Yoh_.double() * torch.log(probs)).sum(dim=1).mean()
    torch.testing.assert_close(loss, expected)
    torch.testing.assert_close(model.get_loss(x32, torch.tensor([0, 1, 1, 0, 1])), expected)
    penalty = 0.5 * 1e-2 * sum((W ** 2).sum() for W in model.weights)
    torch.testing.assert_close(model.get_loss(x32, Yoh_, 1e-2), expected + penalty)
    loss.backward()
    assert model.weights[0].grad is not None


def test_course_train_keywords_and_count_params(capsys):
    X, Y_ = sample_gmm_2d(4, 2, 20, rng=2)
    torch.manual_seed(0)
    init = pt_deep.PTDeep([2, 5, 2], torch.relu).to_params()
    a, b = pt_deep.PTDeep.from_params(init), pt_deep.PTDeep.from_params(init)
    pt_deep.train(a, torch.tensor(X, dtype=torch.float32), torch.tensor(class_to_onehot(Y_)), 50, 0.1, 1e-3)
    pt_deep.train(b, X, Y_, param_niter=50, param_delta=0.1, param_lambda=1e-3)
    np.testing.assert_allclose(pt_deep.eval(a, X), pt_deep.eval(b, X), rtol=1e-6)
    with pytest.raises(TypeError, match="needs param_niter and param_delta"):
        pt_deep.train(b, X, Y_, param_delta=0.1)
    assert pt_deep.count_params(a) == 2 * 5 + 5 + 5 * 2 + 2
    assert "total parameters: 27" in capsys.readouterr().out


def test_fcann2_course_forms_and_global_seed():
    from fcann2 import fcann2_classify, fcann2_train
    X, Y_ = sample_gmm_2d(6, 2, 10, rng=0)
    np.random.seed(100)
    params = fcann2_train(X, Y_, param_niter=200)
    np.random.seed(100)
    again = fcann2_train(X, Y_, param_niter=200)  # np.random.seed makes the lab's script reproducible
    for (W, b), (W2, b2) in zip(params, again):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    (W1, b1), (W2, b2) = params
    probs = fcann2_classify(X, params)
    np.testing.assert_array_equal(fcann2_classify(X, W1, b1, W2, b2), probs)
    np.testing.assert_array_equal(fcann2_classify(X, params, "relu"), probs)
    with pytest.raises(TypeError, match="W1, b1, W2, b2"):
        fcann2_classify(X, W1, b1, W2)


def test_course_kit_writes_the_shim_and_never_overwrites(tmp_path, capsys):
    from data_utils import course_kit
    lab = tmp_path / "lab1"
    assert course_kit.main(["init", str(lab)]) == 0
    assert (lab / "data.py").read_text() == course_kit.SHIM
    assert course_kit.main(["init", str(lab)]) == 0  # idempotent
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "data.py").write_text("# the student's own data.py\n")
    assert course_kit.main(["init", str(mine)]) == 2
    assert "data.py exists and is not this kit's shim" in capsys.readouterr().err
    assert (mine / "data.py").read_text() == "# the student's own data.py\n"
    (tmp_path / "file").write_text("")
    assert course_kit.main(["init", str(tmp_path / "file")]) == 2
