"""Dataset registry: a name -> a ready ``Dataset`` with a seeded split.

``load_dataset("gmm", seed=0, K=6, C=2, N=10)`` samples the data from the seed, splits it
(stratified for classification) and optionally standardises with statistics of the
training part only. Sets with a fixed split (lines, mnist) ignore ``test_size``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from sklearn import datasets as skd
from sklearn.preprocessing import StandardScaler

from . import course, lines3x3, mnist, regression, toy2d
from .specs import DECLARATIONS, DatasetDecl, declaration
from .split import split_indices
from ..validation import as_generator, check_features, check_labels, check_targets

__all__ = ["Dataset", "DatasetSpec", "DATASETS", "load_dataset", "dataset_params"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """Train/test arrays and what they mean.

    ``X_*`` are float64 of shape (n, n_features); ``y_*`` int64 labels (n,) for
    classification, float64 targets (n,) for regression.
    """

    name: str
    task: str  # "classification" or "regression"
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return len(self.class_names)

    @property
    def n_outputs(self) -> int:
        """Width of the network's output layer."""
        return self.n_classes if self.task == "classification" else 1

    @property
    def is_image(self) -> bool:
        return len(self.input_shape) == 2


@dataclass(frozen=True)
class DatasetSpec:
    """A declared dataset and its generator: ``make(rng, **params)`` returns ``(X, y)`` or a
    fixed split ``(X_train, y_train, X_test, y_test)``; ``class_names`` a tuple, or a callable
    giving it."""

    decl: DatasetDecl
    make: Callable
    class_names: Callable[[], tuple[str, ...]] | tuple[str, ...] | None = None

    @property
    def task(self) -> str:
        return self.decl.task

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        return self.decl.input_shape

    @property
    def fixed_split(self) -> bool:
        return self.decl.fixed_split


def _sklearn_loader(loader):
    def make(rng):
        bunch = loader()
        return bunch.data.astype(np.float64), bunch.target

    make.__doc__ = f"scikit-learn's bundled ``{loader.__name__}``."
    make.target_names = lambda: tuple(str(n) for n in getattr(loader(), "target_names", ()))
    return make


def _gauss(rng, C: int = 3, N: int = 100):
    return course.sample_gauss_2d(C, N, rng)


def _gmm(rng, K: int = 6, C: int = 2, N: int = 10):
    X, y = course.sample_gmm_2d(K, C, N, rng)
    return X, y


def _lines(rng, test_set: str = "dimmed", noise_sd: float = 0.2, dim_value: float = 0.4):
    X, y = lines3x3.lines_train()
    Xt, yt = lines3x3.lines_dimmed(dim_value) if test_set == "dimmed" else lines3x3.lines_noisy(noise_sd, rng)
    return X, y, Xt, yt


def _mnist(rng, folder: str = "data/mnist", n_train: int | None = None):
    X, y = mnist.load_mnist(folder, "train")
    Xt, yt = mnist.load_mnist(folder, "test")
    if n_train is not None:
        X, y = X[:n_train], y[:n_train]
    return X, y, Xt, yt


_digits = _sklearn_loader(skd.load_digits)
_iris = _sklearn_loader(skd.load_iris)
_wine = _sklearn_loader(skd.load_wine)
_cancer = _sklearn_loader(skd.load_breast_cancer)
_diabetes = _sklearn_loader(skd.load_diabetes)


def _numbered(n: int) -> tuple[str, ...]:
    return tuple(str(i) for i in range(n))


_GENERATORS = {
    "gauss": (_gauss,), "gmm": (_gmm,), "blobs": (toy2d.make_blobs,), "moons": (toy2d.make_moons,),
    "circles": (toy2d.make_circles,), "xor": (toy2d.make_xor,), "spiral": (toy2d.make_spiral,),
    "lines": (_lines, lines3x3.LINE_CLASSES), "digits": (_digits,), "iris": (_iris, _iris.target_names),
    "wine": (_wine, _wine.target_names), "breast_cancer": (_cancer, _cancer.target_names), "mnist": (_mnist,),
    "noisy_1d": (regression.make_noisy_1d,), "diabetes": (_diabetes,),
}
if set(_GENERATORS) != set(DECLARATIONS):  # a generator without a declaration, or the reverse
    raise RuntimeError(f"datasets declared and implemented differ: {sorted(set(_GENERATORS) ^ set(DECLARATIONS))}")

DATASETS: dict[str, DatasetSpec] = {name: DatasetSpec(decl, *_GENERATORS[name]) for name, decl in DECLARATIONS.items()}


def dataset_params(name: str) -> dict:
    """The generator parameters ``name`` accepts, with their defaults (from its declaration)."""
    return declaration(name).defaults()


def _spec(name: str) -> DatasetSpec:
    return DATASETS[declaration(name).name]


def load_dataset(name: str, *, seed=0, test_size: float = 0.25, standardize: bool = False,
                 standardize_target: bool = False, **params) -> Dataset:
    """Make dataset ``name`` from ``seed`` and split it.

    Parameters
    ----------
    name : a key of ``DATASETS``.
    seed : int or Generator; drives both sampling and the split.
    test_size : fraction in (0, 1) held out (stratified for classification).
    standardize : fit a ``StandardScaler`` on the training part and apply it to both.
    standardize_target : regression only: the same for the targets (mean 0, variance 1 on
        the training part), so MSE is in units of the target's variance (R^2 is unchanged).
    **params : generator parameters (see ``dataset_params(name)``); unknown ones raise.
    """
    spec = _spec(name)
    if standardize_target and spec.task != "regression":
        raise ValueError(f"standardize_target applies to regression targets; {name!r} is a {spec.task} dataset")
    problems = spec.decl.problems(params)
    if problems:
        raise ValueError("; ".join(f"{name}.{param}: {msg}" for param, msg in problems))
    params = {**spec.decl.defaults(), **params}
    if not (isinstance(test_size, (int, float)) and 0 < test_size < 1):
        raise ValueError(f"test_size must be in (0, 1), got {test_size!r}")
    data_rng, split_rng = as_generator(seed).spawn(2)
    out = spec.make(rng=data_rng, **params)
    if spec.fixed_split:
        X_tr, y_tr, X_te, y_te = out
    else:
        X, y = out
        X_tr, X_te, y_tr, y_te = _split(X, y, test_size, spec.task, split_rng)
    X_tr = check_features(X_tr, name=f"{name} X_train", dtype=np.float64)
    X_te = check_features(X_te, name=f"{name} X_test", n_features=X_tr.shape[1], dtype=np.float64)
    if spec.task == "classification":
        y_all = np.concatenate([np.asarray(y_tr), np.asarray(y_te)])
        n_classes = int(check_labels(y_all, name=f"{name} y").max()) + 1
        y_tr = check_labels(y_tr, n_samples=len(X_tr), name=f"{name} y_train")
        y_te = check_labels(y_te, n_samples=len(X_te), name=f"{name} y_test")
        names = spec.class_names() if callable(spec.class_names) else spec.class_names
        class_names = tuple(names) if names else _numbered(n_classes)
    else:
        y_tr = check_targets(y_tr, n_samples=len(X_tr), name=f"{name} y_train")[:, 0]
        y_te = check_targets(y_te, n_samples=len(X_te), name=f"{name} y_test")[:, 0]
        class_names = ()
    if standardize:
        scaler = StandardScaler().fit(X_tr)
        X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    if standardize_target:
        scaler = StandardScaler().fit(y_tr[:, None])
        y_tr, y_te = scaler.transform(y_tr[:, None])[:, 0], scaler.transform(y_te[:, None])[:, 0]
    return Dataset(name=name, task=spec.task, X_train=X_tr, y_train=y_tr, X_test=X_te, y_test=y_te,
                   input_shape=spec.input_shape or (X_tr.shape[1],), class_names=class_names,
                   params=params)


def _split(X, y, test_size, task, rng):
    keep, held = split_indices(len(X), fraction=test_size, seed=int(rng.integers(2**31 - 1)),
                               labels=y if task == "classification" else None)
    X, y = np.asarray(X), np.asarray(y)
    return X[keep], X[held], y[keep], y[held]
