"""numpy-torch agreement per pair (the two cells of one grid point and seed), and its
summaries: one word per grid point and one verdict line per run.

``pair_agreement`` reads the verdicts of ``experiments.parity.grid``, the one place that
decides agreement.
"""
from __future__ import annotations

import pandas as pd

from ..implementations import REFERENCE


__all__ = ["pair_agreement", "agreement_text", "verdict_line", "verdict_tone", "verdict_reasons", "COLUMNS"]

COLUMNS = ["pair", "parity", "final_dtheta", "prediction_agreement", "reason"]
_TONE = {"agree": "good", "chaotic": "warn", "unknown": "warn", "disagree": "bad", "error": "bad", "incomplete": "warn"}
_TONE_ORDER = ("good", "warn", "bad")


def pair_agreement(verdicts: pd.DataFrame, impl: str = "numpy") -> pd.DataFrame:
    """The rows of ``parity.grid.pair_verdicts`` for ``impl`` against torch, one per
    ``pair`` (grid point and seed): ``parity`` ("agree", "chaotic", "unknown", "disagree", "error",
    "incomplete"), ``final_dtheta``, ``prediction_agreement``, ``reason``. A frame without an ``impl``
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


def verdict_tone(verdicts: pd.DataFrame) -> str:
    """The colour of the verdict by what it says: ``good`` (every pair agrees), ``warn``
    (some chaotic, unknown or incomplete) or ``bad`` (some disagree or error)."""
    words = set(verdicts["parity"]) if len(verdicts) else {"incomplete"}
    return max((_TONE.get(w, "warn") for w in words), key=_TONE_ORDER.index)


def verdict_reasons(verdicts: pd.DataFrame, records: list[dict], limit: int = 10) -> list[str]:
    """``<grid point>: <word>: <reason>`` for the pairs that do not agree (at most ``limit``,
    then a count), the reasons of ``parity.verdict.decide``."""
    if "reason" not in verdicts or verdicts.empty:
        return []
    label = {}
    for rec in records:
        label.setdefault(rec["pair"], ", ".join(f"{k}={v}" for k, v in rec["keys"].items() if k != "impl")
                         or "the only grid point")
    rows = verdicts[verdicts["parity"] != "agree"]
    lines = [f"{label.get(r.pair, r.pair)}: {r.parity}: {r.reason}" for r in rows.head(limit).itertuples()]
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more pairs (tables/summary.csv)")
    return lines


def verdict_line(verdicts: pd.DataFrame, task: str = "classification", candidate: str = "numpy") -> str:
    """One sentence on the agreement of ``candidate`` with the reference over the whole grid;
    regression runs give the largest max |Δ output| instead of identical predictions."""
    a, b = candidate, REFERENCE
    if verdicts.empty:
        return "No grid point has finished cells of both implementations, so there is nothing to compare."
    n, agree = len(verdicts), int((verdicts["parity"] == "agree").sum())
    dtheta = verdicts["final_dtheta"].max()
    details = []
    if not pd.isna(dtheta):
        details.append(f"largest max |Δθ| of the final parameters {dtheta:.1e}")
    if task == "classification":
        pred = verdicts["prediction_agreement"].min()
        if not pd.isna(pred):
            details.append(f"at least {pred:.1%} of test predictions identical")
    else:
        out = verdicts["prediction_agreement"].max()
        if not pd.isna(out):
            details.append(f"largest max |Δ output| on the test set {out:.1e}")
    tail = f": {', '.join(details)}" if details else ""
    if agree == n:
        return f"{a} and {b} agree on all {n} pairs of cells (grid point x seed){tail}."
    others = verdicts.loc[verdicts["parity"] != "agree", "parity"].value_counts()
    meaning = {"chaotic": "chaotic (rounding amplified by the dynamics, shown by the lockstep with its one-ulp baseline)",
               "unknown": "unknown (they differ, and nothing yet tells chaos from a bug: see below)",
               "disagree": "disagree", "error": "with an error", "incomplete": "incomplete"}
    rest = "; ".join(f"{k} {meaning.get(w, w)}" for w, k in others.items())
    return f"{a} and {b} agree on {agree} of {n} pairs of cells (grid point x seed); {rest}{tail}."
