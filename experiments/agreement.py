"""numpy-torch agreement per pair (the two cells of one grid point and seed), and its
summaries: one word per grid point and one verdict line per run.

``pair_agreement`` is the one place that decides agreement: it uses
``experiments.grid_parity.pair_verdicts`` when that module exists, else a simple rule on
what the run folder holds (final parameters and test outputs of both cells).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .run_results import RunResults

__all__ = ["pair_agreement", "agreement_text", "verdict_line", "COLUMNS"]

COLUMNS = ["pair", "parity", "final_dtheta", "prediction_agreement"]
# the lockstep tolerances of ``experiments.parity`` (README: Parity)
_TOLERANCE = {"float64": 1e-9, "float32": 1e-3}


def pair_agreement(results: RunResults) -> pd.DataFrame:
    """One row per ``pair`` with both implementations: ``parity`` ("agree", "disagree",
    "n/a"), ``final_dtheta`` (max |dTheta| of the final parameters) and
    ``prediction_agreement`` (fraction of test samples predicted alike)."""
    try:
        from .grid_parity import pair_verdicts
    except ImportError:
        return _simple_verdicts(results)
    return pair_verdicts(results.records)[COLUMNS]


def _max_abs(a, b) -> float:
    if a is None or b is None:
        return np.nan
    return max(float(np.max(np.abs(x - y), initial=0.0)) for (Wa, ba), (Wb, bb) in zip(a, b)
               for x, y in ((Wa, Wb), (ba, bb)))


def _prediction_agreement(a: dict, b: dict, classification: bool) -> float:
    ya, yb = a.get("test_output"), b.get("test_output")
    if ya is None or yb is None or ya.shape != yb.shape or not len(ya):
        return np.nan
    if classification:
        return float(np.mean(ya.argmax(axis=1) == yb.argmax(axis=1)))
    return float(np.mean(np.isclose(ya, yb, rtol=1e-6, atol=1e-9).all(axis=1)))


def _simple_verdicts(results: RunResults) -> pd.DataFrame:
    pairs: dict[str, dict] = {}
    for rec in results.records:
        pairs.setdefault(rec["pair"], {})[rec["impl"]] = rec
    rows = []
    for pair, cells in pairs.items():
        a, b = cells.get("numpy"), cells.get("torch")
        if a is None or b is None:
            continue
        dtheta = _max_abs(results.params(a), results.params(b))
        agreement = _prediction_agreement(results.outputs(a), results.outputs(b), results.task == "classification")
        tol = _TOLERANCE.get(a["spec"]["train"].get("dtype", "float64"), 1e-9)
        if "error" in (a["status"], b["status"]):
            parity = "n/a"
        elif a["status"] != b["status"] or a.get("diverged_at") != b.get("diverged_at"):
            parity = "disagree"
        elif a["status"] == "diverged":  # both at the same step; their blown-up parameters say nothing
            parity, dtheta = "agree", np.nan
        else:
            parity = "agree" if dtheta <= tol else "disagree"
        rows.append({"pair": pair, "parity": parity, "final_dtheta": dtheta, "prediction_agreement": agreement})
    return pd.DataFrame(rows, columns=COLUMNS)


def agreement_text(verdicts: pd.DataFrame) -> str:
    """Agreement of one grid point's pairs in a few characters: ``agree 2e-15`` (the
    verdict and the largest max |dTheta|), ``1/2 agree``, or ``—``."""
    if verdicts.empty:
        return "—"
    words = verdicts["parity"].value_counts()
    dtheta = verdicts["final_dtheta"].max()
    size = "" if pd.isna(dtheta) else f" {dtheta:.0e}"
    if len(words) == 1:
        return f"{words.index[0]}{size}"
    return f"{words.get('agree', 0)}/{len(verdicts)} agree{size}"


def verdict_line(verdicts: pd.DataFrame) -> str:
    """One sentence on numpy-torch agreement over the whole grid."""
    if verdicts.empty:
        return "No grid point has finished cells of both implementations, so there is nothing to compare."
    n, agree = len(verdicts), int((verdicts["parity"] == "agree").sum())
    dtheta, pred = verdicts["final_dtheta"].max(), verdicts["prediction_agreement"].min()
    details = []
    if not pd.isna(dtheta):
        details.append(f"largest max |Δθ| of the final parameters {dtheta:.1e}")
    if not pd.isna(pred):
        details.append(f"at least {pred:.1%} of test predictions identical")
    tail = f": {', '.join(details)}" if details else ""
    if agree == n:
        return f"numpy and torch agree on all {n} pairs of cells (grid point x seed){tail}."
    return f"numpy and torch agree on {agree} of {n} pairs of cells (grid point x seed), the others differ{tail}."
