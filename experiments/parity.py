"""Parity: do fcann2 and pt_deep compute the same thing?

``lockstep`` trains both implementations side by side from one set of initial parameters
on one schedule and records, after every step, the max absolute difference of every
parameter and of the loss; at the end, of the predicted outputs on the test set.
``gradient_parity`` compares one backward pass of each against the other. Both return
data; printing is the CLI's job.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits

import fcann2
import pt_deep

from .config import ExperimentConfig
from .implementations import get_impl, max_abs_diff, model_outputs
from .setup import prepare

__all__ = ["ParityResult", "lockstep", "gradient_parity", "DEFAULT_TOLERANCE", "param_names"]

# Max |dTheta| allowed, justified by measurement (see README, "Parity"): float64 runs of
# thousands of steps stay below ~1e-13; float32 below ~1e-5.
DEFAULT_TOLERANCE = {"float64": 1e-9, "float32": 1e-3}


def param_names(n_layers: int) -> list[str]:
    return [f"{p}{k + 1}" for k in range(n_layers) for p in ("W", "b")]


@dataclass
class ParityResult:
    """Per-step differences (``steps``), end-of-run summary (``final``) and the verdict.

    The verdict compares ``max_dtheta_scaled`` - each parameter's max |dTheta| divided by
    ``max(1, max |Theta|)`` - and the relative loss difference with the tolerance. For
    parameters of order 1 (every healthy run) that is the plain max |dTheta|; the scaling
    only matters for runs whose weights grow huge, where rounding is relative.
    """

    steps: pd.DataFrame
    final: dict
    tolerance: float
    dtype: str
    config: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        f = self.final
        return (f["status_numpy"] == f["status_torch"] and f["steps_numpy"] == f["steps_torch"]
                and f["best_epoch_numpy"] == f["best_epoch_torch"]
                and f["max_dtheta_scaled"] <= self.tolerance and f["max_rel_dloss"] <= self.tolerance
                and (f["status_numpy"] == "diverged" or f["final_dtheta_scaled"] <= self.tolerance))

    def verdict(self) -> str:
        f = self.final
        word = "PASS" if self.passed else "FAIL"
        line = (f"{word}: max |dTheta| = {f['max_dtheta']:.3e} (scaled by max(1, |Theta|): "
                f"{f['max_dtheta_scaled']:.3e}), max relative |dLoss| = {f['max_rel_dloss']:.3e} "
                f"over {f['steps_numpy']} steps ({self.dtype}); tolerance {self.tolerance:.1e}")
        if f["status_numpy"] != f["status_torch"] or f["steps_numpy"] != f["steps_torch"]:
            line += (f"; numpy {f['status_numpy']} after {f['steps_numpy']} steps, "
                     f"torch {f['status_torch']} after {f['steps_torch']}")
        return line


def _torch_views(model: pt_deep.PTDeep) -> list[np.ndarray]:
    # Views sharing memory with the parameters: optimizer.step updates them in place.
    return [t.detach().numpy() for layer in model.layers for t in (layer.weight, layer.bias)]


def lockstep(cfg: ExperimentConfig, *, steps: int | None = None, dtype: str | None = None,
             tolerance: float | None = None) -> ParityResult:
    """Train numpy and torch in lockstep on ``cfg``'s data, parameters and schedule.

    ``steps`` overrides the schedule length; ``dtype`` overrides ``train.dtype``. Runs
    with one BLAS and one torch thread: faster on networks this small, and immune to a
    busy machine's oversubscription.
    """
    with threadpool_limits(limits=1), pt_deep.num_threads(1):
        return _lockstep(cfg, steps=steps, dtype=dtype, tolerance=tolerance)


def _lockstep(cfg: ExperimentConfig, *, steps, dtype, tolerance) -> ParityResult:
    if dtype is not None:
        cfg = cfg.model_copy(update={"train": cfg.train.model_copy(update={"dtype": dtype})})
    dtype = cfg.train.dtype
    tol = DEFAULT_TOLERANCE[dtype] if tolerance is None else float(tolerance)
    setup = prepare(cfg, n_steps=steps)
    models, iters = {}, {}
    for name in ("numpy", "torch"):
        impl = get_impl(name)
        models[name] = impl.model.from_params(setup.params, cfg.model.activation, setup.loss,
                                              cfg.model.negative_slope)
        iters[name] = impl.iter_train(models[name], setup.X_train, setup.y_train, **setup.train_options(cfg))
    np_arrays = [a for W_b in models["numpy"].params for a in W_b]
    pt_arrays = _torch_views(models["torch"])
    names = param_names(len(setup.sizes) - 1)
    rows = []
    status = {"numpy": "ok", "torch": "ok"}
    count = {"numpy": 0, "torch": 0}
    with np.errstate(all="ignore"):
        # zip_longest: when one side stops (diverged) the other is still run to its end
        for a, b in itertools.zip_longest(iters["numpy"], iters["torch"]):
            for name, item in (("numpy", a), ("torch", b)):
                if item is not None:
                    if np.isfinite(item[1]):
                        count[name] += 1
                    else:
                        status[name] = "diverged"
            if a is None or b is None:
                continue
            (step, loss_np, _), (_, loss_pt, _) = a, b
            row = {"step": step, "loss_numpy": loss_np, "loss_torch": loss_pt,
                   "dloss": abs(loss_np - loss_pt)}
            for n, x, z in zip(names, np_arrays, pt_arrays):
                row[f"d{n}"] = max_abs_diff(x, z)
            row["dtheta_scaled"] = _scaled_dtheta(np_arrays, pt_arrays)
            rows.append(row)
    table = pd.DataFrame(rows)
    dcols = [f"d{n}" for n in names]
    if len(table):
        table["dtheta"] = table[dcols].max(axis=1)
        rel = table["dloss"] / np.maximum(1.0, table[["loss_numpy", "loss_torch"]].abs().max(axis=1))
    else:
        rel = pd.Series(dtype=float)
    final = {"steps_numpy": count["numpy"], "steps_torch": count["torch"], "status_numpy": status["numpy"],
             "status_torch": status["torch"]}
    finite = table
    if len(table) and final["status_numpy"] == final["status_torch"] == "diverged":
        # both diverged at the same step: compare the finite history only
        keep = np.isfinite(table["loss_numpy"]) & np.isfinite(table["loss_torch"])
        finite, rel = table[keep], rel[keep]
    final["max_dtheta"] = float(finite["dtheta"].max()) if len(finite) else 0.0
    final["max_dtheta_scaled"] = float(finite["dtheta_scaled"].max()) if len(finite) else 0.0
    final["max_rel_dloss"] = float(np.nanmax(rel.to_numpy())) if len(rel) else 0.0
    # the parameters the models end with (the best epoch's, with early stopping)
    final["final_dtheta"] = max(max_abs_diff(x, z) for x, z in zip(np_arrays, pt_arrays))
    final["final_dtheta_scaled"] = _scaled_dtheta(np_arrays, pt_arrays)
    for name, loop in iters.items():
        final[f"best_epoch_{name}"] = loop.result.best_epoch
    final.update(_prediction_parity(models, setup))
    return ParityResult(table, final, tol, dtype, cfg.base())


def _scaled_dtheta(np_arrays, pt_arrays) -> float:
    """max over tensors of max |dTheta| / max(1, max |Theta|)."""
    return max(max_abs_diff(x, z) / max(1.0, float(np.max(np.abs(x)))) for x, z in zip(np_arrays, pt_arrays))


def _prediction_parity(models, setup) -> dict:
    with np.errstate(all="ignore"):
        out = {name: model_outputs(m, setup.X_test) for name, m in models.items()}
    diff = max_abs_diff(out["numpy"], out["torch"])
    agree = float(np.mean(out["numpy"].argmax(axis=1) == out["torch"].argmax(axis=1))) \
        if setup.is_classification else float("nan")
    return {"test_output_max_diff": diff, "test_class_agreement": agree}


def gradient_parity(params, X, y, *, activation: str = "relu", loss: str = "cross_entropy",
                    weight_decay: float = 0.0, negative_slope: float = 0.01) -> pd.DataFrame:
    """One backward pass of each implementation at ``params`` on the batch ``(X, y)``.

    Gradients are of the objective (mean loss + ``weight_decay/2 * sum ||W||^2``).
    Returns one row per parameter: ``param``, ``shape``, ``max_abs`` and ``max_rel``
    (``|g_np - g_pt| / max(|g_pt|, tiny)``, max over elements), plus the two loss values.
    """
    np_model = fcann2.MLP(params, activation, loss, negative_slope)
    X = np_model.check_X(X)
    y = np_model.check_y(y, X.shape[0])
    loss_np = np_model.loss(X, y)
    grads_np = []
    for (W, _), (dW, db) in zip(np_model.params, np_model.backward()):
        grads_np += [dW + weight_decay * W, db.copy()]
    pt_model = pt_deep.PTDeep.from_params(params, activation, loss, negative_slope)
    objective = pt_model.loss(torch.from_numpy(X), torch.from_numpy(y))
    loss_pt = objective.item()
    if weight_decay:
        objective = objective + 0.5 * weight_decay * sum(layer.weight.pow(2).sum() for layer in pt_model.layers)
    objective.backward()
    grads_pt = [t.grad.numpy() for layer in pt_model.layers for t in (layer.weight, layer.bias)]
    rows = []
    for name, g, h in zip(param_names(len(pt_model.layers)), grads_np, grads_pt):
        tiny = np.finfo(g.dtype).tiny
        rows.append({"param": name, "shape": tuple(g.shape), "max_abs": max_abs_diff(g, h),
                     "max_rel": float(np.max(np.abs(g - h) / np.maximum(np.abs(h), tiny))),
                     "loss_numpy": loss_np, "loss_torch": loss_pt})
    return pd.DataFrame(rows)
