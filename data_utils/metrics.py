"""Metrics: the course API with its semantics, and full metric dicts via scikit-learn.

Convention throughout: ``Y`` are predictions, ``Y_`` the true labels (the course's order).
Undefined ratios (e.g. precision of a class never predicted) are NaN.
"""
from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from .validation import check_labels

__all__ = ["eval_perf_binary", "eval_perf_multi", "eval_AP",
           "classification_metrics", "regression_metrics"]


def _ratio(num, den):
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, np.nan), where=den != 0)


def eval_perf_binary(Y, Y_) -> tuple[float, float, float]:
    """Binary performance of predictions ``Y`` against truth ``Y_`` (both in {0, 1}).

    Returns ``(accuracy, recall, precision)`` of the positive class 1.
    """
    Y = check_labels(Y, name="Y", n_classes=2)
    Y_ = check_labels(Y_, name="Y_", n_classes=2, n_samples=len(Y))
    tp = np.sum((Y == 1) & (Y_ == 1))
    fn = np.sum((Y == 0) & (Y_ == 1))
    fp = np.sum((Y == 1) & (Y_ == 0))
    accuracy = float(np.mean(Y == Y_))
    return accuracy, float(_ratio(tp, tp + fn)), float(_ratio(tp, tp + fp))


def eval_perf_multi(Y, Y_, n_classes: int | None = None):
    """Multiclass performance.

    Returns
    -------
    accuracy : float
    pr : list of (recall_i, precision_i), one per class
    M : ndarray of shape (C, C), confusion matrix, rows = true class, columns = predicted
    """
    Y = check_labels(Y, name="Y")
    Y_ = check_labels(Y_, name="Y_", n_samples=len(Y))
    C = int(max(Y.max(), Y_.max())) + 1 if n_classes is None else int(n_classes)
    M = np.bincount(C * Y_ + Y, minlength=C * C).reshape(C, C)
    tp = np.diag(M)
    recall = _ratio(tp, M.sum(axis=1))
    precision = _ratio(tp, M.sum(axis=0))
    accuracy = float(np.trace(M) / M.sum())
    return accuracy, [(float(r), float(p)) for r, p in zip(recall, precision)], M


def eval_AP(ranked_labels) -> float:
    """Average precision of binary labels sorted by ascending classifier score.

    For each positive at rank ``i`` the precision of the prediction "positive from ``i`` on"
    is ``sum(labels[i:]) / (n - i)``; AP is their mean over positives.
    """
    Yr = check_labels(ranked_labels, name="ranked_labels", n_classes=2)
    if Yr.sum() == 0:
        raise ValueError("eval_AP needs at least one positive label")
    tp_from = np.cumsum(Yr[::-1])[::-1]
    precision = tp_from / np.arange(len(Yr), 0, -1)
    return float(np.sum(precision * Yr) / Yr.sum())


def classification_metrics(y_true, y_pred, proba=None, n_classes: int | None = None) -> dict:
    """Full metrics of a classifier, computed with scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array of shape (n_samples,), int labels.
    proba : optional ndarray of shape (n_samples, n_classes), predicted probabilities.
    n_classes : number of classes (default: inferred from labels and ``proba``).

    Returns a JSON-serialisable dict: ``accuracy``, ``precision``/``recall``/``f1`` (lists,
    per class), ``precision_macro`` and ``recall_macro`` (scikit-learn's unweighted means
    over the classes that occur in ``y_true`` or ``y_pred``, a class never predicted
    counting precision 0), ``macro_f1`` (the mean of the defined per-class F1),
    ``confusion_matrix`` (rows = true), and with ``proba``: ``log_loss``,
    ``average_precision_macro`` (one-vs-rest average precision of each class present in
    ``y_true``, averaged; binary problems included); for binary problems also
    ``average_precision`` and ``roc_auc`` of class 1.
    """
    y_true = check_labels(y_true, name="y_true")
    y_pred = check_labels(y_pred, name="y_pred", n_samples=len(y_true))
    if n_classes is None:
        n_classes = int(max(y_true.max(), y_pred.max())) + 1
        if proba is not None:
            n_classes = max(n_classes, np.asarray(proba).shape[1])
    labels = np.arange(n_classes)
    p, r, f, _ = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=np.nan)
    occurring = np.union1d(y_true, y_pred)
    out = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(),
        # scikit-learn's average="macro" (labels=None): over the classes in y_true or y_pred, 0/0 as 0
        "precision_macro": float(np.nan_to_num(p[occurring]).mean()),
        "recall_macro": float(np.nan_to_num(r[occurring]).mean()),
        "macro_f1": float(np.nanmean(f)) if np.isfinite(f).any() else float("nan"),
        "confusion_matrix": skm.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    if proba is not None:
        proba = np.asarray(proba, dtype=np.float64)
        if proba.shape != (len(y_true), n_classes):
            raise ValueError(f"proba must have shape {(len(y_true), n_classes)}, got {proba.shape}")
        # float32 probabilities sum to 1 only to ~1e-7; renormalise in float64 for sklearn
        proba = proba / proba.sum(axis=1, keepdims=True)
        out["log_loss"] = float(skm.log_loss(y_true, np.clip(proba, 1e-15, 1.0), labels=labels))
        present = np.unique(y_true)  # one-vs-rest AP needs a positive: classes of y_true
        out["average_precision_macro"] = float(skm.average_precision_score(
            y_true[:, None] == present, proba[:, present], average="macro"))
        if n_classes == 2 and len(np.unique(y_true)) == 2:
            out["average_precision"] = float(skm.average_precision_score(y_true, proba[:, 1]))
            out["roc_auc"] = float(skm.roc_auc_score(y_true, proba[:, 1]))
    return out


def regression_metrics(y_true, y_pred) -> dict:
    """``mse``, ``mae`` and ``r2`` of predictions (scikit-learn; multi-output averaged)."""
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(f"y_true has {y_true.shape[0]} rows, y_pred {y_pred.shape[0]}")
    y_pred = y_pred.reshape(y_true.shape) if y_pred.size == y_true.size else y_pred
    return {"mse": float(skm.mean_squared_error(y_true, y_pred)),
            "mae": float(skm.mean_absolute_error(y_true, y_pred)),
            "r2": float(skm.r2_score(y_true, y_pred)) if len(y_true) > 1 else float("nan")}
