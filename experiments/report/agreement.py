"""numpy-torch agreement per pair (the two cells of one grid point and seed), and its
summaries: one word per grid point and one verdict line per run.

``pair_agreement`` reads the verdicts of ``experiments.parity.grid``, the one place that
decides agreement.
"""
from __future__ import annotations

import pandas as pd


__all__ = ["pair_agreement", "agreement_text", "verdict_line", "COLUMNS"]

COLUMNS = ["pair", "parity", "final_dtheta", "prediction_agreement"]


def pair_agreement(verdicts: pd.DataFrame, impl: str = "numpy") -> pd.DataFrame:
    """The rows of ``parity.grid.pair_verdicts`` for ``impl`` against torch, one per
    ``pair`` (grid point and seed): ``parity`` ("agree", "chaotic", "disagree", "error",
    "incomplete"), ``final_dtheta``, ``prediction_agreement``. A frame without an ``impl``
    column is taken as it is."""
    if "impl" not in verdicts:
        return verdicts
    return verdicts[verdicts["impl"] == impl][COLUMNS].reset_index(drop=True)


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
    others = verdicts.loc[verdicts["parity"] != "agree", "parity"].value_counts()
    meaning = {"chaotic": "chaotic (rounding amplified by the dynamics; check with parity --point)",
               "disagree": "disagree", "error": "with an error", "incomplete": "incomplete"}
    rest = "; ".join(f"{k} {meaning.get(w, w)}" for w, k in others.items())
    return f"numpy and torch agree on {agree} of {n} pairs of cells (grid point x seed); {rest}{tail}."
