"""One backward pass compared: fcann2's explicit gradients against torch autograd in
float64, tensor by tensor, for the objective (mean loss + L2 penalty on weights)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

import fcann2
import pt_deep

from ..implementations.registry import max_abs_diff

__all__ = ["gradient_parity", "gradient_table", "param_names"]


def param_names(n_layers: int) -> list[str]:
    """Tensor names in parameter order: ``["W1", "b1", "W2", ...]``."""
    return [f"{p}{k + 1}" for k in range(n_layers) for p in ("W", "b")]


def gradient_table(grads: list[np.ndarray], reference: list[np.ndarray], n_layers: int) -> pd.DataFrame:
    """One row per tensor (``param``, ``shape``, ``max_abs``, ``max_rel``, ``scaled``):
    ``max_rel`` is ``|g - g_ref| / max(|g_ref|, tiny)``, the max over elements; ``scaled``
    is ``max_abs / max(1, max |g_ref|)`` (what a tolerance is judged on)."""
    rows = []
    for name, g, h in zip(param_names(n_layers), grads, reference):
        g, h = np.asarray(g, dtype=np.float64), np.asarray(h, dtype=np.float64)
        if g.shape != h.shape:
            rows.append({"param": name, "shape": tuple(g.shape), "max_abs": np.inf, "max_rel": np.inf,
                         "scaled": np.inf})
            continue
        tiny = np.finfo(np.float64).tiny
        with np.errstate(all="ignore"):
            rel = float(np.max(np.abs(g - h) / np.maximum(np.abs(h), tiny))) if g.size else 0.0
        d = max_abs_diff(g, h)
        scale = max(1.0, float(np.max(np.abs(h)))) if h.size else 1.0
        rows.append({"param": name, "shape": tuple(g.shape), "max_abs": d, "max_rel": rel,
                     "scaled": d / scale if np.isfinite(d) else np.inf})
    return pd.DataFrame(rows)


def torch_gradients(params, X, y, *, activation: str, loss: str, weight_decay: float = 0.0,
                    negative_slope: float = 0.01) -> tuple[float, list[np.ndarray]]:
    """The objective's value (mean loss + ``weight_decay/2 * sum ||W||^2``) and its
    gradients ``[dW1, db1, ...]`` by torch autograd, in the dtype of ``params``."""
    model = pt_deep.PTDeep.from_params(params, activation, loss, negative_slope)
    objective = model.loss(torch.from_numpy(np.ascontiguousarray(X)), torch.from_numpy(np.ascontiguousarray(y)))
    if weight_decay:
        objective = objective + 0.5 * weight_decay * sum(layer.weight.pow(2).sum() for layer in model.layers)
    objective.backward()
    return objective.item(), [t.grad.numpy().copy() for layer in model.layers for t in (layer.weight, layer.bias)]


def gradient_parity(params, X, y, *, activation: str = "relu", loss: str = "cross_entropy",
                    weight_decay: float = 0.0, negative_slope: float = 0.01) -> pd.DataFrame:
    """One backward pass of fcann2 and of torch at ``params`` on the batch ``(X, y)``.

    Returns one row per parameter: ``param``, ``shape``, ``max_abs``, ``max_rel``, plus the
    two objective values ``loss_numpy`` and ``loss_torch``.
    """
    np_model = fcann2.MLP(params, activation, loss, negative_slope)
    X = np_model.check_X(X)
    y = np_model.check_y(y, X.shape[0])
    loss_np = np_model.loss(X, y)
    grads_np = []
    for (W, _), (dW, db) in zip(np_model.params, np_model.backward()):
        grads_np += [dW + weight_decay * W, db.copy()]
    if weight_decay:
        loss_np += 0.5 * weight_decay * sum(float(np.sum(W * W)) for W, _ in np_model.params)
    loss_pt, grads_pt = torch_gradients(params, X, y, activation=activation, loss=loss, weight_decay=weight_decay,
                                        negative_slope=negative_slope)
    table = gradient_table(grads_np, grads_pt, len(params))
    return table.assign(loss_numpy=loss_np, loss_torch=loss_pt)
