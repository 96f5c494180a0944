"""One process per submission: a hang is cut at the time limit; the readings of
parameters from shapes never guess."""
import numpy as np

from experiments.grading.layout import match_roles, readings
from experiments.grading.sandbox import run_isolated


def test_a_hang_is_cut_at_the_time_limit(tmp_path):
    sub = tmp_path / "fcann2.py"
    sub.write_text("def fcann2_train(X, Y_, param_niter, param_delta, param_lambda):\n    while True:\n        pass\n")
    data = tmp_path / "data.npz"
    np.savez(data, X=np.zeros((3, 2)), y=np.zeros(3, dtype=int), Xl=np.zeros((3, 2)), yl=np.zeros(3, dtype=int),
             grid=np.zeros((4, 2)))
    result = run_isolated(sub, data, timeout=3, memory_mb=1024)
    assert result["status"] == "timeout"


def test_shapes_decide_the_layout_and_ambiguity_is_reported():
    W1, b1, W2, b2 = np.ones((2, 5)), np.ones((1, 5)), np.ones((5, 3)), np.ones(3)
    (only,) = readings([b2, W1, W2, b1], D=2, C=3)
    assert only.positions == (1, 3, 2, 0) and only.transposed == (True, True)
    theta = only.to_harness([b2, W1, W2, b1])
    assert [t.shape for t in theta] == [(5, 2), (5,), (3, 5), (3,)]
    # H == C: the two biases and W2's layout cannot be told apart by shape
    assert len(readings([np.ones((2, 3)), np.ones(3), np.ones((3, 3)), np.ones(3)], D=2, C=3)) > 1


def test_arguments_are_filled_by_name():
    def fcann2_train(X, Y_, epochs, eta, reg_lambda, n_hidden=5, verbose=False):
        pass
    roles, unfilled = match_roles(fcann2_train, 2)
    assert roles == {"niter": "epochs", "delta": "eta", "lambda": "reg_lambda", "hidden": "n_hidden"}
    assert not unfilled


def test_the_reference_is_torch_autograd():
    """The grader's NumPy reference gives the gradients of the harness's own reference
    (torch autograd through pt_deep) for the lab's objective."""
    from experiments.grading import reference as ref
    from experiments.parity.gradients import torch_gradients
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 3, 30)
    theta = [rng.normal(size=(5, 2)), rng.normal(size=5), rng.normal(size=(3, 5)), rng.normal(size=3)]
    loss, grads = torch_gradients(list(zip(theta[::2], theta[1::2])), X, y, activation="relu",
                                  loss="cross_entropy", weight_decay=0.1)
    mine = [g + 0.1 * t * (k % 2 == 0) for k, (g, t) in enumerate(zip(ref.gradients(theta, X, y), theta))]
    for a, b in zip(mine, grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert abs(ref.loss_value(theta, X, y, lam=0.1) - loss) < 1e-12
