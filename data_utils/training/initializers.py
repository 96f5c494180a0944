"""Initial parameters, drawn once in NumPy and handed to both implementations.

Every scheme returns a list of ``(W, b)`` per layer with ``W`` of shape (out, in) and ``b``
of shape (out,) - ``torch.nn.Linear``'s layout. Biases are zero except for
``torch_default``, which reproduces ``nn.Linear.reset_parameters`` in distribution:
``W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..validation import as_generator

__all__ = ["INIT_SCHEMES", "init_params", "check_sizes"]


def _normal(rng, fan_in, fan_out):
    return rng.standard_normal((fan_out, fan_in)), None


def _scaled_normal(rng, fan_in, fan_out):
    return 0.01 * rng.standard_normal((fan_out, fan_in)), None


def _lecun_normal(rng, fan_in, fan_out):
    return rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in), None


def _glorot_normal(rng, fan_in, fan_out):
    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / (fan_in + fan_out)), None


def _glorot_uniform(rng, fan_in, fan_out):
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_out, fan_in)), None


def _he_normal(rng, fan_in, fan_out):
    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in), None


def _torch_default(rng, fan_in, fan_out):
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=(fan_out, fan_in)), rng.uniform(-bound, bound, size=fan_out)


INIT_SCHEMES: dict[str, Callable] = {
    "normal": _normal,                  # N(0, 1)
    "scaled_normal": _scaled_normal,    # 0.01 N(0, 1)
    "lecun_normal": _lecun_normal,      # var 1/fan_in (seed tutorials' "Xavier")
    "glorot_normal": _glorot_normal,    # var 2/(fan_in + fan_out)
    "glorot_uniform": _glorot_uniform,  # U(-a, a), a = sqrt(6/(fan_in + fan_out))
    "he_normal": _he_normal,            # var 2/fan_in
    "torch_default": _torch_default,    # nn.Linear's default
}


def check_sizes(sizes: Sequence[int]) -> list[int]:
    """Validate layer sizes ``[D, H1, ..., C]`` (at least input and output)."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError(f"sizes must list at least [n_inputs, n_outputs], got {sizes!r}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"sizes must be positive integers, got {list(sizes)!r}")
    return [int(s) for s in sizes]


def init_params(sizes: Sequence[int], scheme: str = "lecun_normal", rng=None,
                dtype=np.float64) -> list[tuple[np.ndarray, np.ndarray]]:
    """Draw parameters for a network with layer widths ``sizes``.

    Parameters
    ----------
    sizes : ``[D, H1, ..., C]``; layer ``k`` maps ``sizes[k]`` to ``sizes[k+1]``.
    scheme : a key of ``INIT_SCHEMES``.
    rng : Generator or int seed; the draw is made in float64 and then cast, so the same
        seed gives the same values (up to rounding) in every dtype.
    dtype : floating dtype of the returned arrays.
    """
    sizes = check_sizes(sizes)
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"unknown init scheme {scheme!r}; known: {', '.join(INIT_SCHEMES)}")
    rng = as_generator(rng)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W, b = INIT_SCHEMES[scheme](rng, fan_in, fan_out)
        b = np.zeros(fan_out) if b is None else b
        params.append((np.ascontiguousarray(W, dtype=dtype), np.ascontiguousarray(b, dtype=dtype)))
    return params
