"""The course's function form: ``fcann2_train(X, Y_, ...)`` -> parameters and
``fcann2_classify(X, ...)`` -> probabilities.

Rules (README "Grade a folder of lab submissions"):

- Arguments are filled by name (``param_niter``/``niter``/``epochs``, ``param_delta``/
  ``lr``/``eta``, ``param_lambda``/``reg``/``l2``, ``hidden``/``h``...; ``layout.ROLE_PATTERNS``);
  a role that is not an argument is set as a module global of a matching name; one that is
  neither keeps the student's value (an iteration count hard-coded in the body cannot be
  controlled: the steps are then not graded). Labels go in as integers, or one-hot when
  integers raise.
- The initial parameters are the student's own draws: every call starts from the same
  seeded NumPy/``random``/torch state (and unseeded ``default_rng()`` made reproducible),
  so ``fcann2_train`` with ``param_niter = 0, 1, 2, 3`` returns the same initial
  parameters after 0, 1, 2, 3 steps; each step k -> k + 1 is graded from the student's own
  state (no drift adds up). Limits: the body must run ``param_niter`` full-batch steps
  (a loop of ``niter + 1`` still grades: every call is one step more); training on
  shuffled minibatches, or randomness that is not seeded by these sources (time-based)
  cannot be graded step by step - the row says so.
- The returned arrays (any order, tuple, list or dict, nested) are read as W1, b1, W2, b2
  from their shapes (``layout.readings``); an ambiguity is resolved by the student's
  ``fcann2_classify`` output or reported.
- The loss value is the first number after the word "loss" that the one-step call prints.
"""
from __future__ import annotations

import inspect
import re

import numpy as np

from .layout import flatten, match_roles, module_globals, readings
from .probe import Settings, StudentError, onehot, student_call, to_numpy
from . import reference as ref

__all__ = ["detect", "probe", "NotGradable", "parse_loss"]

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


class NotGradable(Exception):
    """The form was found but cannot be graded; the message says why."""


def detect(module) -> bool:
    return callable(getattr(module, "fcann2_train", None))


def parse_loss(printed: str) -> tuple[float, str] | None:
    """The first number after the word "loss" in ``printed`` (value, its text)."""
    for line in printed.splitlines():
        at = line.lower().find("loss")
        if at >= 0:
            m = _NUMBER.search(line, at + 4)
            if m:
                return float(m.group()), m.group()
    return None


def _classify(fn, ret, X, file):
    """The student's classifier on ``X`` given what their trainer returned: the values
    spread as arguments, the value as one argument, or a dict as keywords."""
    try:
        n_args = len([p for p in inspect.signature(fn).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]) - 1
    except (TypeError, ValueError):
        n_args = -1
    attempts = []
    if isinstance(ret, (tuple, list)) and len(ret) == n_args:
        attempts.append(lambda: fn(X, *ret))
    if isinstance(ret, dict):
        attempts.append(lambda: fn(X, **ret))
    attempts += [lambda: fn(X, ret), lambda: fn(X, *ret) if isinstance(ret, (tuple, list)) else fn(X, ret)]
    error = None
    for attempt in attempts:
        try:
            value, _ = student_call("fcann2_classify", file, attempt)
            return to_numpy(value).astype(np.float64), None
        except StudentError as exc:
            error = error or str(exc)
    return None, error


class _Trainer:
    def __init__(self, module, file):
        self.module, self.file, self.fn = module, file, module.fcann2_train
        self.roles, unfilled = match_roles(self.fn, 2)
        if unfilled:
            raise NotGradable(f"fcann2_train has arguments the grader cannot fill: {', '.join(unfilled)}")
        missing = [r for r in ("niter", "delta", "lambda", "hidden") if r not in self.roles]
        self.globals = module_globals(module, missing)
        self.labels = "int"

    def controls(self, role: str) -> bool:
        return role in self.roles or role in self.globals

    def __call__(self, X, y, C, niter, lr, lam, hidden):
        kwargs = {}
        for role, value in (("niter", niter), ("delta", lr), ("lambda", lam), ("hidden", hidden)):
            if role in self.roles:
                kwargs[self.roles[role]] = value
            elif role in self.globals:
                setattr(self.module, self.globals[role], value)
        Y = y if self.labels == "int" else onehot(y, C)
        return student_call("fcann2_train", self.file, self.fn, X, Y, **kwargs)

    def first(self, *args):
        try:
            return self(*args)
        except StudentError as first_error:
            self.labels = "onehot"
            try:
                return self(*args)
            except StudentError:
                self.labels = "int"
                raise first_error from None


def probe(module, file: str, data: dict, s: Settings) -> dict:
    X, y, C = data["X"], data["y"], int(data["y"].max()) + 1
    train = _Trainer(module, file)
    classify = getattr(module, "fcann2_classify", None)
    obs = {"form": "function", "kind": "update", "lr": s.lr, "lam": s.lam, "points": [], "notes": [],
           "labels": None}
    if not train.controls("niter"):
        obs["why_not"] = "the iteration count is neither an argument nor a module global: steps not graded"
    if not train.controls("delta") or not train.controls("lambda"):
        missing = [r for r in ("delta", "lambda") if not train.controls(r)]
        obs["why_not"] = f"no argument or global for {', '.join(missing)}: the step cannot be checked"
    hidden = s.hidden if train.controls("hidden") else None
    steps = s.steps if "why_not" not in obs else 0
    calls = [train.first(X, y, C, 1 if steps else 0, s.lr, s.lam, s.hidden)]
    obs["labels"] = train.labels
    if steps:
        calls = [train(X, y, C, k, s.lr, s.lam, s.hidden) for k in (0,)] + calls + \
                [train(X, y, C, k, s.lr, s.lam, s.hidden) for k in range(2, steps + 1)]
    found = [flatten(ret) for ret, _ in calls]
    shapes = [{label: a.shape for label, a in f} for f in found]
    stable = [label for label in shapes[0] if all(sh.get(label) == shapes[0][label] for sh in shapes)]
    labels = stable
    arrays = [[dict(f)[label] for label in labels] for f in found]
    candidates = readings(arrays[-1], X.shape[1], C, hidden)
    probs, classify_error = (None, "no fcann2_classify") if classify is None else \
        _classify(classify, calls[-1][0], X, file)
    if len(candidates) > 1 and probs is not None and probs.shape == (X.shape[0], C):
        fits = [r for r in candidates if np.allclose(ref.probabilities(r.to_harness(arrays[-1]), X), probs,
                                                     rtol=1e-3, atol=1e-4)]
        if len(fits) == 1:
            obs["notes"].append("layout decided by fcann2_classify's output (the shapes allow "
                                f"{len(candidates)} readings)")
            candidates = fits
    if not candidates:
        shown = ", ".join(f"{label} {shapes[-1][label]}" for label in labels) or "no arrays"
        raise NotGradable(f"cannot read W1, b1, W2, b2 of a [2, H, {C}] network from what fcann2_train "
                          f"returns: {shown}")
    if len(candidates) > 1:
        raise NotGradable("the shapes allow several readings of the parameters (H equal to D or C?): "
                          + " | ".join(", ".join(r.describe(labels, arrays[-1])) for r in candidates))
    reading = candidates[0]
    obs["names"] = reading.describe(labels, arrays[-1])
    obs["dtype"] = "float32" if arrays[-1][reading.positions[0]].dtype == np.float32 else "float64"
    thetas = [reading.to_harness(a) for a in arrays]
    if steps:
        again, _ = train(X, y, C, 0, s.lr, s.lam, s.hidden)
        if not all(np.array_equal(a, b) for a, b in zip(thetas[0], reading.to_harness(
                [dict(flatten(again))[label] for label in labels]))):
            obs["why_not"] = ("two calls from the same seeded random state start from different parameters "
                              "(randomness the grader cannot seed): steps not graded")
        else:
            obs["points"] = [{"theta": thetas[k], "next": thetas[k + 1], "step": k} for k in range(steps)]
            printed = parse_loss(calls[1][1])
            if printed:
                obs["loss"] = {"value": printed[0], "text": printed[1], "thetas": thetas[:2],
                               "where": "the printed loss"}
            else:
                obs["loss_note"] = "fcann2_train prints no loss (or no number after the word 'loss')"
    if classify is not None:
        obs["classify"] = {"theta": thetas[-1], "probs": probs, "error": classify_error}
    obs["lab"] = _lab(train, classify, reading, labels, data, s, file)
    return obs


def _lab(train, classify, reading, labels, data, s, file) -> dict:
    """The lab's run: train on the lab's data, probabilities on it and on the grid."""
    try:
        ret, _ = train(data["Xl"], data["yl"], int(data["yl"].max()) + 1, s.lab_niter, s.lab_lr, s.lab_lam, s.hidden)
        out = {}
        for key in ("Xl", "grid"):
            if classify is not None:
                probs, error = _classify(classify, ret, data[key], file)
                if error:
                    return {"error": error}
            else:
                arrays = dict(flatten(ret))
                probs = ref.probabilities(reading.to_harness([arrays[label] for label in labels]), data[key])
            out[key] = probs
        return out
    except StudentError as exc:
        return {"error": str(exc)}
    except (KeyError, ValueError, IndexError) as exc:
        return {"error": f"the lab run's parameters cannot be read: {exc}"}
