"""A parity verdict for every grid point of a sweep, from what its cells recorded.

The numpy and torch cells of a grid point (one ``pair``) start from the same parameters
and see the same schedule, so they should end with the same final parameters (stored in
``models/``) and the same test predictions. Per pair:

- ``agree``: same status, final parameters within the parity tolerance (max |dTheta|
  scaled by max(1, max |Theta|); 1e-9 in float64, 1e-3 in float32) and the same test
  predictions - or both diverged at the same step;
- ``chaotic``: they differ, but their per-epoch training loss agreed to rounding level
  (relative difference <= tolerance / 1000) in the first epoch - the signature of rounding
  amplified by the dynamics. This is a screen from recorded results; ``parity CONFIG
  --point KEY=VALUE`` runs the lockstep check with its ulp baseline on that point;
- ``disagree``: they differ from the first epoch on;
- ``error`` / ``incomplete``: a cell raised, or one of the two is missing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..implementations import REFERENCE, candidates, suffix
from .tolerance import DEFAULT_TOLERANCE, scaled_difference

__all__ = ["pair_verdicts", "point_verdicts", "VERDICT_ORDER"]

VERDICT_ORDER = ("agree", "chaotic", "disagree", "error", "incomplete")  # worse to the right


def _final_params(results, rec):
    params = results.params(rec)
    return None if params is None else [a for W_b in params for a in W_b]


def _first_epoch_drift(results, a: dict, b: dict) -> float:
    la, lb = results.curves(a).get("loss", []), results.curves(b).get("loss", [])
    if not la or not lb:
        return float("nan")
    return abs(la[0] - lb[0]) / max(1.0, abs(la[0]))


def _agreement(results, a: dict, b: dict) -> float:
    pa, pb = results.outputs(a).get("test_output"), results.outputs(b).get("test_output")
    if pa is None or pb is None or pa.shape != pb.shape or not len(pa):
        return float("nan")
    if a.get("loss") == "cross_entropy":
        return float(np.mean(pa.argmax(axis=1) == pb.argmax(axis=1)))
    with np.errstate(all="ignore"):
        return float(np.max(np.abs(pa - pb)))  # regression: max |d output|


def _verdict(results, a: dict | None, b: dict | None) -> dict:
    if a is None or b is None:
        return {"parity": "incomplete", "final_dtheta": np.nan, "prediction_agreement": np.nan}
    if "error" in (a["status"], b["status"]):
        return {"parity": "error", "final_dtheta": np.nan, "prediction_agreement": np.nan}
    tol = DEFAULT_TOLERANCE[a["spec"]["train"]["dtype"]]
    same_run = a["status"] == b["status"] and a.get("diverged_at") == b.get("diverged_at") \
        and a.get("best_epoch") == b.get("best_epoch")
    if same_run and a["status"] == "diverged":  # at the same step; blown-up parameters say nothing more
        return {"parity": "agree", "final_dtheta": np.nan, "prediction_agreement": np.nan}
    pa, pb = _final_params(results, a), _final_params(results, b)
    dtheta = max(scaled_difference(x, z) for x, z in zip(pa, pb)) if pa is not None and pb is not None else np.nan
    agreement = _agreement(results, a, b)
    classification = a.get("loss") == "cross_entropy"
    predictions_agree = np.isnan(agreement) or (agreement == 1.0 if classification else agreement <= tol)
    if same_run and dtheta <= tol and predictions_agree:
        parity = "agree"
    else:
        parity = "chaotic" if _first_epoch_drift(results, a, b) <= tol / 1000 else "disagree"
    return {"parity": parity, "final_dtheta": dtheta, "prediction_agreement": agreement}


def pair_verdicts(results) -> pd.DataFrame:
    """One row per ``pair`` (grid point and seed) and implementation checked against torch
    (numpy, plug-ins): ``pair``, ``impl``, ``parity``, ``final_dtheta`` (scaled max |dTheta|
    of the final parameters), ``prediction_agreement`` (share of test points with the same
    predicted class; for regression the max |difference| of the test outputs).

    ``results`` is a ``store.results.RunResults`` (records, and each cell's parameters,
    outputs and curves read from the run folder)."""
    records = results.records
    by_pair: dict[str, dict] = {}
    for rec in records:
        by_pair.setdefault(rec["pair"], {})[rec["impl"]] = rec
    checked = candidates(rec["impl"] for rec in records)
    rows = [{"pair": pair, "impl": impl, **_verdict(results, impls.get(impl), impls.get(REFERENCE))}
            for pair, impls in by_pair.items() for impl in checked]
    return pd.DataFrame(rows, columns=["pair", "impl", "parity", "final_dtheta", "prediction_agreement"])


def point_verdicts(results, verdicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The worst verdict over seeds per grid point (``group_axes`` labels), with the largest
    ``final_dtheta`` and the lowest ``prediction_agreement``: columns ``parity``,
    ``final_dtheta``, ``prediction_agreement`` for numpy, the same suffixed `` <impl>`` for a
    plug-in network."""
    from ..store.frames import axis_label

    group_axes = results.group_axes
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
            row[f"prediction_agreement{end}"] = sub["prediction_agreement"].min()
        out.append(row)
    return pd.DataFrame(out)

