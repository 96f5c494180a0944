"""Save and load an ``MLP`` as ``.npz`` (the format of ``data_utils.param_io``)."""
from __future__ import annotations

from pathlib import Path

from data_utils.param_io import ModelFileError, load_params_npz, save_params_npz

from .functional import ACTIVATIONS, LOSSES
from .model import MLP

__all__ = ["save_model", "load_model", "ModelFileError"]


def save_model(model: MLP, path: str | Path) -> Path:
    """Write ``model``'s parameters and description to ``path``; round trip is exact."""
    meta = {"sizes": model.sizes, "activation": model.activation, "loss": model.loss_name,
            "dtype": model.dtype.name, "negative_slope": model.negative_slope, "library": "fcann2"}
    return save_params_npz(path, model.params, meta)


def load_model(path: str | Path) -> MLP:
    """Read a model file written by ``save_model`` (or by pt_deep); validates everything."""
    params, meta = load_params_npz(path)
    if meta["activation"] not in ACTIVATIONS:
        raise ModelFileError(f"{path}: unknown activation {meta['activation']!r}")
    if meta["loss"] not in LOSSES:
        raise ModelFileError(f"{path}: unknown loss {meta['loss']!r}")
    return MLP(params, meta["activation"], meta["loss"], meta.get("negative_slope", 0.01))
