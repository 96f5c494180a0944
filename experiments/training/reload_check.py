"""The saved-weights check of ``[output] reload_check = true``: a trained cell's model is
written to a model file by its own implementation (``fcann2.save_model``,
``pt_deep.save_npz``), read back into every implementation that loads model files (``fcann2.load_model``,
``pt_deep.load_npz``), and each reloaded model is scored on the test set. It runs in the
worker (it needs the data and torch); the report only reads what it records."""
from __future__ import annotations

import tempfile
from pathlib import Path

from data_utils.training.param_io import model_metadata, save_params_npz

from ..implementations.registry import Implementation, loaders, max_abs_diff, model_outputs
from .scoring import evaluate
from .setup import RunSetup

__all__ = ["reload_check"]


def _save(model, impl: Implementation, path: Path, activation: str, loss: str, negative_slope: float) -> None:
    if impl.save is not None:
        impl.save(model, path)
    else:  # a plug-in network: its parameters in the shared format
        params = model.to_params()
        save_params_npz(path, params, model_metadata(params, activation, loss, negative_slope, impl.name))


def reload_check(model, impl: Implementation, setup: RunSetup, activation: str, negative_slope: float) -> dict:
    """Save ``model`` (trained by ``impl``), reload it into every implementation, score each.

    Returns ``{impl name: {"test": test metrics, "max_output_diff": max |reloaded output -
    trained output| over the test set}}`` for every implementation that can load a model
    file (``implementations.registry.loaders``: numpy and torch); outputs are
    probabilities (classification) or predictions (regression).
    """
    trained = model_outputs(model, setup.X_test)
    out = {}
    with tempfile.TemporaryDirectory(prefix="reload-check-") as tmp:
        path = Path(tmp) / "model.npz"
        _save(model, impl, path, activation, setup.loss, negative_slope)
        for name, target in loaders().items():
            loaded = target.load(path)
            outputs = model_outputs(loaded, setup.X_test)
            out[name] = {"test": evaluate(setup, lambda X, o=outputs: o, ("test",))["test"],
                         "max_output_diff": max_abs_diff(outputs, trained)}
    return out
