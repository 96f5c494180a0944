"""A parity verdict for every grid point of a sweep, from what its cells recorded.

The cells of one grid point and seed (one ``pair``) start from the same parameters and see
the same schedule, so each implementation should end where the reference (torch) ends.
Per pair and candidate this module gathers the evidence - statuses, divergence steps, best
epochs, the final parameters (``models/``), the test outputs, the untrained test losses,
and the lockstep the runner ran on the grid point when the cells differ (``drift/``) - and
``parity.verdict.decide`` says the word: ``agree``, ``chaotic``, ``unknown``,
``disagree``, ``error`` or ``incomplete`` (rules: ``parity.verdict``). A difference with no
drift evidence reads ``unknown`` and names the command that classifies it (``parity
CONFIG --point KEY=VALUE``).
"""
from __future__ import annotations

import json
import shlex

import numpy as np
import pandas as pd

from ..implementations import REFERENCE, candidates, suffix
from ..store.drift import read_drift
from .tolerance import DEFAULT_TOLERANCE, scaled_difference
from .verdict import VERDICT_ORDER, Evidence, decide, prediction_agreement

__all__ = ["pair_verdicts", "point_verdicts", "pair_evidence", "parity_command", "VERDICT_ORDER", "COLUMNS"]

COLUMNS = ["pair", "impl", "parity", "final_dtheta", "prediction_agreement", "reason", "basis", "needs_lockstep"]


def _final_dtheta(results, a: dict, b: dict) -> float | None:
    pa, pb = results.params(a), results.params(b)
    if pa is None or pb is None:
        return None
    xs, zs = [x for W_b in pa for x in W_b], [z for W_b in pb for z in W_b]
    if len(xs) != len(zs) or any(np.shape(x) != np.shape(z) for x, z in zip(xs, zs)):
        return float("inf")  # different shapes: a real difference
    d = max((scaled_difference(x, z) for x, z in zip(xs, zs)), default=0.0)
    return d if np.isfinite(d) else float("nan")


def parity_command(results, rec: dict, impl: str) -> str:
    """``python -m experiments parity <run>/config.toml --point ...`` for ``rec``'s grid point."""
    store = getattr(results, "store", None)
    config = str(store.config_path) if store is not None else "CONFIG"
    points = [f"--point {shlex.quote(f'{k}={json.dumps(v)}')}" for k, v in rec["keys"].items() if k != "impl"]
    plugin = [] if impl == "numpy" else [f"--impl {shlex.quote(impl)}"]
    return " ".join(["python -m experiments parity", shlex.quote(config), *points, *plugin])


def pair_evidence(results, a: dict | None, b: dict | None, impl: str) -> Evidence:
    """The ``Evidence`` of candidate cell ``a`` against reference cell ``b`` (either may be
    ``None``: missing), with the stored lockstep of their pair when the runner made one."""
    if a is None or b is None or "error" in (a["status"], b["status"]):
        status = (None if a is None else a["status"], None if b is None else b["status"])
        return Evidence("classification", "float64", DEFAULT_TOLERANCE["float64"], status=status)
    dtype = a["spec"]["train"]["dtype"]
    classification = a.get("loss") == "cross_entropy"
    store = getattr(results, "store", None)
    stored = read_drift(store.root, a["pair"], impl) if store is not None else None
    lockstep = Evidence.from_dict(stored["evidence"]) if stored and isinstance(stored.get("evidence"), dict) else None
    outputs = [results.outputs(r).get("test_output") for r in (a, b)]
    return Evidence(
        task="classification" if classification else "regression", dtype=dtype, tolerance=DEFAULT_TOLERANCE[dtype],
        status=(a["status"], b["status"]), steps=(a.get("diverged_at"), b.get("diverged_at")),
        best_epoch=(a.get("best_epoch"), b.get("best_epoch")), final_dtheta=_final_dtheta(results, a, b),
        prediction_agreement=prediction_agreement(*outputs, classification),
        initial_loss=(a.get("initial_test_loss"), b.get("initial_test_loss")), lockstep=lockstep,
        command=parity_command(results, a, impl))


def _row(results, pair: str, impl: str, a: dict | None, b: dict | None) -> dict:
    evidence = pair_evidence(results, a, b, impl)
    verdict = decide(evidence)
    dtheta = evidence.final_dtheta
    return {"pair": pair, "impl": impl, "parity": verdict.word,
            "final_dtheta": np.nan if dtheta is None or verdict.word in ("error", "incomplete") else dtheta,
            "prediction_agreement": np.nan if evidence.prediction_agreement is None else evidence.prediction_agreement,
            "reason": verdict.reason, "basis": verdict.basis, "needs_lockstep": verdict.needs_lockstep}


def pair_verdicts(results) -> pd.DataFrame:
    """One row per ``pair`` (grid point and seed) and implementation checked against the
    reference (numpy, plug-ins): ``pair``, ``impl``, ``parity`` (the word of
    ``parity.verdict.decide``), ``final_dtheta`` (scaled max |dTheta| of the final
    parameters), ``prediction_agreement`` (share of test points with the same predicted
    class; for regression the max |difference| of the test outputs), ``reason``, ``basis``
    (the evidence used) and ``needs_lockstep`` (a lockstep with its baseline would decide it).

    ``results`` is a ``store.results.RunResults`` (records, and each cell's parameters,
    outputs and curves read from the run folder)."""
    records = results.records
    by_pair: dict[str, dict] = {}
    for rec in records:
        by_pair.setdefault(rec["pair"], {})[rec["impl"]] = rec
    checked = candidates(rec["impl"] for rec in records)
    rows = [_row(results, pair, impl, impls.get(impl), impls.get(REFERENCE))
            for pair, impls in by_pair.items() for impl in checked]
    return pd.DataFrame(rows, columns=COLUMNS)


def point_verdicts(results, verdicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The worst verdict over seeds per grid point (``group_axes`` labels), with the largest
    ``final_dtheta`` and the lowest ``prediction_agreement`` (regression: the largest max
    |d output|): columns ``parity``,
    ``final_dtheta``, ``prediction_agreement`` for numpy, the same suffixed `` <impl>`` for a
    plug-in network."""
    from ..store.frames import axis_label

    group_axes = results.group_axes
    regression = getattr(results, "task", "classification") == "regression"
    pairs = pair_verdicts(results) if verdicts is None else verdicts
    points = {}
    for rec in results.records:
        key = tuple(axis_label(rec["keys"].get(a)) if a in rec["keys"] else "" for a in group_axes)
        points.setdefault(key, set()).add(rec["pair"])
    out = []
    for key, pair_ids in points.items():
        row = dict(zip(group_axes, key))
        for impl, sub in pairs[pairs["pair"].isin(pair_ids)].groupby("impl", sort=False):
            end = suffix(impl)
            row[f"parity{end}"] = max(sub["parity"], key=VERDICT_ORDER.index)
            row[f"final_dtheta{end}"] = sub["final_dtheta"].max()
            worst = sub["prediction_agreement"].max() if regression else sub["prediction_agreement"].min()
            row[f"prediction_agreement{end}"] = worst  # regression: the largest max |d output|
        out.append(row)
    return pd.DataFrame(out)

