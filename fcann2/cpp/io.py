"""Save and load a ``CppMLP`` in the project's model file (``data_utils.training.param_io``:
``.npz`` arrays ``W0, b0, ...`` and a JSON metadata block). The arrays are the C++ network's
own parameter buffer (views of it), written and read by the shared Python writer/reader, so
a model trained by any implementation loads in the others."""
from __future__ import annotations

from pathlib import Path

from data_utils.training.param_io import (ModelFileError, check_model_names, load_params_npz, model_metadata,
                                          save_params_npz)

from .model import ACTIVATION_CODES, LOSS_CODES, CppMLP

__all__ = ["save_model", "load_model", "ModelFileError"]


def save_model(model: CppMLP, path: str | Path) -> Path:
    """Write ``model``'s parameters and description to ``path``; round trip is exact."""
    meta = model_metadata(model.params, model.activation, model.loss_name, model.negative_slope, "fcann2.cpp")
    return save_params_npz(path, model.params, meta)


def load_model(path: str | Path) -> CppMLP:
    """Read a model file written by any implementation; validates everything."""
    params, meta = load_params_npz(path)
    check_model_names(meta, path, ACTIVATION_CODES, LOSS_CODES)
    return CppMLP(params, meta["activation"], meta["loss"], meta.get("negative_slope", 0.01))
