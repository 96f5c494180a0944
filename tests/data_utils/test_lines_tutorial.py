"""The lines data are the tutorial's own, and its claims hold for a [9, 6, 2] ReLU network
with var-1/fan_in normal initialisation trained full batch (lr 0.1, seed 0): maximum
training accuracy first reached around iteration 68 (we get 67), accuracy 1.0 on both
validation sets - in both implementations."""
import numpy as np
import pytest

import fcann2
import pt_deep
from data_utils import init_params
from data_utils.datasets import lines3x3


def test_tutorial_values_and_layout():
    X, y = lines3x3.lines_train()
    assert X.shape == (24, 9) and np.array_equal(np.bincount(y), [12, 12])
    lit = X[X > 0]
    assert lit.min() == 0.7 and lit.max() == 1.0
    imgs = X.reshape(-1, 3, 3)
    assert all(np.count_nonzero(img.sum(axis=0)) == 1 for img in imgs[y == 0])  # "vertical": one column
    assert all(np.count_nonzero(img.sum(axis=1)) == 1 for img in imgs[y == 1])
    np.testing.assert_array_equal(imgs[0], [[1, 0, 0], [1, 0, 0], [1, 0, 0]])  # published row 1_1,1_2,1_3
    Xd, yd = lines3x3.lines_dimmed()
    assert Xd.shape == (18, 9) and np.array_equal(np.bincount(yd), [9, 9])
    assert (np.sort(Xd, axis=1)[:, -3:] == [0.4, 1, 1]).all()  # two full pixels and one dimmed
    assert set(np.unique(lines3x3.lines_dimmed(0.2)[0])) == {0.0, 0.2, 1.0}


@pytest.mark.parametrize("impl", [fcann2, pt_deep])
def test_tutorial_claims(impl):
    X, y = lines3x3.lines_train()
    Xd, yd = lines3x3.lines_dimmed()
    Xn, yn = lines3x3.lines_noisy(rng=0)
    params = init_params([9, 6, 2], "lecun_normal", np.random.default_rng(0))
    model = (fcann2.MLP if impl is fcann2 else pt_deep.PTDeep).from_params(params)
    extra = {} if impl is fcann2 else {"n_threads": 1}
    result = impl.train(model, X, y, lr=0.1, batch_size=None, n_iter=3000, eval_sets={"train": (X, y)}, **extra)
    acc = np.array(result.history["train_score"])
    first = int(np.argmax(acc == acc.max())) + 1  # one full-batch step per epoch
    assert acc.max() == 1.0 and 50 <= first <= 90, first  # the tutorial: about 68; we get 67
    assert (model.predict(Xd) == yd).mean() == 1.0
    assert (model.predict(Xn) == yn).mean() == 1.0
