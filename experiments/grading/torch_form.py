"""The course's PyTorch form: ``PTDeep(config, activation)``, ``train(model, X, Yoh_,
param_niter, param_delta, param_lambda)`` and ``eval(model, X)``.

Rules: the model is built as ``PTDeep([2, 5, 3], torch.relu)`` (or without the
activation when it takes none) from the seeded state; its initial parameters are read
from ``model.parameters()`` (``nn.Linear`` weights (out, in) or hand-made (in, out),
biases of any of the three shapes; float32 or float64, graded at that dtype's
tolerance). Each graded step is one call ``train(model, X, Yoh_, 1, lr, lam)`` on the same
model (arguments filled by name like the function form; ``X`` and ``Yoh_`` as tensors of
the model's dtype, or NumPy when tensors raise). ``model.get_loss(X, Yoh_)``, when there,
gives the loss value; ``eval`` the classifier's output. Limits: a ``train`` that keeps
optimiser state between calls (momentum, Adam) is graded as plain gradient descent.
"""
from __future__ import annotations

import sys

import numpy as np

from .function_form import NotGradable
from .layout import match_roles, readings
from .probe import Settings, StudentError, onehot, reseed, student_call, to_numpy

__all__ = ["detect", "probe"]


def detect(module) -> bool:
    return isinstance(getattr(module, "PTDeep", None), type) and callable(getattr(module, "train", None))


class _Session:
    def __init__(self, module, file):
        self.module, self.file = module, file
        self.torch = sys.modules.get("torch")
        if self.torch is None:
            raise NotGradable("PTDeep found but torch is not imported by the submission")
        self.roles, unfilled = match_roles(module.train, 3)
        if unfilled:
            raise NotGradable(f"train has arguments the grader cannot fill: {', '.join(unfilled)}")
        for role in ("niter", "delta"):
            if role not in self.roles:
                raise NotGradable(f"train has no argument for {role} (param_niter, param_delta)")
        self.as_tensor = True

    def build(self, config):
        def make():
            try:
                return self.module.PTDeep(config, self.torch.relu)
            except TypeError:
                return self.module.PTDeep(config)
        model, _ = student_call("PTDeep(config, torch.relu)", self.file, make)
        return model

    def params(self, model):
        named = list(model.named_parameters())
        return [name for name, _ in named], [p.detach().cpu().numpy().copy() for _, p in named]

    def data(self, model, X, Y):
        if not self.as_tensor:
            return X, Y
        dtype = next(model.parameters()).dtype
        return self.torch.tensor(X, dtype=dtype), self.torch.tensor(Y, dtype=dtype)

    def train(self, model, X, y, C, niter, lr, lam):
        kwargs = {self.roles["niter"]: niter, self.roles["delta"]: lr}
        if "lambda" in self.roles:
            kwargs[self.roles["lambda"]] = lam
        Y = onehot(y, C)
        try:
            return student_call("train", self.file, self.module.train, model, *self.data(model, X, Y), **kwargs)
        except StudentError:
            if not self.as_tensor:
                raise
            self.as_tensor = False
            return student_call("train", self.file, self.module.train, model, X, Y, **kwargs)

    def eval(self, model, X):
        fn = getattr(self.module, "eval", None)
        if not callable(fn) or fn is eval:
            return None, "no eval(model, X)"
        for x in (X, self.torch.tensor(X, dtype=next(model.parameters()).dtype)):
            try:
                value, _ = student_call("eval", self.file, fn, model, x)
                return to_numpy(value).astype(np.float64), None
            except StudentError as exc:
                error = str(exc)
        return None, error


def probe(module, file: str, data: dict, s: Settings) -> dict:
    X, y, C = data["X"], data["y"], int(data["y"].max()) + 1
    t = _Session(module, file)
    obs = {"form": "pytorch", "kind": "update", "lr": s.lr, "lam": s.lam, "points": [], "notes": []}
    if "lambda" not in t.roles:
        obs["l2_graded"], obs["l2_note"] = False, "train takes no param_lambda"
        obs["lam"] = 0.0
    reseed()
    model = t.build([X.shape[1], s.hidden, C])
    names, arrays = t.params(model)
    candidates = readings(arrays, X.shape[1], C, s.hidden)
    if len(candidates) != 1:
        raise NotGradable(f"cannot read one [2, {s.hidden}, {C}] network from PTDeep's parameters "
                          f"{[(n, a.shape) for n, a in zip(names, arrays)]} ({len(candidates)} readings)")
    reading = candidates[0]
    labels = [f"model.{n}" for n in names]
    obs["names"] = reading.describe(labels, arrays)
    obs["dtype"] = "float32" if arrays[0].dtype == np.float32 else "float64"
    get_loss = getattr(model, "get_loss", None)
    if callable(get_loss):
        try:
            xs, ys = t.data(model, X, onehot(y, C))
            takes_lam = len(match_roles(get_loss, 2)[0].get("lambda", "")) > 0
            args = (xs, ys, obs["lam"]) if takes_lam else (xs, ys)
            value, _ = student_call("get_loss", file, get_loss, *args)
            obs["loss"] = {"value": float(to_numpy(value)), "thetas": [reading.to_harness(arrays)],
                           "where": "model.get_loss", **({} if takes_lam else {"lam": 0.0})}
        except StudentError as exc:
            obs["loss_note"] = str(exc)
    else:
        obs["loss_note"] = "PTDeep has no get_loss"
    thetas = [reading.to_harness(arrays)]
    for k in range(s.steps):
        t.train(model, X, y, C, 1, s.lr, obs["lam"])
        thetas.append(reading.to_harness(t.params(model)[1]))
    obs["points"] = [{"theta": thetas[k], "next": thetas[k + 1], "step": k} for k in range(s.steps)]
    probs, error = t.eval(model, X)
    obs["classify"] = {"theta": thetas[-1], "probs": probs, "error": error}
    obs["lab"] = _lab(t, data, s)
    return obs


def _lab(t: _Session, data: dict, s: Settings) -> dict:
    try:
        reseed()
        model = t.build([data["Xl"].shape[1], s.hidden, int(data["yl"].max()) + 1])
        t.train(model, data["Xl"], data["yl"], int(data["yl"].max()) + 1, s.lab_niter, s.lab_lr, s.lab_lam)
        out = {}
        for key in ("Xl", "grid"):
            out[key], error = t.eval(model, data[key])
            if error:
                return {"error": error}
        return out
    except StudentError as exc:
        return {"error": str(exc)}
