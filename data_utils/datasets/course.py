"""The course's 2-D data generators, with their known semantics.

All arrays are float64 features ``X`` of shape (n_samples, 2) and int64 labels ``Y_`` of
shape (n_samples,). Randomness comes from the ``rng`` argument (a ``Generator`` or an int
seed, the documented way); without it (or with a ``RandomState``), from NumPy's global
state in the lab's order of draws, so that the course's ``np.random.seed(100)`` gives the
lab's ``data.py``'s points and labels exactly. A ``Generator`` keeps the project's own
order (all components, then all classes), so the shipped experiments' data do not move.
"""
from __future__ import annotations

import numpy as np

from ..validation import as_generator, check_labels

__all__ = ["Random2DGaussian", "sample_gauss_2d", "sample_gmm_2d", "sample_gmm", "class_to_onehot",
           "labels_from_onehot", "course_rng"]


def course_rng(rng) -> np.random.Generator | np.random.RandomState:
    """``rng`` as a Generator, or NumPy's global ``RandomState`` when it is None
    (``np.random.seed`` then makes the draws reproducible); a ``RandomState`` is kept."""
    if rng is None:
        return np.random.mtrand._rand
    return rng if isinstance(rng, np.random.RandomState) else as_generator(rng)


def _is_lab_state(rng) -> bool:
    """Whether ``rng`` is a legacy ``RandomState`` (NumPy's global one included): the lab's
    draws, in the lab's order and arithmetic."""
    return isinstance(rng, np.random.RandomState)


class Random2DGaussian:
    """A 2-D Gaussian with random mean, spread and orientation.

    The mean is uniform in the box ``[minx, maxx] x [miny, maxy]``; the two eigenvalues are
    ``(U(0,1) * range / scalecov) ** 2`` per axis; the covariance is ``R^T diag(eigvals) R``
    with a rotation ``R`` by a uniform angle in ``[0, 2 pi)``. Draws, as the lab's: the mean
    (2 uniforms), the eigenvalues (2), the angle (1); ``get_sample`` then draws from
    ``multivariate_normal``.

    Parameters
    ----------
    rng : numpy.random.Generator, int seed, or None for NumPy's global state
    """

    minx, maxx, miny, maxy = 0.0, 10.0, 0.0, 10.0
    scalecov = 5

    def __init__(self, rng=None):
        self.rng = course_rng(rng)
        span = np.array([self.maxx - self.minx, self.maxy - self.miny])
        self.mean = np.array([self.minx, self.miny]) + self.rng.random(2) * span
        u = self.rng.random(2)
        # the lab's rounding (u * (range / 5)); a Generator keeps the shipped data's (u * range / 5)
        eigvals = (u * (span / self.scalecov) if _is_lab_state(self.rng) else u * span / self.scalecov) ** 2
        theta = self.rng.random() * 2 * np.pi
        R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        self.cov = R.T @ np.diag(eigvals) @ R

    def get_sample(self, n: int) -> np.ndarray:
        """Draw ``n`` points; returns ndarray of shape (n, 2)."""
        return self.rng.multivariate_normal(self.mean, self.cov, size=int(n))

    def __repr__(self) -> str:
        return f"Random2DGaussian(mean={np.round(self.mean, 3).tolist()})"


def sample_gauss_2d(C: int, N: int, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """``C`` random Gaussians, ``N`` points each; class ``c`` is the ``c``-th Gaussian.

    Returns ``X`` of shape (C*N, 2) and ``Y_`` of shape (C*N,).
    """
    _check_counts(C=C, N=N)
    rng = course_rng(rng)
    gaussians = [Random2DGaussian(rng) for _ in range(C)]
    X = np.vstack([g.get_sample(N) for g in gaussians])
    Y_ = np.repeat(np.arange(C, dtype=np.int64), N)
    return X, Y_


def sample_gmm_2d(K: int, C: int, N: int, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """``K`` random Gaussian components, each assigned a uniformly random class of ``C``.

    Returns ``X`` of shape (K*N, 2) and ``Y_`` of shape (K*N,). Some classes may be absent
    when ``K`` is small; that is the course's semantics. Draw order: from NumPy's global
    state (``rng=None``) or a ``RandomState``, the lab's - each component's Gaussian, then
    its class (``randint(C)``), component by component, then each component's points; from
    a ``Generator``, all Gaussians, then all classes, then the points.
    """
    _check_counts(K=K, C=C, N=N)
    rng = course_rng(rng)
    if _is_lab_state(rng):
        gaussians, classes = [], []
        for _ in range(K):
            gaussians.append(Random2DGaussian(rng))
            classes.append(rng.randint(C))
    else:
        gaussians = [Random2DGaussian(rng) for _ in range(K)]
        classes = rng.integers(0, C, size=K)
    X = np.vstack([g.get_sample(N) for g in gaussians])
    Y_ = np.repeat(np.asarray(classes, dtype=np.int64), N)
    return X, Y_


sample_gmm = sample_gmm_2d  # the course's older name


def class_to_onehot(Y, n_classes: int | None = None) -> np.ndarray:
    """One-hot encode labels ``Y`` (n,) in ``0..C-1``; returns float64 (n, C).

    ``n_classes`` defaults to ``max(Y) + 1``.
    """
    Y = check_labels(Y, name="Y", n_classes=n_classes)
    C = int(Y.max()) + 1 if n_classes is None else int(n_classes)
    onehot = np.zeros((Y.shape[0], C))
    onehot[np.arange(Y.shape[0]), Y] = 1.0
    return onehot


def labels_from_onehot(Y) -> np.ndarray:
    """Integer labels (n,) of one-hot rows ``Y`` (n, C); anything else is returned as is
    (integer labels pass through, to be checked by the caller)."""
    arr = np.asarray(Y)
    if arr.ndim != 2 or arr.shape[1] < 2:
        return arr
    if not (np.isin(arr, (0, 1)).all() and (arr.sum(axis=1) == 1).all()):
        raise ValueError(f"2-D labels must be one-hot rows (one 1 per row), got shape {arr.shape} "
                         "with other values")
    return arr.argmax(axis=1).astype(np.int64)


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
