"""Save and load ``PTDeep``: torch ``state_dict`` files and the shared ``.npz`` format."""
from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import torch

from data_utils.training.param_io import (FORMAT_VERSION, ModelFileError, check_model_names, load_params_npz,
                                          model_metadata, save_params_npz)

from .model import PTDeep, TORCH_ACTIVATIONS, TORCH_LOSSES

__all__ = ["save_state", "load_state", "save_npz", "load_npz", "ModelFileError"]

STATE_FORMAT_VERSION = 1


def _meta(model: PTDeep, params=None) -> dict:
    params = model.to_params() if params is None else params
    return model_metadata(params, model.activation, model.loss_name, model.negative_slope, "pt_deep")


def _check_meta(meta: dict, path, version: int = FORMAT_VERSION) -> None:
    check_model_names(meta, path, TORCH_ACTIVATIONS, TORCH_LOSSES, version)


def save_state(model: PTDeep, path: str | Path) -> Path:
    """``torch.save`` of ``{"state_dict", "meta"}`` - only tensors and plain values."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(),
                "meta": {**_meta(model), "format_version": STATE_FORMAT_VERSION}}, path)
    return path


def load_state(path: str | Path) -> PTDeep:
    """Load a file written by ``save_state`` with ``weights_only=True`` (no code runs)."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, EOFError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ModelFileError(f"{path} is not a loadable PTDeep state file: {exc}") from exc
    if not isinstance(blob, dict) or set(blob) != {"state_dict", "meta"}:
        raise ModelFileError(f"{path}: expected keys ['meta', 'state_dict'], got "
                             f"{sorted(blob) if isinstance(blob, dict) else type(blob).__name__}")
    meta = blob["meta"]
    _check_meta(meta, path, STATE_FORMAT_VERSION)  # a dict, sizes, dtype, a finite slope, known names
    try:
        model = PTDeep(meta["sizes"], meta["activation"], meta["loss"], meta["dtype"], meta["negative_slope"])
        model.load_state_dict(blob["state_dict"], strict=True)
    except (KeyError, RuntimeError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path}: state does not match its metadata: {exc}") from exc
    return model


def save_npz(model: PTDeep, path: str | Path) -> Path:
    """Write the shared ``.npz`` format (readable by ``fcann2.load_model``)."""
    params = model.to_params()
    return save_params_npz(path, params, _meta(model, params))


def load_npz(path: str | Path) -> PTDeep:
    """Build a ``PTDeep`` from a shared ``.npz`` file (e.g. written by ``fcann2.save_model``)."""
    params, meta = load_params_npz(path)
    _check_meta(meta, path)
    return PTDeep.from_params(params, meta["activation"], meta["loss"], meta.get("negative_slope", 0.01))
