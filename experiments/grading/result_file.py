"""The child's result as data only: JSON in which arrays, NumPy scalars, tuples and dicts
with non-text keys are tagged objects (``{"__t__": "array", "dtype": "float64", "shape":
[2, 3], "data": [[...], ...]}``), so reading it back builds numbers, strings, lists, dicts
and plain-dtype arrays - never an object or a call (unlike a pickle, which student code
could forge: it runs in the child and can write any file the child can).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["dump_result", "load_result", "ResultFileError"]

TAG = "__t__"
_KINDS = "biufU"  # bool, int, unsigned, float, text: no object, void or datetime arrays


class ResultFileError(ValueError):
    """A result file that is not valid data of the expected shape."""


def _enc(value):
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _KINDS:
            raise TypeError(f"an array of dtype {value.dtype} cannot be stored as data")
        return {TAG: "array", "dtype": value.dtype.str, "shape": list(value.shape), "data": value.tolist()}
    if isinstance(value, np.generic):
        return {TAG: "scalar", "value": _enc(np.asarray(value))}
    if isinstance(value, tuple):
        return {TAG: "tuple", "items": [_enc(v) for v in value]}
    if isinstance(value, list):
        return [_enc(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and TAG not in value:
            return {k: _enc(v) for k, v in value.items()}
        return {TAG: "dict", "items": [[_enc(k), _enc(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a {type(value).__name__} cannot be stored as data")


def _dec(obj: dict):
    tag = obj.get(TAG)
    if tag is None:
        return obj
    if tag == "array":
        dtype = np.dtype(obj["dtype"])
        if dtype.kind not in _KINDS:
            raise ResultFileError(f"an array of dtype {dtype} in the result")
        return np.array(obj["data"], dtype=dtype).reshape(obj["shape"])
    if tag == "scalar":
        return obj["value"][()]
    if tag == "tuple":
        return tuple(obj["items"])
    if tag == "dict":
        return {(tuple(k) if isinstance(k, list) else k): v for k, v in obj["items"]}
    raise ResultFileError(f"unknown tag {tag!r} in the result")


def dump_result(result: dict, path: Path) -> None:
    """Write ``result`` (plain data and arrays) to ``path`` as tagged JSON."""
    text = json.dumps(_enc(result))
    with open(path, "w") as fh:
        fh.write(text)


def load_result(path: Path) -> dict:
    """The result dict stored in ``path``; ``ResultFileError`` when it is not one."""
    try:
        result = json.loads(Path(path).read_text(errors="strict"), object_hook=_dec)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:  # ValueError: JSON and reshape
        raise ResultFileError(f"the result file is not valid data: {str(exc)[:200]}") from None
    if not isinstance(result, dict) or not isinstance(result.get("status"), str):
        raise ResultFileError("the result file holds no result (no status)")
    return result
