"""Which cell the report shows as "the best" or "the worst": one rule for every figure that
picks a cell (hidden units, confusion matrix, hardest test examples). Best: the highest test
accuracy, ties broken by the lower test loss, then by grid order (the first); worst: the
lowest accuracy, ties broken by the higher loss, then the first. Regression ranks by test
MSE (lower is better)."""
from __future__ import annotations

import math

__all__ = ["best_cell", "worst_cell"]


def _key(rec: dict) -> tuple[float, float] | None:
    """``(goodness, loss)`` of a finished cell, higher goodness better; ``None`` without metrics."""
    test = (rec.get("metrics") or {}).get("test") or {}
    if test.get("accuracy") is not None:
        loss = test.get("log_loss")
        return float(test["accuracy"]), float(loss) if loss is not None and math.isfinite(loss) else math.inf
    if test.get("mse") is not None and math.isfinite(test["mse"]):
        return -float(test["mse"]), float(test["mse"])
    return None


def best_cell(records: list[dict]) -> dict | None:
    """The best of ``records`` (see the module), or ``None`` when none has test metrics."""
    scored = [(k, i, r) for i, r in enumerate(records) if (k := _key(r)) is not None]
    return min(scored, key=lambda s: (-s[0][0], s[0][1], s[1]))[2] if scored else None


def worst_cell(records: list[dict]) -> dict | None:
    """The worst of ``records`` (see the module), or ``None`` when none has test metrics."""
    scored = [(k, i, r) for i, r in enumerate(records) if (k := _key(r)) is not None]
    return min(scored, key=lambda s: (s[0][0], -s[0][1], s[1]))[2] if scored else None
