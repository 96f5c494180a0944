"""The shared model file: parameters in ``.npz`` plus a JSON metadata block.

Layout: arrays ``W0, b0, W1, b1, ...`` in the shared (out, in)/(out,) layout and
``metadata``, a uint8 array holding UTF-8 JSON (so no pickling is ever needed). Both
implementations read and write this format, which is how a model moves between them.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["FORMAT_VERSION", "save_params_npz", "load_params_npz", "ModelFileError", "model_metadata",
           "check_model_names"]

FORMAT_VERSION = 1
_REQUIRED_META = ("format_version", "sizes", "activation", "loss", "dtype")


class ModelFileError(ValueError):
    """A model file is missing, corrupt, truncated, pickled or does not match its metadata."""


def model_metadata(params, activation: str, loss: str, negative_slope: float, library: str) -> dict:
    """The metadata block describing a network with ``params`` (sizes and dtype read off them)."""
    W0 = np.asarray(params[0][0])
    return {"sizes": [W0.shape[1]] + [np.shape(W)[0] for W, _ in params], "activation": activation,
            "loss": loss, "dtype": W0.dtype.name, "negative_slope": float(negative_slope), "library": library}


def check_model_names(meta: dict, path, activations, losses) -> None:
    """Raise ``ModelFileError`` unless the file's activation and loss are known to the loader."""
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


def load_params_npz(path: str | Path):
    """Read and validate a model file; returns ``(params, metadata)``.

    Raises ``ModelFileError`` naming the file and the problem for a missing, corrupt,
    truncated, pickled, wrong-version or inconsistent file.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
        raise ModelFileError(f"{path} is not a valid model file (corrupt or truncated .npz): {exc}") from exc
    except ValueError as exc:  # numpy: pickled object arrays or a non-npz file
        raise ModelFileError(f"{path} cannot be loaded safely: {exc}") from exc
    if not isinstance(arrays, dict) or "metadata" not in arrays:
        raise ModelFileError(f"{path} has no metadata block")
    try:
        meta = json.loads(arrays.pop("metadata").tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: metadata is not valid JSON: {exc}") from exc
    missing = [k for k in _REQUIRED_META if k not in meta]
    if missing:
        raise ModelFileError(f"{path}: metadata lacks {missing}")
    if meta["format_version"] != FORMAT_VERSION:
        raise ModelFileError(f"{path}: format_version {meta['format_version']!r} is not supported "
                             f"(this code reads version {FORMAT_VERSION})")
    if meta["dtype"] not in ("float32", "float64"):
        raise ModelFileError(f"{path}: metadata dtype {meta['dtype']!r} is not float32 or float64")
    sizes = meta["sizes"]
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(isinstance(s, int) and s > 0 for s in sizes)):
        raise ModelFileError(f"{path}: metadata sizes {sizes!r} is not a list of positive ints")
    n_layers = len(sizes) - 1
    expected = {f"{p}{k}" for k in range(n_layers) for p in "Wb"}
    if set(arrays) != expected:
        raise ModelFileError(f"{path}: arrays {sorted(arrays)} do not match sizes {sizes} "
                             f"(expected {sorted(expected)})")
    params = []
    for k in range(n_layers):
        W, b = arrays[f"W{k}"], arrays[f"b{k}"]
        if W.shape != (sizes[k + 1], sizes[k]) or b.shape != (sizes[k + 1],):
            raise ModelFileError(f"{path}: layer {k} has W {W.shape}, b {b.shape}; sizes {sizes} "
                                 f"need W {(sizes[k + 1], sizes[k])}, b {(sizes[k + 1],)}")
        if W.dtype != np.dtype(meta["dtype"]) or b.dtype != np.dtype(meta["dtype"]):
            raise ModelFileError(f"{path}: layer {k} dtype {W.dtype} differs from metadata {meta['dtype']}")
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ModelFileError(f"{path}: layer {k} holds NaN or inf")
        params.append((W, b))
    return params, meta
