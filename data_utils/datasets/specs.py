"""One declaration per dataset: its task, its generator parameters (type, range, allowed
values, default) and what its parameters say about its size.

This module imports only the standard library, so a config can be checked completely
before NumPy, scikit-learn or torch load. The registry (``registry.py``) pairs each
declaration with its generator; ``tests/data_utils/test_registry.py`` checks that the two
agree (names and defaults).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Param", "Sizes", "DatasetDecl", "DECLARATIONS", "declaration", "split_problem", "split_counts",
           "MAX_MAGNITUDE"]

_TYPE_WORDS = {int: "an integer", float: "a finite number", str: "a string"}
# a float parameter's largest magnitude when its declaration gives no bound: noise scales,
# spreads and ranges far above the data's unit scale only overflow to inf (1e308 * N(0, 1))
MAX_MAGNITUDE = 1e6


@dataclass(frozen=True)
class Param:
    """One generator parameter: ``type`` is ``int``, ``float`` or ``str``; ``low``/``high``
    bound numbers (inclusive unless ``low_open``/``high_open``); ``choices`` lists the
    allowed strings. ``default=None`` means "not used unless given"."""

    name: str
    type: type
    default: Any
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        """What a valid value is, e.g. ``an integer >= 2``."""
        if self.choices:
            *head, last = (repr(c) for c in self.choices)
            return f"one of {', '.join(head)} or {last}" if head else f"{last}"
        bounds = []
        if self.low is not None:
            bounds.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            bounds.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return " ".join([_TYPE_WORDS[self.type], " and ".join(bounds)]).strip()

    def problem(self, value) -> str | None:
        """``None`` if ``value`` is valid, else ``must be <describe()>, got <value!r>``."""
        if not self._ok(value):
            return f"must be {self.describe()}, got {value!r}"
        if self.type is float and self.high is None and abs(value) > MAX_MAGNITUDE:
            return f"must be at most {MAX_MAGNITUDE:g} in magnitude (larger values overflow), got {value!r}"
        return None

    def _ok(self, value) -> bool:
        if self.type is str:
            return isinstance(value, str) and (not self.choices or value in self.choices)
        if isinstance(value, bool) or not isinstance(value, (int, float) if self.type is float else int):
            return False
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)


@dataclass(frozen=True)
class Sizes:
    """What the parameters say about a generated set: ``n_samples``; ``n_classes`` (at most
    that many, 0 for regression); ``classes``, the exact samples per class - ``per_class``,
    or spread evenly when ``balanced`` (built only when asked for: never for a class count
    the resource limits refuse) -, or ``()`` when labels are drawn at random (gmm, xor) so
    only the class count can be checked."""

    n_samples: int
    n_classes: int = 0
    per_class: tuple[int, ...] = ()
    balanced: bool = False

    @property
    def classes(self) -> tuple[int, ...]:
        return _spread(self.n_samples, self.n_classes) if self.balanced else self.per_class


@dataclass(frozen=True)
class DatasetDecl:
    """A dataset as the config sees it.

    ``sizes(params)`` (complete params) returns ``Sizes``; ``None`` for sets with a fixed
    split (which ignore ``test_size``), whose ``counts(params)`` give ``(n_train, n_test,
    n_classes)`` instead (after ``check`` passed). ``n_features``: the input width.
    ``check(params)`` returns ``(param, message)`` problems that involve several parameters
    or the file system. ``size_keys``: the parameters that set the number of samples.
    """

    name: str
    task: str  # "classification" or "regression"
    params: tuple[Param, ...] = ()
    input_shape: tuple[int, ...] | None = None
    fixed_split: bool = False
    sizes: Callable[[dict], Sizes] | None = None
    check: Callable[[dict], list[tuple[str, str]]] | None = None
    n_features: int = 2
    counts: Callable[[dict], tuple[int, int, int]] | None = None
    size_keys: tuple[str, ...] = ()

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}

    def problems(self, params: dict) -> list[tuple[str, str]]:
        """``(param, message)`` for every unknown or invalid parameter, then cross-checks."""
        known = {p.name: p for p in self.params}
        out = [(k, f"dataset {self.name!r} has no parameter {k!r} (allowed: {', '.join(known) or 'none'})")
               for k in params if k not in known]
        out += [(k, msg) for k, v in params.items() if k in known and (msg := known[k].problem(v))]
        if not out and self.check is not None:
            out += self.check({**self.defaults(), **params})
        return out


def _test_share_bounds(classes: tuple[int, ...], n_test: int) -> list[tuple[int, int]]:
    """For each class, the fewest and most test samples scikit-learn's stratified split can
    give it: ``floor(n_test * c / n)``, plus one for the classes with the largest remainders
    (a tie at the cut is broken at random, so both outcomes count)."""
    n = sum(classes)
    share = [n_test * c / n for c in classes]
    low = [math.floor(x) for x in share]
    left = n_test - sum(low)
    high = list(low)
    for r in sorted({x - f for x, f in zip(share, low)}, reverse=True):
        group = [k for k, (x, f) in enumerate(zip(share, low)) if x - f == r]
        for k in group:
            high[k] += left > 0
            low[k] += left >= len(group)
        left -= min(left, len(group))
    return list(zip(low, high))


def split_problem(decl: DatasetDecl, params: dict, test_size: float) -> str | None:
    """Why ``test_size`` cannot split ``decl`` (with valid ``params``) so that each part
    holds a sample of every class (or, for regression, at least one sample); else ``None``.

    Follows scikit-learn's stratified split: ``ceil(test_size * n)`` test samples shared
    out in proportion to the class sizes (see ``_test_share_bounds``).
    """
    if decl.fixed_split or decl.sizes is None:
        return None
    s = decl.sizes({**decl.defaults(), **params})
    n_test = math.ceil(test_size * s.n_samples)
    n_train = s.n_samples - n_test
    what = f"{test_size:g} of the {s.n_samples} samples of {decl.name!r} gives {n_train} train and {n_test} test samples"
    if s.n_classes == 0:
        return None if n_train >= 1 and n_test >= 1 else f"{what}; each part needs at least one"
    if min(n_train, n_test) < s.n_classes:
        return f"{what}, fewer than its {s.n_classes} classes; each part needs a sample of every class"
    for c, (low, high) in zip(s.classes, _test_share_bounds(s.classes, n_test)):
        if low < 1 or c - high < 1:
            return (f"{what}; a class of {c} samples could miss from the {'test' if low < 1 else 'train'} part "
                    f"(each part needs a sample of every class)")
    return None


def split_counts(decl: DatasetDecl, params: dict, test_size: float) -> tuple[int, int, int]:
    """``(n_train, n_test, n_classes)`` of ``decl`` with valid ``params`` (0 classes for
    regression): scikit-learn's ``ceil(test_size * n)`` test samples, or the fixed split."""
    full = {**decl.defaults(), **params}
    if decl.counts is not None:
        return decl.counts(full)
    s = decl.sizes(full)
    n_test = math.ceil(test_size * s.n_samples)
    return s.n_samples - n_test, n_test, s.n_classes


def _count(name: str, low: int = 1, default: int = 100) -> Param:
    return Param(name, int, default, low=low)


def _noise(default: float) -> Param:
    return Param("noise", float, default, low=0)


def _spread(n: int, k: int) -> tuple[int, ...]:
    """``n`` samples over ``k`` classes as evenly as possible (the first ones get the rest)."""
    return tuple(n // k + (i < n % k) for i in range(k))


def _halves(p: dict) -> Sizes:
    return Sizes(p["n_samples"], 2, balanced=True)


def _low_below_high(p: dict) -> list[tuple[str, str]]:
    return [] if p["low"] < p["high"] else [("high", f"must be > low ({p['low']!r}), got {p['high']!r}")]


def _mnist_files(p: dict) -> list[tuple[str, str]]:
    from .mnist import mnist_folder_problem  # NumPy, but only when an MNIST config is checked
    problem = mnist_folder_problem(p["folder"])
    if problem:
        return [("folder", problem)]
    n_train = _mnist_counts(p)[0]
    if p["n_train"] is not None and p["n_train"] > n_train:
        return [("n_train", f"must be <= {n_train}, the training images in {p['folder']!r}, got {p['n_train']!r}")]
    return []


def _mnist_counts(p: dict) -> tuple[int, int, int]:
    from .mnist import mnist_counts
    n_train, n_test = mnist_counts(p["folder"])
    return (n_train if p["n_train"] is None else min(n_train, p["n_train"])), n_test, 10


def _fixed(n: int, classes: tuple[int, ...] = ()) -> Callable[[dict], Sizes]:
    return lambda p: Sizes(n, len(classes), classes)


_N = ("n_samples",)


DECLARATIONS: dict[str, DatasetDecl] = {d.name: d for d in (
    DatasetDecl("gauss", "classification", (_count("C", 2, 3), _count("N", 1, 100)),
                sizes=lambda p: Sizes(p["C"] * p["N"], p["C"], balanced=True), size_keys=("C", "N")),
    # K components, each of a random class: class sizes depend on the draw
    DatasetDecl("gmm", "classification", (_count("K", 1, 6), _count("C", 2, 2), _count("N", 1, 10)),
                sizes=lambda p: Sizes(p["K"] * p["N"], min(p["K"], p["C"])), size_keys=("K", "N")),
    DatasetDecl("blobs", "classification",
                (_count("n_samples", 2, 300), _count("n_classes", 2, 3),
                 Param("cluster_std", float, 1.0, low=0, low_open=True)),
                sizes=lambda p: Sizes(p["n_samples"], p["n_classes"], balanced=True), size_keys=("n_samples", "n_classes")),
    DatasetDecl("moons", "classification", (_count("n_samples", 2, 300), _noise(0.1)), sizes=_halves, size_keys=_N),
    DatasetDecl("circles", "classification",
                (_count("n_samples", 2, 300), _noise(0.05), Param("factor", float, 0.5, low=0, high=1, high_open=True)),
                sizes=_halves, size_keys=_N),
    # labels depend on where uniform points fall: no class size is guaranteed
    DatasetDecl("xor", "classification", (_count("n_samples", 2, 200), _noise(0.1)),
                sizes=lambda p: Sizes(p["n_samples"], 2), size_keys=_N),
    DatasetDecl("spiral", "classification",
                (_count("n_samples", 2, 200), _noise(0.1), Param("turns", float, 1.5, low=0, low_open=True)),
                sizes=_halves, size_keys=_N),
    DatasetDecl("lines", "classification",
                (Param("test_set", str, "dimmed", choices=("dimmed", "noisy")),
                 Param("noise_sd", float, 0.2, low=0), Param("dim_value", float, 0.4, low=0, high=1, low_open=True)),
                input_shape=(3, 3), fixed_split=True, n_features=9, counts=lambda p: (24, 24, 2)),
    # scikit-learn's bundled sets: fixed sizes (checked against the data in the tests)
    DatasetDecl("digits", "classification", input_shape=(8, 8), n_features=64, sizes=_fixed(1797, (178, 182, 177, 183, 181, 182, 181, 179, 174, 180))),
    DatasetDecl("iris", "classification", n_features=4, sizes=_fixed(150, (50, 50, 50))),
    DatasetDecl("wine", "classification", n_features=13, sizes=_fixed(178, (59, 71, 48))),
    DatasetDecl("breast_cancer", "classification", n_features=30, sizes=_fixed(569, (212, 357))),
    DatasetDecl("mnist", "classification",
                (Param("folder", str, "data/mnist"), Param("n_train", int, None, low=1)),
                input_shape=(28, 28), fixed_split=True, check=_mnist_files, n_features=784, counts=_mnist_counts,
                size_keys=("n_train",)),
    DatasetDecl("noisy_1d", "regression",
                (_count("n_samples", 2, 200), _noise(0.1), Param("function", str, "sin", choices=("sin", "cubic", "abs")),
                 Param("low", float, -3.0), Param("high", float, 3.0)),
                sizes=lambda p: Sizes(p["n_samples"]), check=_low_below_high, n_features=1, size_keys=_N),
    DatasetDecl("diabetes", "regression", n_features=10, sizes=_fixed(442)),
)}


def declaration(name: str) -> DatasetDecl:
    """The declaration of dataset ``name`` (``ValueError`` naming the known ones)."""
    if name not in DECLARATIONS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(sorted(DECLARATIONS))}")
    return DECLARATIONS[name]
