"""The one parity verdict: does an implementation agree with the reference on one run?

``decide(evidence)`` is the only place that chooses the word; ``parity`` (the lockstep),
the sweep's agreement column (``parity.grid``), the report's verdict line and ``compare``
all build an ``Evidence`` from what they have and call it. The words, worst last:

- ``agree``: same status, step count (or divergence step) and best epoch, the final
  parameters within the tolerance (max |dTheta| scaled by max(1, max |Theta|)), the test
  predictions identical (regression: max |d output| within the tolerance) and, for a
  lockstep, every step within the tolerance. Needs the final parameters: without them
  (a deleted ``models/``) the pair reads ``unknown``. Both diverged at the same step also
  agrees (the blown-up parameters say nothing more).
- ``chaotic``: they differ, and the drift evidence of a lockstep with its one-ulp baseline
  (``parity.chaos``) says the drift starts at rounding level and grows like the reference
  perturbed by one ulp. Valid in float64 and float32 alike: the baseline is measured in
  the run's dtype.
- ``unknown``: they differ (or the parameters are missing) and there is no drift evidence:
  the reason names the command that gets it.
- ``disagree``: a real difference. Conclusive evidence: the drift evidence says "not
  chaos"; a plug-in's step-0 gradients differ from autograd; the untrained models' test
  losses differ (same initial parameters, no training yet: no dynamics can amplify
  anything); the final parameters have different shapes. Not conclusive by themselves,
  and so never a ``disagree`` without drift evidence: different statuses, divergence
  steps, best epochs or first-epoch losses - a chaotic run separates within its first
  epoch when epochs are long, and one side of it may blow up where the other does not.
- ``error`` / ``incomplete``: a cell raised, or one of the two is missing (sweeps only).

Importing this loads nothing heavy (numpy only).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

__all__ = ["Evidence", "Verdict", "decide", "prediction_agreement", "VERDICT_ORDER", "PASSING"]

VERDICT_ORDER = ("agree", "chaotic", "unknown", "disagree", "error", "incomplete")  # worse to the right
PASSING = ("agree", "chaotic")   # what `parity` exits 0 on


@dataclass(frozen=True)
class Evidence:
    """What is known of one candidate-vs-reference run; ``None`` is "not known".

    ``status``, ``steps``, ``best_epoch`` are (candidate, reference) pairs; ``status``
    ``None`` means the cell is missing. ``steps``: finite steps (lockstep) or the
    divergence step (a cell). ``final_dtheta``: scaled max |dTheta| of the final
    parameters (``inf``: different shapes; ``None``: parameters missing).
    ``prediction_agreement``: share of test points with the same class, or (regression)
    the max |d output|. ``initial_loss``: the untrained models' test losses.
    ``step_dtheta`` / ``step_rel_dloss``: a lockstep's worst step. ``drift``: a
    ``parity.chaos.Drift`` (or anything with ``chaotic`` and ``explain()``) when a lockstep
    ran its one-ulp baseline. ``lockstep``: for a sweep pair, the ``Evidence`` of the
    lockstep run on its grid point (the runner's ``drift/`` files). ``command``: how to
    get drift evidence when it is missing.
    """

    task: str
    dtype: str
    tolerance: float
    status: tuple = (None, None)
    steps: tuple = (None, None)
    best_epoch: tuple = (None, None)
    final_dtheta: float | None = None
    prediction_agreement: float | None = None
    initial_loss: tuple = (None, None)
    step_dtheta: float | None = None
    step_rel_dloss: float | None = None
    gradient_failures: tuple = ()
    drift: object | None = None
    lockstep: "Evidence | None" = None
    source: str = "cells"
    command: str = ""

    def to_dict(self) -> dict:
        """JSON-ready (the drift as ``Drift.to_dict``, a nested lockstep as a dict)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["drift"] = None if self.drift is None else self.drift.to_dict()
        out["lockstep"] = None if self.lockstep is None else self.lockstep.to_dict()
        return {k: ([_plain(x) for x in v] if isinstance(v, tuple) else _plain(v)) for k, v in out.items()}

    @classmethod
    def from_dict(cls, data: dict) -> "Evidence":
        from .chaos import Drift  # numpy and pandas only
        known = {f.name for f in fields(cls)}
        values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in known}
        if values.get("drift") is not None:
            values["drift"] = Drift.from_dict(values["drift"])
        if values.get("lockstep") is not None:
            values["lockstep"] = cls.from_dict(values["lockstep"])
        return cls(**values)


def _plain(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    return float(v) if isinstance(v, np.floating) else int(v) if isinstance(v, np.integer) else v


@dataclass(frozen=True)
class Verdict:
    """``word`` (one of ``VERDICT_ORDER``), ``reason`` (a sentence: what decided it and
    on which evidence) and ``basis`` (the evidence used: "final parameters", "lockstep",
    "lockstep + one-ulp baseline", "records", "none")."""

    word: str
    reason: str
    basis: str = "none"
    needs_lockstep: bool = field(default=False, compare=False)  # a lockstep with its baseline would decide it


def prediction_agreement(out_a, out_b, classification: bool) -> float:
    """Share of rows with the same arg-max (classification) or the max |difference|
    (regression) of two output arrays; NaN when either is missing, empty or of another shape."""
    if out_a is None or out_b is None:
        return float("nan")
    out_a, out_b = np.asarray(out_a), np.asarray(out_b)
    if out_a.shape != out_b.shape or not len(out_a):
        return float("nan")
    with np.errstate(all="ignore"):
        if classification:
            return float(np.mean(out_a.argmax(axis=1) == out_b.argmax(axis=1)))
        return float(np.max(np.abs(out_a - out_b)))


def _known(x) -> bool:
    return x is not None and not (isinstance(x, float) and np.isnan(x))


def _conclusive(e: Evidence) -> str | None:
    """A reason the records prove a real difference, or ``None``."""
    if e.gradient_failures:
        return f"the step-0 gradients of {', '.join(e.gradient_failures)} differ from torch autograd"
    la, lb = e.initial_loss
    if _known(la) and _known(lb) and abs(la - lb) / max(1.0, abs(lb)) > e.tolerance:
        return (f"the untrained models' test losses differ ({la:.6g} vs {lb:.6g}) although both start from the "
                "same parameters: the forward pass or the loss differs before any training, which no chaos explains")
    if e.final_dtheta == float("inf"):
        return "the final parameters have different shapes"
    return None


def _predictions_ok(e: Evidence) -> bool:
    p = e.prediction_agreement
    if not _known(p):
        return True
    return p == 1.0 if e.task == "classification" else p <= e.tolerance


def _same_run(e: Evidence) -> bool:
    return e.status[0] == e.status[1] and e.steps[0] == e.steps[1] and e.best_epoch[0] == e.best_epoch[1]


def _difference(e: Evidence) -> str:
    (a, b), parts = e.status, []
    if a != b or e.steps[0] != e.steps[1]:
        parts.append(f"status {a} vs {b}" + (f" (steps {e.steps[0]} vs {e.steps[1]})" if e.steps[0] != e.steps[1] else ""))
    if e.best_epoch[0] != e.best_epoch[1]:
        parts.append(f"best epoch {e.best_epoch[0]} vs {e.best_epoch[1]}")
    if _known(e.step_dtheta) and e.step_dtheta > e.tolerance:
        parts.append(f"max |dTheta| over the steps {e.step_dtheta:.1e}")
    if _known(e.step_rel_dloss) and e.step_rel_dloss > e.tolerance:
        parts.append(f"max relative |dLoss| {e.step_rel_dloss:.1e}")
    if _known(e.final_dtheta) and e.final_dtheta > e.tolerance:
        parts.append(f"final max |dTheta| {e.final_dtheta:.1e}")
    if not _predictions_ok(e):
        p = e.prediction_agreement
        parts.append(f"{p:.1%} of test predictions identical" if e.task == "classification"
                     else f"max |Δ output| {p:.1e}")
    return ", ".join(parts) or "a difference"


def decide(e: Evidence) -> Verdict:
    """The verdict of one candidate-vs-reference run from ``e`` (rules: module docstring)."""
    a, b = e.status
    if a is None or b is None:
        return Verdict("incomplete", "one of the two cells is missing")
    if "error" in (a, b):
        return Verdict("error", "a cell raised an error", "records")
    proof = _conclusive(e)
    if proof is not None:
        return Verdict("disagree", f"{proof}.", "records")
    tol = f"tolerance {e.tolerance:.0e} ({e.dtype})"
    steps_ok = (not _known(e.step_dtheta) or e.step_dtheta <= e.tolerance) and \
        (not _known(e.step_rel_dloss) or e.step_rel_dloss <= e.tolerance)
    if _same_run(e) and a == "diverged" and steps_ok:
        return Verdict("agree", f"both diverged at the same step; {tol}.", "records")
    params_known = _known(e.final_dtheta)
    if _same_run(e) and steps_ok and params_known and e.final_dtheta <= e.tolerance and _predictions_ok(e):
        what = "every step and the final parameters" if e.source == "lockstep" else "the final parameters"
        return Verdict("agree", f"{what} within {tol}: max |dTheta| {e.final_dtheta:.1e}.", "final parameters")
    why = _difference(e) if params_known or not _same_run(e) else \
        "the final parameters are missing (models/ deleted?), so agreement cannot be checked"
    if e.drift is not None:
        word = "chaotic" if e.drift.chaotic else "disagree"
        return Verdict(word, f"{why}; evidence: the lockstep with its one-ulp baseline: {e.drift.explain()}",
                       "lockstep + one-ulp baseline")
    if e.lockstep is not None:
        inner = decide(e.lockstep)
        if inner.word in ("chaotic", "disagree"):
            return Verdict(inner.word, f"the cells differ ({why}); {inner.reason}", inner.basis)
        return Verdict("unknown", f"the cells differ ({why}) but the lockstep of this grid point reads "
                                  f"{inner.word}: {inner.reason} The difference is not explained.", "lockstep")
    how = f" Run `{e.command}` to classify it." if e.command else ""
    return Verdict("unknown", f"{why}; no drift evidence (a lockstep with its one-ulp baseline) tells chaos from a "
                              f"bug.{how}", "none", needs_lockstep=params_known or not _same_run(e))
