"""Scoring a model of a run on its data: the metric dicts a record carries (train/test),
and the test loss read off them."""
from __future__ import annotations

import numpy as np

from data_utils import classification_metrics, regression_metrics

from .setup import RunSetup

__all__ = ["evaluate", "test_loss"]


def evaluate(setup: RunSetup, output_fn, splits: tuple[str, ...] = ("train", "test")) -> dict:
    """Metrics of ``splits`` from ``output_fn(X)`` (probabilities or predictions); a split
    whose outputs are not finite (a diverged model) gets ``None``."""
    ds = setup.dataset
    parts = {"train": (setup.X_train, setup.y_train), "test": (setup.X_test, ds.y_test)}
    out = {}
    for split in splits:
        X, y = parts[split]
        # a diverged model's outputs may overflow in the metrics: that is part of its result
        with np.errstate(all="ignore"):
            pred = np.asarray(output_fn(X), dtype=np.float64)
            if not np.isfinite(pred).all():
                out[split] = None
            elif setup.is_classification:
                out[split] = classification_metrics(y, pred.argmax(axis=1), pred, n_classes=ds.n_classes)
            else:
                out[split] = regression_metrics(y, pred[:, 0] if pred.shape[1] == 1 else pred)
    return out


def test_loss(metrics: dict | None, classification: bool) -> float | None:
    """The loss a metric dict holds: mean cross-entropy (``log_loss``) or ``mse``."""
    return None if metrics is None else metrics.get("log_loss" if classification else "mse")
