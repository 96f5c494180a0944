"""What went wrong in a trained cell, named: dead ReLU units, constant predictions, no
learning. Computed once, when the cell is trained (either engine), from its final
parameters, training inputs and test outputs; the record keeps the small JSON dict
(``diagnose``), with its one-line text (``collapse_text``) that the tables and the report show.

Rules (each a fact about the trained model, not a guess):

- **dead units**: a ReLU unit of a hidden layer whose output is 0 on every training point
  (its pre-activation is <= 0 everywhere, so it gets no gradient and never recovers);
  counted per hidden layer. Only for ``relu`` (leaky ReLU, sigmoid, tanh do not die so).
- **constant predictions**: classification - one class predicted for every test point;
  regression - the test outputs' standard deviation below ``CONSTANT_SPREAD`` times the
  targets' (the model predicts about one value).
- **no learning**: the final training loss above ``NO_LEARNING`` times the initial one
  (less than 5 % lower than the untrained model's).

A cell is *collapsed* when its predictions are constant or it did not learn.
"""
from __future__ import annotations

import numpy as np

__all__ = ["diagnose", "collapse_text", "CONSTANT_SPREAD", "NO_LEARNING"]

CONSTANT_SPREAD = 1e-3  # regression: std(outputs) / std(targets) below this is a constant
NO_LEARNING = 0.95      # final loss / initial loss above this: no learning


def _dead_units(params, activation: str, X: np.ndarray) -> list[int] | None:
    """Dead units per hidden layer (``None`` for activations that cannot die)."""
    if activation != "relu" or len(params) < 2:
        return None
    dead, h = [], np.asarray(X, dtype=np.float64)
    for W, b in params[:-1]:
        z = h @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
        dead.append(int((z <= 0).all(axis=0).sum()))
        h = np.maximum(z, 0.0)
    return dead


def diagnose(params, activation: str, X_train: np.ndarray, test_output: np.ndarray, y_test: np.ndarray,
             classification: bool, initial_loss: float | None, final_loss: float | None) -> dict:
    """The diagnosis of a trained model (JSON-ready).

    Parameters
    ----------
    params : [(W (out, in), b (out,)), ...]
        The final parameters.
    activation : str
        The hidden layers' activation.
    X_train : (n, d) array
        The training inputs (for dead units).
    test_output, y_test : arrays
        Test outputs (probabilities or predictions) and targets.
    classification : bool
    initial_loss, final_loss : float or None
        The training loss before and after training.

    Returns
    -------
    dict
        ``dead_units`` (per hidden layer, or ``None``), ``hidden_units`` (widths),
        ``constant`` (bool), ``predicted_classes`` (classification: distinct classes
        predicted on the test set), ``loss_ratio`` (final / initial loss, or ``None``),
        ``no_learning`` (bool), ``collapsed`` (bool) and ``text`` (``collapse_text``).
    """
    out = np.asarray(test_output, dtype=np.float64)
    finite = out.size > 0 and np.isfinite(out).all()
    result = {"dead_units": _dead_units(params, activation, X_train),
              "hidden_units": [int(np.shape(W)[0]) for W, _ in params[:-1]],
              "constant": False, "predicted_classes": None, "loss_ratio": None, "no_learning": False}
    if finite and classification:
        classes = np.unique(out.argmax(axis=1))
        result["predicted_classes"] = int(len(classes))
        result["constant"] = bool(len(classes) == 1 and len(np.unique(y_test)) > 1)
    elif finite:
        spread = float(np.std(np.asarray(y_test, dtype=np.float64))) or 1.0
        result["constant"] = bool(float(np.std(out, axis=0).max()) < CONSTANT_SPREAD * spread)
    if initial_loss is not None and final_loss is not None and np.isfinite([initial_loss, final_loss]).all() \
            and initial_loss > 0:
        result["loss_ratio"] = float(final_loss) / float(initial_loss)
        result["no_learning"] = bool(result["loss_ratio"] > NO_LEARNING)
    result["collapsed"] = bool(result["constant"] or result["no_learning"])
    result["text"] = collapse_text(result)
    return result


def collapse_text(diagnosis: dict) -> str:
    """One short line for the tables: ``collapsed: 20/20 dead, one class`` for a collapsed
    cell, ``20/20 dead`` when every hidden unit died but the output layer still learned, or
    ``""`` (a few dead units in a healthy model are common and not shown)."""
    parts = []
    dead, widths = diagnosis.get("dead_units"), diagnosis.get("hidden_units") or []
    if dead and sum(dead) and (diagnosis.get("collapsed") or sum(dead) == sum(widths)):
        parts.append(f"{sum(dead)}/{sum(widths)} dead")
    if diagnosis.get("constant"):
        parts.append("one class" if diagnosis.get("predicted_classes") is not None else "constant output")
    if diagnosis.get("no_learning"):
        parts.append("no learning")
    if not parts:
        return ""
    return ("collapsed: " if diagnosis.get("collapsed") else "") + ", ".join(parts)
