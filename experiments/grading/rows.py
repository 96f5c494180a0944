"""One submission's row from what its child process observed: the three verdicts
(parameters, loss value, classifier), the overall verdict, the evidence, the accuracy on
the lab's data and the thumbnail.

Overall: ``not graded`` (nothing found, an error, a timeout, a form that cannot be read -
the reason says which), ``bug`` (any of the three verdicts is a bug), ``valid`` (a valid
convention explains it and nothing is a bug), ``correct`` (the lab's objective exactly)."""
from __future__ import annotations

import numpy as np

from .discover import Entry
from .judge import judge_classify, judge_loss, judge_params

__all__ = ["make_row", "COLUMNS"]

COLUMNS = ("submission", "form", "verdict", "evidence", "params", "convention", "step", "tensor", "size", "part",
           "loss", "loss_reason", "classify", "classify_reason", "accuracy", "seconds", "notes", "status")


def _evidence(v: dict) -> str:
    where = ", ".join(str(x) for x in (f"step {v['step']}" if "step" in v else None, v.get("tensor"),
                                      f"size {v['size']:.2g}" if isinstance(v.get("size"), float) else None) if x)
    return (where + ": " if where else "") + v.get("reason", "")


def _accuracy(lab: dict, data) -> float | None:
    probs = lab.get("Xl")
    if probs is None:
        return None
    probs = np.asarray(probs)
    labels = probs.argmax(axis=1) if probs.ndim == 2 else probs.astype(int)
    if labels.shape != data["yl"].shape:
        return None
    return round(float(np.mean(labels == data["yl"])), 4)


def make_row(entry: Entry, result: dict, data) -> dict:
    row = dict.fromkeys(COLUMNS, "")
    row.update(submission=entry.name, status=result.get("status", "error"), form=result.get("form", ""),
               hash=entry.digest)
    if row["status"] != "graded":
        row.update(verdict="not graded", evidence=result.get("message", ""))
        return row
    X, y = data["X"], data["y"]
    if result.get("forward_error"):
        fe = result["forward_error"]
        params = {"verdict": "bug", "step": fe["step"], "tensor": fe["tensor"], "part": "the forward output",
                  "reason": fe["reason"]}
    else:
        params = judge_params(result, X, y)
    loss = judge_loss(result, X, y)
    classify = judge_classify(result, X)
    row.update(params=params["verdict"], convention=params.get("convention", ""), step=params.get("step", ""),
               tensor=params.get("tensor", ""), part=params.get("part", ""),
               size=f"{params['size']:.3g}" if isinstance(params.get("size"), float) else "",
               loss=loss["verdict"], loss_reason=loss.get("reason", ""),
               classify=classify["verdict"], classify_reason=classify.get("reason", ""),
               notes="; ".join(result.get("notes", [])))
    verdicts = [("parameters", params), ("loss", loss), ("classifier", classify)]
    bugs = [(name, v) for name, v in verdicts if v["verdict"] == "bug"]
    if bugs:
        name, v = bugs[0]
        row.update(verdict="bug", evidence=f"{name}: {_evidence(v)}" + (f" [{v['part']}]" if v.get("part") else ""))
    elif params["verdict"] == "not graded":
        row.update(verdict="not graded", evidence=params.get("reason", ""))
    elif "valid" in (params["verdict"], loss["verdict"]):
        v = params if params["verdict"] == "valid" else loss
        row.update(verdict="valid", evidence=v.get("reason", ""))
    else:
        row.update(verdict="correct", evidence=params.get("reason", ""))
    if result.get("why_not") and row["verdict"] != "bug":
        row["evidence"] = result["why_not"]
    lab = result.get("lab") or {}
    row["accuracy"] = _accuracy(lab, data) if not lab.get("error") else ""
    if lab.get("error"):
        row["notes"] = "; ".join(x for x in (row["notes"], f"lab run: {lab['error']}") if x)
    if lab.get("grid") is not None:
        from .thumbnail import thumbnail
        row["thumbnail"] = thumbnail(np.asarray(lab["grid"]), data)
    return row
