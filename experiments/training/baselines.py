"""Reference models: the config's ``[[references]]`` (scikit-learn baselines), each trained
once per distinct data spec of the grid - not per grid point - and recorded like a cell
(metrics from ``evaluate``, test outputs, the probability grid of 2-D data), so the report
draws them from the run folder alone. They are references, not implementations: no
parity, no numpy/torch pairing, no verdicts."""
from __future__ import annotations

import dataclasses
import time
import traceback
from dataclasses import dataclass

import numpy as np

from ..config.load import ExperimentConfig
from ..config.baselines import build_estimator, estimate_seconds, max_train, reference_id
from ..store.cells import data_key
from ..config.sweep import Cell

__all__ = ["ReferenceRun", "expand_references", "train_reference", "reference_budget", "subsample"]


@dataclass(frozen=True)
class ReferenceRun:
    id: str
    reference: dict     # name, model, params
    data: dict          # the data spec (as a cell's ``spec["data"]``)
    resolution: int     # of the probability grid (``output.plot_resolution``)


def expand_references(cfg: ExperimentConfig, cells: list[Cell]) -> list[ReferenceRun]:
    """One run per reference and distinct data spec of ``cells``, in config then grid order."""
    data_specs = list({data_key(c.spec["data"]): c.spec["data"] for c in cells}.values())
    return [ReferenceRun(reference_id(ref.model_dump(), data), ref.model_dump(), data, cfg.output.plot_resolution)
            for ref in cfg.references for data in data_specs]


def reference_budget(run: ReferenceRun) -> dict:
    """What a reference run will cost, computed before it starts (the data loaded in the
    calling process): ``n_train`` (the whole training part), ``n_used`` (after the
    ``max_train`` subsample), ``n_test``, ``n_features`` and ``seconds`` (the estimate of
    ``config.baselines.estimate_seconds``)."""
    from data_utils import load_dataset
    d = run.data
    ds = load_dataset(d["dataset"], seed=d["seed"], test_size=d.get("test_size", 0.25),
                      standardize=d.get("standardize", False), standardize_target=bool(d.get("standardize_target")),
                      **d.get("params", {}))
    n, limit = len(ds.X_train), max_train(run.reference)
    used = n if limit is None else min(n, limit)
    return {"n_train": n, "n_used": used, "n_test": len(ds.X_test), "n_features": ds.n_features,
            "seconds": estimate_seconds(run.reference, used, len(ds.X_test), ds.n_features)}


def subsample(X: np.ndarray, y: np.ndarray, limit: int | None, seed: int, classification: bool):
    """At most ``limit`` rows of ``(X, y)``: a seeded subsample, stratified for
    classification (``(X, y)`` unchanged when they fit)."""
    if limit is None or len(X) <= limit:
        return X, y
    from data_utils.datasets.split import split_indices
    _, rows = split_indices(len(X), fraction=limit, seed=seed, labels=y if classification else None)
    rows = np.sort(rows)
    return X[rows], y[rows]


def _scores(estimator, X) -> np.ndarray:
    """Class scores of an estimator without ``predict_proba`` (an ``SVC``): the logistic of
    the binary ``decision_function``, else its softmax - confidences, not calibrated
    probabilities; their argmax is the predicted class."""
    d = np.asarray(estimator.decision_function(X), dtype=np.float64)
    if d.ndim == 1:
        p1 = 1.0 / (1.0 + np.exp(-d))
        return np.column_stack([1.0 - p1, p1])
    e = np.exp(d - d.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _output_fn(estimator, n_classes: int | None):
    """Class probabilities over all ``n_classes`` (``predict_proba``, else ``_scores``, else
    one-hot predictions; classes the estimator never saw get 0), or predictions as columns."""
    if n_classes is None:
        return lambda X: np.asarray(estimator.predict(X), dtype=np.float64).reshape(len(X), -1)

    def proba(X):
        out = np.zeros((len(X), n_classes))
        columns = np.asarray(estimator.classes_, dtype=np.int64)
        if hasattr(estimator, "predict_proba"):
            out[:, columns] = estimator.predict_proba(X)
        elif hasattr(estimator, "decision_function"):
            out[:, columns] = _scores(estimator, X)
        else:
            out[np.arange(len(X)), np.asarray(estimator.predict(X), dtype=np.int64)] = 1.0
        return out
    return proba


def train_reference(run: ReferenceRun) -> dict:
    """Fit the reference on the training part of its data (seeded by ``data.seed``) and
    return its record: ``id``, ``kind`` ("reference"), ``reference``, ``data``, ``status``
    ("ok" or "error"), ``error``, ``fit_time`` (seconds), ``n_train`` (the training part),
    ``n_used`` and ``max_train`` (the seeded subsample fitted above ``max_train`` points;
    the train metric is scored on it), ``metrics`` (train/test), and
    ``outputs`` and ``plot`` (NumPy arrays the store writes to ``outputs/`` and ``data/``)."""
    from threadpoolctl import threadpool_limits

    from .outputs import cell_outputs, plot_data  # in the worker: the parent only expands references
    from .scoring import evaluate
    from .setup import prepare
    record = {"id": run.id, "kind": "reference", "reference": run.reference, "data": run.data, "status": "error",
              "error": None, "fit_time": None, "metrics": None, "outputs": None, "plot": None}
    try:
        with threadpool_limits(limits=1):
            setup = prepare(ExperimentConfig(data=run.data))
            ds = setup.dataset
            estimator = build_estimator(run.reference["model"], run.reference["params"], seed=run.data["seed"])
            X, y = subsample(setup.X_train, setup.y_train, max_train(run.reference), run.data["seed"],
                             setup.is_classification)
            record.update(n_train=len(setup.X_train), n_used=len(X), max_train=max_train(run.reference))
            setup = dataclasses.replace(setup, X_train=X, y_train=y)  # train metrics: on the points fitted
            start = time.perf_counter()
            estimator.fit(X, y)
            record["fit_time"] = time.perf_counter() - start
            output_fn = _output_fn(estimator, ds.n_classes if setup.is_classification else None)
            record.update(status="ok", metrics=evaluate(setup, output_fn),
                          outputs=cell_outputs(setup, output_fn, run.resolution), plot=plot_data(setup))
    except Exception as exc:  # noqa: BLE001 - a failing reference is a result, the sweep goes on
        record.update(error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc(limit=5))
    return record
