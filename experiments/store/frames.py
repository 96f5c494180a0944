"""Summary tables of a run (pandas): per-cell rows, and per grid point every
implementation's results side by side (mean +/- std over seeds), each candidate's
difference from the reference implementation, and time per step."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..implementations import REFERENCE, candidates, ordered, suffix

__all__ = ["cells_frame", "summary_frame", "axis_label", "metric_names", "metric_key", "metric_short"]

# task -> (the key of a record's ``metrics`` entry, its short name in column names)
_METRICS = {"classification": ("accuracy", "acc"), "regression": ("mse", "mse")}


def axis_label(value) -> str:
    """A swept value as a short label (hidden ``[10, 10]`` -> ``10x10``)."""
    if isinstance(value, list):
        return "x".join(str(v) for v in value) if value else "none"
    return str(value)


def metric_key(task: str) -> str:
    """The metric a task is judged by, as a record's ``metrics`` name it: ``accuracy`` or ``mse``."""
    return _METRICS.get(task, _METRICS["regression"])[0]


def metric_short(task: str) -> str:
    """That metric's short name in column names: ``acc`` or ``mse``."""
    return _METRICS.get(task, _METRICS["regression"])[1]


def metric_names(task: str) -> tuple[str, str]:
    """(test metric, train metric) columns shown for a task; higher is better for accuracy."""
    return f"test_{metric_short(task)}", f"train_{metric_short(task)}"


def _metric(rec: dict, split: str, name: str):
    m = (rec.get("metrics") or {}).get(split)
    return np.nan if m is None else m.get(name, np.nan)


def _reload_columns(rec: dict, task: str) -> dict:
    """``reload_<impl>_<metric>`` and ``reload_max_diff_<impl>`` of a cell's ``reload`` record,
    for every implementation the model was reloaded into."""
    key, short = metric_key(task), metric_short(task)
    row = {}
    for impl in ordered(rec["reload"]):
        entry = rec["reload"][impl] or {}
        row[f"reload_{impl}_{short}"] = (entry.get("test") or {}).get(key, np.nan)
        row[f"reload_max_diff_{impl}"] = entry.get("max_output_diff", np.nan)
    return row


def _none_nan(value):
    return np.nan if value is None else value


def cells_frame(records: list[dict], axes: list[str], task: str) -> pd.DataFrame:
    """One row per cell with its grid labels, status, metrics (the ``task``'s columns, NaN
    for a cell without metrics; macro averages over classes), ``n_params``,
    ``initial_test_loss`` (the untrained model's), ``collapse`` (the diagnosis's text,
    ``training.diagnosis``: "" for a healthy cell), the reloaded models' test metric and
    output difference (``output.reload_check``) and timing: ``us_per_step`` and
    ``time_engine`` - "cells" (the cell's own training time per step) or "stacked" (its
    stack's time per step divided by the stack's models: µs per model-step)."""
    rows = []
    for rec in records:
        row = {"id": rec["id"], "impl": rec["impl"]}
        for path in axes:
            row[path] = axis_label(rec["keys"].get(path)) if path in rec["keys"] else ""
        row["seed"] = rec["spec"]["seed"]
        row.update(status=rec["status"], error=rec.get("error"), n_steps=rec.get("n_steps"),
                   diverged_at=rec.get("diverged_at"), final_loss=rec.get("final_loss"),
                   us_per_step=(rec.get("time_per_step") or np.nan) * 1e6,
                   time_engine=rec.get("time_engine", "cells"))
        if task == "regression":
            row.update(train_mse=_metric(rec, "train", "mse"), test_mse=_metric(rec, "test", "mse"),
                       test_r2=_metric(rec, "test", "r2"))
        else:
            row.update(train_acc=_metric(rec, "train", "accuracy"), test_acc=_metric(rec, "test", "accuracy"),
                       test_macro_f1=_metric(rec, "test", "macro_f1"),
                       test_log_loss=_metric(rec, "test", "log_loss"),
                       test_precision_macro=_metric(rec, "test", "precision_macro"),
                       test_recall_macro=_metric(rec, "test", "recall_macro"),
                       test_ap_macro=_metric(rec, "test", "average_precision_macro"))
        row.update(n_params=rec.get("n_params", np.nan), initial_test_loss=_none_nan(rec.get("initial_test_loss")),
                   collapse=(rec.get("diagnosis") or {}).get("text", ""))
        if rec.get("reload"):
            row.update(_reload_columns(rec, task))
        if rec.get("first_max_train") is not None:  # output.train_curve: per-epoch training score
            row["first_max_train"] = rec["first_max_train"]
        rows.append(row)
    return pd.DataFrame(rows)


def summary_frame(cells: pd.DataFrame, group_axes: list[str], task: str) -> pd.DataFrame:
    """Per grid point (``group_axes``): mean/std over seeds per implementation, side by side.

    Columns: ``<metric>_mean_<impl>``, ``<metric>_std_<impl>`` for the test and train
    metric and final loss, ``us_per_step_<impl>`` with ``time_engine_<impl>`` (how it was
    timed: "cells", "stacked" - per model-step - or both), ``n_<impl>``, ``diverged_<impl>``,
    ``errors_<impl>`` (implementations in ``implementations.ordered`` order), then for every
    candidate beside the reference (``implementations.REFERENCE``) ``<test metric>_diff``
    and ``final_loss_diff`` (candidate - reference) and ``speedup`` (reference time /
    candidate time), suffixed `` <impl>`` for all but numpy (``implementations.suffix``).
    """
    test_m, train_m = metric_names(task)
    keys = group_axes or ["_all"]
    frame = cells.assign(_all="all") if not group_axes else cells
    parts = []
    impls = ordered(frame["impl"])
    for impl in impls:
        g = frame[frame["impl"] == impl].groupby(keys, sort=False)
        part = pd.DataFrame({
            f"{test_m}_mean": g[test_m].mean(), f"{test_m}_std": g[test_m].std(ddof=0),
            f"{train_m}_mean": g[train_m].mean(), f"{train_m}_std": g[train_m].std(ddof=0),
            "final_loss_mean": g["final_loss"].mean(),
            "us_per_step": g["us_per_step"].mean(),
            "time_engine": g["time_engine"].apply(lambda s: "+".join(sorted(set(s)))),
            "n": g.size(), "diverged": g["status"].apply(lambda s: int((s == "diverged").sum())),
            "errors": g["status"].apply(lambda s: int((s == "error").sum())),
        })
        part.columns = [f"{c}_{impl}" for c in part.columns]
        parts.append(part)
    out = pd.concat(parts, axis=1)
    for impl in candidates(impls) if REFERENCE in impls else []:
        ref, end = REFERENCE, suffix(impl)
        out[f"{test_m}_diff{end}"] = out[f"{test_m}_mean_{impl}"] - out[f"{test_m}_mean_{ref}"]
        out[f"final_loss_diff{end}"] = out[f"final_loss_mean_{impl}"] - out[f"final_loss_mean_{ref}"]
        out[f"speedup{end}"] = out[f"us_per_step_{ref}"] / out[f"us_per_step_{impl}"]
    out = out.reset_index()
    return out.drop(columns=["_all"]) if not group_axes else out
