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
