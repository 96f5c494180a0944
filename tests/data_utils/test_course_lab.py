"""The course lab's data.py, re-stated here plainly from the lab's algorithm (not imported,
not copied), against ``data_utils.course``: the same seeds give the same points and labels,
the same metrics, and ``from data_utils.course import *`` gives the lab file's names."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import data_utils.course as data  # noqa: E402
from data_utils import sample_gmm_2d  # noqa: E402


# -- the lab's generator, step by step, from NumPy's global state ------------------------
def lab_gaussian():
    """mean (2 uniforms), eigenvalues (2 uniforms, times range/scalecov, squared), angle (1)."""
    mean = np.array([0.0, 0.0]) + np.random.random_sample(2) * np.array([10.0, 10.0])
    eig = np.random.random_sample(2)
    eig = eig * np.array([10.0 / 5, 10.0 / 5])
    eig = eig ** 2
    theta = np.random.random_sample() * np.pi * 2
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    cov = np.dot(np.dot(R.T, np.diag(eig)), R)
    return lambda n: np.random.multivariate_normal(mean, cov, n)


def lab_gmm(ncomponents, nclasses, nsamples):
    samplers, labels = [], []
    for _ in range(ncomponents):      # each component's Gaussian, then its class
        samplers.append(lab_gaussian())
        labels.append(np.random.randint(nclasses))
    X = np.vstack([s(nsamples) for s in samplers])
    Y = np.hstack([[y] * nsamples for y in labels])
    return X, Y


def lab_gauss(nclasses, nsamples):
    samplers = [lab_gaussian() for _ in range(nclasses)]
    return np.vstack([s(nsamples) for s in samplers]), np.hstack([[c] * nsamples for c in range(nclasses)])


def test_seed_100_gives_the_labs_balanced_labels():
    np.random.seed(100)
    _, Y_ = data.sample_gmm_2d(4, 2, 40)
    assert np.bincount(Y_).tolist() == [80, 80]  # the issue: 80/80 in the lab, 0/160 before
    assert Y_[::40].tolist() == [0, 1, 0, 1]


@pytest.mark.parametrize("seed, args", [(100, (4, 2, 40)), (100, (6, 2, 10)), (7, (4, 3, 40)), (0, (3, 5, 2))])
def test_gmm_matches_the_lab_exactly(seed, args):
    np.random.seed(seed)
    expected = lab_gmm(*args)
    after_lab = np.random.random_sample()
    for fn in (data.sample_gmm_2d, data.sample_gmm):
        np.random.seed(seed)
        X, Y_ = fn(*args)
        np.testing.assert_array_equal(X, expected[0])
        np.testing.assert_array_equal(Y_, expected[1])
        assert np.random.random_sample() == after_lab  # the same number of draws
    # an explicit RandomState is the lab's draws too
    np.testing.assert_array_equal(data.sample_gmm_2d(*args, rng=np.random.RandomState(seed))[0], expected[0])


@pytest.mark.parametrize("seed", [100, 3])
def test_gauss_matches_the_lab_exactly(seed):
    np.random.seed(seed)
    expected = lab_gauss(3, 20)
    np.random.seed(seed)
    X, Y_ = data.sample_gauss_2d(3, 20)
    np.testing.assert_array_equal(X, expected[0])
    np.testing.assert_array_equal(Y_, expected[1])


def test_generator_path_keeps_the_shipped_order():
    """A Generator draws all Gaussians, then all classes (the shipped experiments' data)."""
    X, Y_ = sample_gmm_2d(6, 2, 10, rng=0)
    rng = np.random.default_rng(0)
    for _ in range(6):
        rng.random(5)  # mean, eigenvalues, angle per component
    np.testing.assert_array_equal(Y_[::10], rng.integers(0, 2, size=6))


# -- the rest of the lab's data.py ------------------------------------------------------
def test_star_import_gives_the_lab_files_names():
    ns = {}
    exec("from data_utils.course import *", ns)
    for name in ("np", "plt", "Random2DGaussian", "sample_gauss_2d", "sample_gmm_2d", "sample_gmm",
                 "graph_surface", "graph_data", "class_to_onehot", "eval_perf_binary", "eval_perf_multi",
                 "eval_AP", "myDummyDecision"):
        assert name in ns, name
    assert ns["np"] is np and ns["plt"] is plt


def test_metrics_against_the_labs_definitions():
    Y_ = np.array([0, 1, 1, 0, 1, 2, 2, 0])
    Y = np.array([0, 1, 0, 0, 2, 2, 1, 1])
    acc, pr, M = data.eval_perf_multi(Y, Y_)
    lab_M = np.zeros((3, 3), dtype=int)
    for t, p in zip(Y_, Y):
        lab_M[t, p] += 1
    np.testing.assert_array_equal(M, lab_M)
    assert acc == np.trace(lab_M) / lab_M.sum()
    for i, (recall, precision) in enumerate(pr):
        assert recall == lab_M[i, i] / lab_M[i].sum() and precision == lab_M[i, i] / lab_M[:, i].sum()
    yb, yb_ = np.array([1, 1, 0, 0, 1]), np.array([1, 0, 0, 1, 1])
    assert data.eval_perf_binary(yb, yb_) == (3 / 5, 2 / 3, 2 / 3)  # (accuracy, recall, precision)
    assert data.eval_perf_binary(yb.astype(bool), yb_)[0] == 3 / 5  # the lab's demo passes booleans
    ranked = [0, 1, 0, 1, 1]
    lab_ap = np.mean([sum(ranked[i:]) / (len(ranked) - i) for i, r in enumerate(ranked) if r])
    assert data.eval_AP(ranked) == pytest.approx(lab_ap)
    np.testing.assert_array_equal(data.class_to_onehot([0, 2, 1]), np.eye(3)[[0, 2, 1]])
    np.testing.assert_array_equal(data.myDummyDecision(np.array([[1.0, 2.0], [5.0, 5.0]])), [-2.0, 5.0])


def _surface(*args, **kwargs):
    plt.close("all")
    plt.figure()
    data.graph_surface(*args, **kwargs)
    ax = plt.gca()
    mesh = ax.collections[0]
    return ax, mesh


def test_graph_surface_offset_and_probability_forms():
    rect = ([0.0, 0.0], [10.0, 10.0])
    ax, mesh = _surface(data.myDummyDecision, rect, offset=0)
    assert len(ax.collections) == 2 and mesh.get_clim() == (-15.0, 15.0)  # contour at 0
    ax, mesh = _surface(data.myDummyDecision, rect, offset=None, width=30, height=20)
    assert len(ax.collections) == 1 and mesh.get_clim() == (-15.0, 15.0)  # no contour, centred on 0
    assert mesh.get_array().size == 600

    def probs(P):
        p1 = 1 / (1 + np.exp(-data.myDummyDecision(P)))
        return np.column_stack([1 - p1, p1])
    ax, mesh = _surface(probs, rect)  # (n, 2) probabilities: P(class 1), contour at 0.5
    np.testing.assert_allclose(mesh.get_array().max(), 1 / (1 + np.exp(-15)))
    assert len(ax.collections) == 2
    ax, mesh = _surface(probs, rect, useProbs=False)  # the predicted class
    assert set(np.unique(mesh.get_array())) == {0.0, 1.0}
    plt.close("all")
