import numpy as np
import pytest

from data_utils import Random2DGaussian, class_to_onehot, sample_gauss_2d, sample_gmm_2d
from data_utils.datasets import lines3x3, regression, toy2d


def test_random_gaussian_mean_in_box_and_cov_is_spd():
    for seed in range(20):
        g = Random2DGaussian(seed)
        assert np.all((g.mean >= 0) & (g.mean <= 10))
        assert np.allclose(g.cov, g.cov.T)
        assert np.all(np.linalg.eigvalsh(g.cov) > 0)
        # eigenvalues are (U(0,1) * 10 / 5)^2 <= 4
        assert np.all(np.linalg.eigvalsh(g.cov) <= 4 + 1e-12)
    X = Random2DGaussian(0).get_sample(5000)
    g = Random2DGaussian(0)
    assert X.shape == (5000, 2)
    np.testing.assert_allclose(X.mean(axis=0), g.mean, atol=0.15)
    np.testing.assert_allclose(np.cov(X.T), g.cov, atol=0.25)


def test_sample_gauss_2d_shapes_and_classes():
    X, Y = sample_gauss_2d(3, 50, rng=0)
    assert X.shape == (150, 2) and X.dtype == np.float64
    assert Y.shape == (150,) and Y.dtype == np.int64
    assert np.array_equal(np.bincount(Y), [50, 50, 50])


def test_sample_gmm_2d_component_classes():
    X, Y = sample_gmm_2d(6, 2, 10, rng=1)
    assert X.shape == (60, 2) and Y.shape == (60,)
    # each block of N points is one component with one class
    assert all(len(set(Y[k * 10:(k + 1) * 10])) == 1 for k in range(6))
    assert set(Y) <= {0, 1}


def test_generators_are_deterministic_and_never_touch_global_state():
    np.random.seed(0)
    before = np.random.random()
    np.random.seed(0)
    a = sample_gmm_2d(4, 3, 5, rng=42)
    b = sample_gmm_2d(4, 3, 5, rng=np.random.default_rng(42))
    assert np.random.random() == before
    np.testing.assert_array_equal(a[0], b[0])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_counts_validated(bad):
    with pytest.raises(ValueError, match="positive integer"):
        sample_gauss_2d(bad, 10)


def test_class_to_onehot():
    np.testing.assert_array_equal(class_to_onehot([0, 2, 1]), [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert class_to_onehot([0, 1], n_classes=4).shape == (2, 4)
    with pytest.raises(ValueError, match="out of range"):
        class_to_onehot([0, 5], n_classes=3)


@pytest.mark.parametrize("make", [toy2d.make_blobs, toy2d.make_moons, toy2d.make_circles,
                                  toy2d.make_xor, toy2d.make_spiral])
def test_toy_sets(make):
    X, y = make(n_samples=100, rng=3)
    assert X.shape == (100, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.isfinite(X).all()
    X2, y2 = make(n_samples=100, rng=3)
    np.testing.assert_array_equal(X, X2)


def test_xor_labels_without_noise():
    X, y = toy2d.make_xor(200, noise=0.0, rng=0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) != (X[:, 1] > 0))


def test_spiral_arms_are_point_reflections_without_noise():
    X, y = toy2d.make_spiral(200, noise=0.0, rng=0)
    assert np.all(np.linalg.norm(X, axis=1) <= 1 + 1e-12)
    assert np.array_equal(np.bincount(y), [100, 100])


def test_noise_validated():
    with pytest.raises(ValueError, match="noise must be >= 0, got -0.1"):
        toy2d.make_moons(noise=-0.1)


def test_lines_sets():  # the tutorial data themselves: test_lines_tutorial.py
    X, y = lines3x3.lines_train()
    assert X.shape == (24, 9) and np.array_equal(np.bincount(y), [12, 12])
    imgs = X.reshape(-1, 3, 3)
    vertical = imgs[y == 0]
    # a vertical stroke lights a single column
    assert all(np.count_nonzero(img.sum(axis=0)) == 1 for img in vertical)
    assert all(np.count_nonzero(img.sum(axis=1)) == 1 for img in imgs[y == 1])
    assert len({tuple(r) for r in X}) == 24
    Xd, yd = lines3x3.lines_dimmed()
    assert Xd.shape == (18, 9) and set(np.unique(Xd)) == {0.0, 0.4, 1.0}
    Xn, yn = lines3x3.lines_noisy(rng=0)
    assert Xn.shape == (24, 9) and Xn.min() >= 0 and Xn.max() <= 1
    np.testing.assert_array_equal(yn, y)
    assert 0.1 < np.std(Xn - X) < 0.2


def test_noisy_1d():
    x, y = regression.make_noisy_1d(300, noise=0.0, function="cubic", rng=0)
    assert x.shape == (300, 1) and y.shape == (300,)
    np.testing.assert_allclose(y, 0.1 * x[:, 0] ** 3 - 0.5 * x[:, 0])
    with pytest.raises(ValueError, match="function must be one of"):
        regression.make_noisy_1d(function="exp")
    with pytest.raises(ValueError, match="low must be < high"):
        regression.make_noisy_1d(low=1, high=0)
