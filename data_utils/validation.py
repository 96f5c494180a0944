"""Input validation shared by every public entry point.

Each check raises ``ValueError``/``TypeError`` naming the offending argument and value,
so a user sees *what* is wrong, not a shape error deep inside a matmul.
"""
from __future__ import annotations

import numpy as np

__all__ = ["check_features", "check_labels", "check_targets", "check_loss_targets", "check_positive",
           "as_generator", "as_float_dtype"]


def as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Return ``rng`` as a ``numpy.random.Generator`` (an int is used as a seed).

    ``None`` gives a fresh, unseeded generator (non-reproducible, like scikit-learn's
    ``random_state=None``). Global NumPy random state is never touched.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def check_features(X, *, name: str = "X", n_features: int | None = None, dtype=None) -> np.ndarray:
    """Validate a feature matrix.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    name : argument name used in error messages.
    n_features : expected number of columns, if known.
    dtype : cast to this floating dtype (default: float64 unless X is already floating).

    Returns
    -------
    ndarray of shape (n_samples, n_features), finite, floating.
    """
    arr = np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has 0 samples (shape {arr.shape})")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 features (shape {arr.shape})")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} features, expected {n_features}")
    if dtype is None:
        dtype = arr.dtype if np.issubdtype(arr.dtype, np.floating) else np.float64
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]}: {arr[tuple(bad)]})"
        )
    return arr


def check_labels(y, *, n_samples: int | None = None, n_classes: int | None = None,
                 name: str = "y") -> np.ndarray:
    """Validate integer class labels in ``0..n_classes-1``.

    Returns
    -------
    ndarray of shape (n_samples,), dtype int64.
    """
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (n_samples,), got shape {arr.shape}")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} labels but X has {n_samples} samples")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or inf")
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer value "
                             f"{arr[arr != np.round(arr)][0]}")
    elif not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} has label {arr.min()} < 0; labels must be in 0..C-1")
    if n_classes is not None and arr.size and arr.max() >= n_classes:
        raise ValueError(f"{name} has label {arr.max()} out of range 0..{n_classes - 1}")
    return arr


def check_targets(y, *, n_samples: int | None = None, n_outputs: int | None = None,
                  name: str = "y", dtype=np.float64) -> np.ndarray:
    """Validate regression targets.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs); a 1-D input becomes one column.
    """
    arr = np.asarray(y)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if n_samples is not None and arr.shape[0] != n_samples:
        raise ValueError(f"{name} has {arr.shape[0]} rows but X has {n_samples} samples")
    if n_outputs is not None and arr.shape[1] != n_outputs:
        raise ValueError(f"{name} has {arr.shape[1]} outputs, expected {n_outputs}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf")
    return arr


def check_positive(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as float if it is finite and > 0 (>= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and ok):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value}")
    return value


def check_loss_targets(y, loss: str, *, n_samples: int, n_outputs: int, dtype) -> np.ndarray:
    """Targets for a loss: int labels (n,) in ``0..n_outputs-1`` for ``cross_entropy``,
    float targets (n, n_outputs) of ``dtype`` for ``mse``."""
    if loss == "cross_entropy":
        return check_labels(y, n_samples=n_samples, n_classes=n_outputs)
    return check_targets(y, n_samples=n_samples, n_outputs=n_outputs, dtype=dtype)


def as_float_dtype(dtype) -> np.dtype:
    """``float32``/``float64`` (name or dtype) as a NumPy dtype; anything else raises."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in ("float32", "float64"):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt
