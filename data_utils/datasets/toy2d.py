"""Toy 2-D classification sets: blobs, moons, circles (scikit-learn), XOR and spiral.

Each returns ``X`` float64 of shape (n_samples, 2) and ``y`` int64 of shape (n_samples,).
"""
from __future__ import annotations

import numpy as np
from sklearn import datasets as skd

from ..validation import as_generator, check_positive

__all__ = ["make_blobs", "make_moons", "make_circles", "make_xor", "make_spiral"]


def _sk_seed(rng) -> int:
    # scikit-learn wants a seed or RandomState; derive one from our Generator.
    return int(as_generator(rng).integers(2**31 - 1))


def make_blobs(n_samples: int = 300, n_classes: int = 3, cluster_std: float = 1.0, rng=None):
    """Isotropic Gaussian blobs (``sklearn.datasets.make_blobs``), one centre per class."""
    X, y = skd.make_blobs(n_samples=n_samples, centers=n_classes, n_features=2,
                          cluster_std=cluster_std, random_state=_sk_seed(rng))
    return X.astype(np.float64), y.astype(np.int64)


def make_moons(n_samples: int = 300, noise: float = 0.1, rng=None):
    """Two interleaving half circles (``sklearn.datasets.make_moons``)."""
    check_positive(noise, "noise", allow_zero=True)
    X, y = skd.make_moons(n_samples=n_samples, noise=noise, random_state=_sk_seed(rng))
    return X.astype(np.float64), y.astype(np.int64)


def make_circles(n_samples: int = 300, noise: float = 0.05, factor: float = 0.5, rng=None):
    """A circle inside a circle (``sklearn.datasets.make_circles``)."""
    check_positive(noise, "noise", allow_zero=True)
    X, y = skd.make_circles(n_samples=n_samples, noise=noise, factor=factor,
                            random_state=_sk_seed(rng))
    return X.astype(np.float64), y.astype(np.int64)


def make_xor(n_samples: int = 200, noise: float = 0.1, rng=None):
    """XOR: uniform points in ``[-1, 1]^2``, class 1 where the coordinates differ in sign.

    Gaussian noise of sd ``noise`` is added to the points after labelling.
    """
    check_positive(noise, "noise", allow_zero=True)
    rng = as_generator(rng)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return X + noise * rng.standard_normal(X.shape), y


def make_spiral(n_samples: int = 200, noise: float = 0.1, turns: float = 1.5, rng=None):
    """Two interleaved spiral arms (class 0 and its point reflection, class 1).

    Radius grows linearly from 0 to 1 over ``turns`` turns; Gaussian noise of sd ``noise``.
    """
    check_positive(noise, "noise", allow_zero=True)
    rng = as_generator(rng)
    n0 = n_samples // 2
    t = np.sqrt(rng.uniform(0.0, 1.0, size=n_samples))
    angle = 2 * np.pi * turns * t
    arm = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    y = np.zeros(n_samples, dtype=np.int64)
    y[n0:] = 1
    arm[n0:] *= -1
    return arm + noise * rng.standard_normal(arm.shape), y
