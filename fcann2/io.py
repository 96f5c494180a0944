"""Save and load an ``MLP`` as ``.npz`` (the format of ``data_utils.training.param_io``)."""
from __future__ import annotations

from pathlib import Path

from data_utils.training.param_io import (ModelFileError, check_model_names, load_params_npz, model_metadata,
                                 save_params_npz)

from .functional import ACTIVATIONS, LOSSES
from .model import MLP

__all__ = ["save_model", "load_model", "ModelFileError"]


def save_model(model: MLP, path: str | Path) -> Path:
    """Write ``model``'s parameters and description to ``path``; round trip is exact."""
    meta = model_metadata(model.params, model.activation, model.loss_name, model.negative_slope, "fcann2")
    return save_params_npz(path, model.params, meta)


def load_model(path: str | Path) -> MLP:
    """Read a model file written by ``save_model`` (or by pt_deep); validates everything."""
    params, meta = load_params_npz(path)
    check_model_names(meta, path, ACTIVATIONS, LOSSES)
    return MLP(params, meta["activation"], meta["loss"], meta.get("negative_slope", 0.01))
