"""Parity: does an implementation compute what the reference (pt_deep, torch autograd)
computes?

``lockstep`` trains a candidate (fcann2, or a plug-in network) and the reference side by
side from one set of initial parameters, on one schedule, with one recipe, and records
after every step the max absolute difference of every parameter tensor and of the loss;
at the end, of the final (possibly restored) parameters and of the test outputs. When the
two drift apart it measures a baseline - the reference against itself from initial
parameters perturbed at rounding level - and classifies the drift (``parity.chaos``).
Everything returns data; printing is the CLI's job.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

import pt_deep

from ..config.load import ExperimentConfig
from ..implementations import BUILTIN, OPTIONAL, REFERENCE, candidates
from ..implementations.registry import get_impl, max_abs_diff, model_outputs
from .gradients import gradient_table, param_names, torch_gradients
from .chaos import Drift, classify_drift, perturb_one_ulp
from ..training.setup import RunSetup, prepare
from .tolerance import DEFAULT_TOLERANCE, scaled_difference
from .verdict import PASSING, Evidence, Verdict, decide, prediction_agreement

__all__ = ["ParityResult", "Side", "lockstep", "compare_sides", "DEFAULT_TOLERANCE", "param_names"]



@dataclass
class Side:
    """One implementation in a lockstep run: its training loop (to iterate), how to read
    its parameters as a flat list ``[W1, b1, W2, ...]`` after a step, and its model."""

    name: str
    loop: object                                  # a TrainingLoop
    params: Callable[[], list[np.ndarray]]        # current parameters (views or copies)
    model: object


@dataclass
class ParityResult:
    """Per-step differences (``steps``), end-of-run summary (``final``), the drift
    classification and the verdict.

    Differences are judged scaled by ``max(1, max |Theta|)`` per tensor: the plain max
    |dTheta| for parameters of order 1 (every healthy run); rounding is relative when
    weights grow huge. ``kind`` is the word of ``parity.verdict.decide`` on ``evidence()``:
    ``"agree"`` (within tolerance), ``"chaotic"`` (the drift starts at rounding level and
    grows no faster than the reference perturbed by one ulp), ``"disagree"``, or
    ``"unknown"`` (a difference without the baseline).
    """

    steps: pd.DataFrame
    final: dict
    tolerance: float
    dtype: str
    names: tuple[str, str] = (candidates(BUILTIN)[0], REFERENCE)   # (candidate, reference)
    drift: Drift | None = None
    config: dict = field(default_factory=dict)
    gradient_check: pd.DataFrame | None = None   # plug-ins: step-0 gradients vs autograd
    task: str = "classification"

    def gradient_failures(self) -> pd.DataFrame:
        """Tensors whose step-0 gradient differs from autograd beyond the tolerance (scaled
        by max(1, max |g|))."""
        g = self.gradient_check
        if g is None or not len(g):
            return pd.DataFrame()
        return g[g["scaled"] > self.tolerance]

    def evidence(self, drift: bool = True) -> Evidence:
        """What this run shows, for ``parity.verdict.decide`` (``drift=False``: without the
        baseline, as before it ran)."""
        f, (a, b) = self.final, self.names
        agreement = f["test_class_agreement"] if self.task == "classification" else f["test_output_max_diff"]
        return Evidence(task=self.task, dtype=self.dtype, tolerance=self.tolerance,
                        status=(f[f"status_{a}"], f[f"status_{b}"]), steps=(f[f"steps_{a}"], f[f"steps_{b}"]),
                        best_epoch=(f[f"best_epoch_{a}"], f[f"best_epoch_{b}"]),
                        final_dtheta=f["final_dtheta_scaled"], prediction_agreement=agreement,
                        step_dtheta=f["max_dtheta_scaled"], step_rel_dloss=f["max_rel_dloss"],
                        gradient_failures=tuple(self.gradient_failures().get("param", ())),
                        drift=self.drift if drift else None, source="lockstep")

    def decision(self) -> Verdict:
        """``parity.verdict.decide`` on this run's evidence."""
        return decide(self.evidence())

    @property
    def kind(self) -> str:
        """``"agree"``, ``"chaotic"``, ``"disagree"`` or ``"unknown"`` (a difference and no
        baseline: ``chaos_check=False``), by ``parity.verdict.decide``."""
        return self.decision().word

    @property
    def passed(self) -> bool:
        """Agreement, or a drift explained by chaos (exit 0); anything else fails."""
        return self.kind in PASSING

    def first_divergence(self) -> dict | None:
        """The first step over tolerance and the tensor that crossed first there, with its
        absolute and relative difference; ``None`` when no step crossed."""
        return first_divergence(self.steps, self.tolerance)

    def verdict(self) -> str:
        f, (a, b) = self.final, self.names
        decision = self.decision()
        word = {"agree": "PASS", "chaotic": "CHAOTIC", "disagree": "FAIL", "unknown": "UNKNOWN"}[decision.word]
        line = (f"{word}: max |dTheta| = {f['max_dtheta']:.3e} (scaled by max(1, |Theta|): "
                f"{f['max_dtheta_scaled']:.3e}), max relative |dLoss| = {f['max_rel_dloss']:.3e} "
                f"over {f[f'steps_{a}']} steps ({self.dtype}); tolerance {self.tolerance:.1e}")
        if f[f"status_{a}"] != f[f"status_{b}"] or f[f"steps_{a}"] != f[f"steps_{b}"]:
            line += (f"; {a} {f[f'status_{a}']} after {f[f'steps_{a}']} steps, "
                     f"{b} {f[f'status_{b}']} after {f[f'steps_{b}']}")
        if f[f"best_epoch_{a}"] != f[f"best_epoch_{b}"]:
            line += f"; best epoch {a} {f[f'best_epoch_{a}']}, {b} {f[f'best_epoch_{b}']}"
        bad = self.gradient_failures()
        if len(bad):
            worst = bad.iloc[0]
            line += (f"\ngradients at step 0 differ from autograd: {', '.join(bad['param'])} (first: "
                     f"{worst['param']}, max |d| = {worst['max_abs']:.3e}, relative {worst['max_rel']:.3e})")
        first = self.first_divergence()
        if first is not None:
            line += (f"\nfirst over tolerance: step {first['step']}, {first['tensor']} "
                     f"(|d| = {first['abs']:.3e}, relative {first['rel']:.3e})")
        if self.drift is not None and decision.word != "agree":
            line += "\n" + self.drift.explain()
        elif decision.word == "unknown":
            line += "\n" + decision.reason
        return line


def first_divergence(steps: pd.DataFrame, tolerance: float) -> dict | None:
    """First row whose scaled max |dTheta| exceeds ``tolerance`` and its worst tensor."""
    if not len(steps):
        return None
    over = np.flatnonzero(steps["dtheta_scaled"].to_numpy() > tolerance)
    if not len(over):
        return None
    row = steps.iloc[int(over[0])]
    rel = {c[4:]: row[c] for c in steps.columns if c.startswith("rel_")}
    tensor = max(rel, key=rel.get)
    return {"step": int(row["step"]), "tensor": tensor, "abs": float(row[f"d{tensor}"]), "rel": float(rel[tensor]),
            "index": int(over[0])}


def compare_sides(a: Side, b: Side, names: list[str]) -> tuple[pd.DataFrame, dict]:
    """Iterate two sides in lockstep; one row per common step, plus per-side counts.

    Columns: ``step``, ``loss_<a>``, ``loss_<b>``, ``dloss``, ``d<tensor>`` (max abs
    difference) and ``rel_<tensor>`` (scaled by max(1, max |Theta|)) per tensor,
    ``dtheta_scaled``. When one side stops (diverged) the other still runs to its end.
    """
    rows, status, count = [], {a.name: "ok", b.name: "ok"}, {a.name: 0, b.name: 0}
    with np.errstate(all="ignore"):
        for x, y in itertools.zip_longest(a.loop, b.loop):
            for side, item in ((a, x), (b, y)):
                if item is not None:
                    if np.isfinite(item[1]):
                        count[side.name] += 1
                    else:
                        status[side.name] = "diverged"
            if x is None or y is None:
                continue
            row = {"step": x[0], f"loss_{a.name}": x[1], f"loss_{b.name}": y[1], "dloss": abs(x[1] - y[1])}
            for n, p, q in zip(names, a.params(), b.params()):
                row[f"d{n}"] = max_abs_diff(p, q)
                row[f"rel_{n}"] = scaled_difference(p, q)
            row["dtheta_scaled"] = max(row[f"rel_{n}"] for n in names)
            rows.append(row)
    return pd.DataFrame(rows), {"status": status, "count": count}


def _summary(table: pd.DataFrame, run: dict, a: Side, b: Side, names: list[str]) -> dict:
    final = {}
    for side in (a, b):
        final[f"steps_{side.name}"] = run["count"][side.name]
        final[f"status_{side.name}"] = run["status"][side.name]
        final[f"best_epoch_{side.name}"] = side.loop.result.best_epoch
    if len(table):
        table["dtheta"] = table[[f"d{n}" for n in names]].max(axis=1)
        losses = table[[f"loss_{a.name}", f"loss_{b.name}"]]
        rel = table["dloss"] / np.maximum(1.0, losses.abs().max(axis=1))
        finite = table
        if run["status"][a.name] == run["status"][b.name] == "diverged":
            keep = np.isfinite(losses).all(axis=1)  # both diverged at one step: judge the finite part
            finite, rel = table[keep], rel[keep]
    else:
        finite, rel = table, pd.Series(dtype=float)
    final["max_dtheta"] = float(finite["dtheta"].max()) if len(finite) else 0.0
    final["max_dtheta_scaled"] = float(finite["dtheta_scaled"].max()) if len(finite) else 0.0
    rel = rel.to_numpy()
    final["max_rel_dloss"] = float(np.nanmax(rel)) if np.isfinite(rel).any() else (0.0 if not len(rel) else np.nan)
    # the parameters the models end with (the best epoch's, with early stopping)
    pa, pb = a.params(), b.params()
    final["final_dtheta"] = max(max_abs_diff(p, q) for p, q in zip(pa, pb))
    final["final_dtheta_scaled"] = max(scaled_difference(p, q) for p, q in zip(pa, pb))
    return final


def impl_side(name: str, cfg: ExperimentConfig, setup: RunSetup, params=None) -> Side:
    """Any implementation (``implementations.registry.get_impl``: numpy, torch, cpp, a plug-in
    ``package.module:Class``) on ``setup``, from ``params`` (default: the setup's initial
    parameters); its parameters read through views where it has them, else as copies."""
    impl = get_impl(name)
    model = impl.model.from_params(setup.params if params is None else params, cfg.model.activation,
                                   setup.loss, cfg.model.negative_slope)
    loop = impl.iter_train(model, setup.X_train, setup.y_train, **setup.train_options(cfg))
    if impl.param_views is not None:
        views = impl.param_views(model)
        return Side(name, loop, lambda: views, model)
    return Side(name, loop, lambda: [a for W_b in model.to_params() for a in W_b], model)


def lockstep(cfg: ExperimentConfig, *, steps: int | None = None, dtype: str | None = None,
             tolerance: float | None = None, candidate: str = "numpy", chaos_check: bool = True) -> ParityResult:
    """Train a candidate and the reference (pt_deep) in lockstep on ``cfg``'s data,
    parameters, schedule and recipe.

    ``steps`` overrides the schedule length; ``dtype`` overrides ``train.dtype``.
    ``candidate``: the implementation under test - "numpy" (fcann2), "cpp" (fcann2.cpp) or a plug-in network
    ``package.module:Class``, whose gradients at step 0 are first checked against float64
    autograd on the first batch (``gradient_check`` in the result).
    ``chaos_check``: when the sides drift apart, run the ulp-perturbed baseline. Runs with
    one BLAS and one torch thread: faster on networks this small, and immune to a busy
    machine's oversubscription.
    """
    if dtype is not None:
        cfg = cfg.model_copy(update={"train": cfg.train.model_copy(update={"dtype": dtype})})
    with threadpool_limits(limits=1), pt_deep.num_threads(1):
        return _lockstep(cfg, steps, tolerance, candidate, chaos_check)


def _lockstep(cfg, steps, tolerance, candidate, chaos_check) -> ParityResult:
    dtype = cfg.train.dtype
    tol = DEFAULT_TOLERANCE[dtype] if tolerance is None else float(tolerance)
    setup = prepare(cfg, n_steps=steps)
    names = param_names(len(setup.sizes) - 1)
    a = impl_side(candidate, cfg, setup)
    b = impl_side(REFERENCE, cfg, setup)
    # a plug-in's gradients are checked first; the built-in ones have their own tests
    grads = None if candidate in BUILTIN + OPTIONAL else step0_gradients(a.model, cfg, setup)
    table, run = compare_sides(a, b, names)
    final = _summary(table, run, a, b, names)
    final.update(_prediction_parity(a.model, b.model, setup))
    task = "classification" if setup.is_classification else "regression"
    result = ParityResult(table, final, tol, dtype, (a.name, b.name), None, cfg.base(), grads, task)
    if chaos_check and decide(result.evidence()).word != "agree" and len(table):
        base_a = impl_side(REFERENCE, cfg, setup)
        base_b = impl_side(REFERENCE, cfg, setup, params=perturb_one_ulp(setup.params))
        base_a.name, base_b.name = "reference", "perturbed"
        baseline, _ = compare_sides(base_a, base_b, names)
        result.drift = classify_drift(table, baseline, tol, dtype)
    return result


def step0_gradients(model, cfg: ExperimentConfig, setup: RunSetup) -> pd.DataFrame:
    """A plug-in's gradients at the initial parameters on the schedule's first batch
    against torch autograd in float64 (``parity.gradients.gradient_table`` rows)."""
    index = next(iter(setup.schedule))
    X, y = setup.X_train[index], setup.y_train[index]
    wd = cfg.train.recipe.weight_decay
    _, grads = model.loss_and_grads(X, y, wd)
    params64 = [(W.astype(np.float64), b.astype(np.float64)) for W, b in setup.params]
    y64 = y if setup.is_classification else y.astype(np.float64)
    _, reference = torch_gradients(params64, X.astype(np.float64), y64, activation=cfg.model.activation,
                                   loss=setup.loss, weight_decay=wd, negative_slope=cfg.model.negative_slope)
    return gradient_table(grads, reference, len(setup.params))


def _prediction_parity(model_a, model_b, setup) -> dict:
    with np.errstate(all="ignore"):
        out_a, out_b = model_outputs(model_a, setup.X_test), model_outputs(model_b, setup.X_test)
    agree = prediction_agreement(out_a, out_b, True) if setup.is_classification else float("nan")
    return {"test_output_max_diff": max_abs_diff(out_a, out_b), "test_class_agreement": agree}
