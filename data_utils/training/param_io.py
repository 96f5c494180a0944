"""The shared model file: parameters in ``.npz`` plus a JSON metadata block.

Layout: arrays ``W0, b0, W1, b1, ...`` in the shared (out, in)/(out,) layout and
``metadata``, a uint8 array holding UTF-8 JSON (so no pickling is ever needed). Both
implementations read and write this format, which is how a model moves between them.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .npz_reader import NpzArchive, NpzFileError

__all__ = ["FORMAT_VERSION", "save_params_npz", "load_params_npz", "ModelFileError", "model_metadata",
           "check_model_names", "check_metadata"]

FORMAT_VERSION = 1
_REQUIRED_META = ("format_version", "sizes", "activation", "loss", "dtype")
_MAX_META_BYTES = 1 << 16  # the metadata block is a few hundred bytes


class ModelFileError(ValueError):
    """A model file is missing, corrupt, truncated, pickled, hostile (a decompression bomb,
    sizes it does not hold) or does not match its metadata: the one error of both model formats."""


def model_metadata(params, activation: str, loss: str, negative_slope: float, library: str) -> dict:
    """The metadata block describing a network with ``params`` (sizes and dtype read off them)."""
    W0 = np.asarray(params[0][0])
    return {"sizes": [W0.shape[1]] + [np.shape(W)[0] for W, _ in params], "activation": activation,
            "loss": loss, "dtype": W0.dtype.name, "negative_slope": float(negative_slope), "library": library}


def check_model_names(meta: dict, path, activations, losses, version: int = FORMAT_VERSION) -> None:
    """Raise ``ModelFileError`` unless the file's metadata is usable (``check_metadata``) and
    its activation and loss are known to the loader."""
    check_metadata(meta, path, version)
    if meta.get("activation") not in activations:
        raise ModelFileError(f"{path}: unknown activation {meta.get('activation')!r}")
    if meta.get("loss") not in losses:
        raise ModelFileError(f"{path}: unknown loss {meta.get('loss')!r}")


def save_params_npz(path: str | Path, params, metadata: dict) -> Path:
    """Write ``params`` (list of ``(W, b)``) and ``metadata`` to ``path`` (.npz)."""
    path = Path(path)
    meta = {"format_version": FORMAT_VERSION, **metadata}
    missing = [k for k in _REQUIRED_META if k not in meta]
    if missing:
        raise ValueError(f"metadata lacks {missing}")
    arrays = {}
    for k, (W, b) in enumerate(params):
        arrays[f"W{k}"], arrays[f"b{k}"] = np.asarray(W), np.asarray(b)
    arrays["metadata"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:  # exact name: np.savez would append .npz
        np.savez(fh, **arrays)
    return path


def check_metadata(meta, path, version: int = FORMAT_VERSION) -> dict:
    """``meta`` (a model file's metadata block, of format ``version``) if every key holds a
    usable value, else ``ModelFileError`` naming ``path`` and the key."""
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: metadata is {type(meta).__name__} {meta!r:.60}, not a JSON object")
    missing = [k for k in _REQUIRED_META if k not in meta]
    if missing:
        raise ModelFileError(f"{path}: metadata lacks {missing}")
    found = meta["format_version"]
    if isinstance(found, bool) or found != version:
        raise ModelFileError(f"{path}: format_version {found!r} is not supported (this code reads version {version})")
    if meta["dtype"] not in ("float32", "float64"):
        raise ModelFileError(f"{path}: metadata dtype {meta['dtype']!r} is not float32 or float64")
    sizes = meta["sizes"]
    if not (isinstance(sizes, list) and len(sizes) >= 2
            and all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes)):
        raise ModelFileError(f"{path}: metadata sizes {sizes!r} is not a list of positive ints")
    for key in ("activation", "loss", "library"):
        if key in meta and not isinstance(meta[key], str):
            raise ModelFileError(f"{path}: metadata {key} {meta[key]!r} is not a string")
    slope = meta.get("negative_slope", 0.01)
    if isinstance(slope, bool) or not isinstance(slope, (int, float)) or not math.isfinite(slope) or slope < 0:
        raise ModelFileError(f"{path}: metadata negative_slope {slope!r} is not a finite number >= 0")
    return meta


def load_params_npz(path: str | Path):
    """Read and validate a model file; returns ``(params, metadata)``.

    Raises ``ModelFileError`` naming the file, the member or key and the problem for a
    missing, corrupt, truncated, pickled, wrong-version or inconsistent file, before
    allocating more than its headers (checked against the metadata) declare.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    try:
        with NpzArchive(path) as npz:
            return _read_model(npz, path)
    except NpzFileError as exc:
        raise ModelFileError(f"invalid model file: {exc}") from exc


def _read_model(npz: NpzArchive, path: Path):
    head = npz.headers.get("metadata")
    if head is None:
        raise ModelFileError(f"{path} has no metadata block")
    if head.dtype != np.uint8 or len(head.shape) != 1 or head.nbytes > _MAX_META_BYTES:
        raise ModelFileError(f"{path}: member 'metadata' is {head.dtype} {head.shape}, not UTF-8 JSON bytes "
                             f"(uint8, at most {_MAX_META_BYTES} bytes)")
    try:
        meta = json.loads(npz.read("metadata").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{path}: metadata is not valid JSON: {exc}") from exc
    sizes = check_metadata(meta, path)["sizes"]
    n_layers = len(sizes) - 1
    expected = {f"{p}{k}" for k in range(n_layers) for p in "Wb"}
    arrays = set(npz.headers) - {"metadata"}
    if arrays != expected:
        raise ModelFileError(f"{path}: arrays {sorted(arrays)} do not match sizes {sizes} "
                             f"(expected {sorted(expected)})")
    dtype = np.dtype(meta["dtype"])
    for k in range(n_layers):  # every header against the metadata before any data is read
        W, b = npz.headers[f"W{k}"], npz.headers[f"b{k}"]
        if W.shape != (sizes[k + 1], sizes[k]) or b.shape != (sizes[k + 1],):
            raise ModelFileError(f"{path}: layer {k} has W {W.shape}, b {b.shape}; sizes {sizes} "
                                 f"need W {(sizes[k + 1], sizes[k])}, b {(sizes[k + 1],)}")
        if W.dtype != dtype or b.dtype != dtype:
            raise ModelFileError(f"{path}: layer {k} dtype {W.dtype} differs from metadata {meta['dtype']}")
    params = []
    for k in range(n_layers):
        W, b = npz.read(f"W{k}"), npz.read(f"b{k}")
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ModelFileError(f"{path}: layer {k} holds NaN or inf")
        params.append((W, b))
    return params, meta
