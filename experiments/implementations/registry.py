"""The registry of implementations: the built-in ones (``numpy``: fcann2, ``torch``: pt_deep)
built from their packages, ``cpp`` (fcann2.cpp) when its C++ library is built, and plug-ins
built on demand. This is the only place where fcann2 and pt_deep meet; importing it loads both."""
from __future__ import annotations

import numpy as np

import fcann2
import fcann2.cpp
import fcann2.stacked_trainer
import pt_deep
import pt_deep.stacked_trainer

from . import BUILTIN, unavailable
from .base import Implementation

__all__ = ["Implementation", "IMPLS", "get_impl", "loaders", "max_abs_diff", "model_outputs"]


def _numpy_views(model: fcann2.MLP) -> list[np.ndarray]:
    return [a for W_b in model.params for a in W_b]   # views into the flat parameter buffer


def _torch_views(model: pt_deep.PTDeep) -> list[np.ndarray]:
    # Views sharing memory with the parameters: optimizer.step updates them in place.
    return [t.detach().numpy() for layer in model.layers for t in (layer.weight, layer.bias)]


IMPLS = {
    "numpy": Implementation("numpy", fcann2.MLP, fcann2.train, fcann2.iter_train, fcann2.load_model,
                            fcann2.save_model, fcann2.stacked_trainer.train_stacked, _numpy_views),
    "torch": Implementation("torch", pt_deep.PTDeep, pt_deep.train, pt_deep.iter_train, pt_deep.load_npz,
                            pt_deep.save_npz, pt_deep.stacked_trainer.train_stacked, _torch_views),
}
if set(IMPLS) != set(BUILTIN):
    raise ImportError(f"implementations: the registry builds {sorted(IMPLS)}, BUILTIN declares {sorted(BUILTIN)}")
if fcann2.cpp.available():
    IMPLS["cpp"] = Implementation("cpp", fcann2.cpp.CppMLP, fcann2.cpp.train, fcann2.cpp.iter_train,
                                  fcann2.cpp.load_model, fcann2.cpp.save_model, param_views=_numpy_views)


def get_impl(name: str) -> Implementation:
    """``numpy``, ``torch``, ``cpp`` (when built), or a plug-in network named ``package.module:Class``."""
    if name in IMPLS:
        return IMPLS[name]
    if unavailable(name):
        raise ValueError(f"impl {name!r} is not available: {unavailable(name)}")
    from .plugin import PLUGIN_SPEC, plugin_implementation
    if not PLUGIN_SPEC.match(name):
        raise ValueError(f"unknown implementation {name!r}; known: {', '.join(IMPLS)} or package.module:Class")
    return plugin_implementation(name)


def loaders() -> dict[str, Implementation]:
    """The implementations that can read a model file (``load`` not ``None``): where the
    reload check reads a saved model back into."""
    return {name: impl for name, impl in IMPLS.items() if impl.load is not None}


def model_outputs(model, X) -> np.ndarray:
    """Class probabilities (classification) or outputs (regression) of either model."""
    return model.predict_proba(X) if model.loss_name == "cross_entropy" else model.output(X)


def max_abs_diff(a, b) -> float:
    """Largest absolute elementwise difference of two arrays (inf if the shapes differ)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b))) if a.size else 0.0
