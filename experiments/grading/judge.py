"""Verdicts from what a submission did: its parameters' steps (or gradients), its loss
value and its classifier's output, each judged on its own against ``reference``.

Parameters: each observed point (``theta`` and the student's next ``theta`` after one
step of learning rate ``lr``, or the student's gradient at ``theta``) gives the student's
update direction ``u`` (``(theta - next) / lr``, or the gradient). A convention explains
the submission when its ``u`` matches at every point, tensor by tensor, within ``rtol``
of the tensor's size (plus the rounding of ``theta`` in the student's dtype). No
convention -> a bug, located at the first point that no convention explains: the
tensors that differ under the convention closest to it (the most tensors right), the
first of them in backward order (W2, b2, W1, b1), and the one-line reason from a
least-squares fit of the tensor's ``u`` onto ``[g, lam * theta]`` (a missing L2 term, a
wrong sign, a scale such as a missing 1/N) or, when no such fit holds, "not the loss's
gradient". Nothing is ever added to what the student computed.
"""
from __future__ import annotations

import numpy as np

from . import reference as ref

__all__ = ["judge_params", "judge_loss", "judge_classify", "RTOL"]

RTOL = {"float64": 1e-6, "float32": 2e-3}
_BACKWARD_ORDER = (2, 3, 0, 1)


def _verdict(verdict: str, **fields) -> dict:
    return {"verdict": verdict, **fields}


def _expected(c: ref.Convention, g, theta, lam: float, n: int) -> list[np.ndarray]:
    s_loss, s_l2 = c.scales(n)
    out = []
    for k, (gk, t) in enumerate(zip(g, theta)):
        is_weight = k % 2 == 0
        out.append(s_loss * gk + (s_l2 * lam * t if (is_weight or c.biases) else 0.0))
    return out


class _Point:
    """One observation turned into the student's update direction ``u``."""

    def __init__(self, point: dict, kind: str, lr: float, dtype: str):
        self.theta = [np.asarray(t, dtype=np.float64) for t in point["theta"]]
        if kind == "update":
            nxt = [np.asarray(t, dtype=np.float64) for t in point["next"]]
            self.u = [(t - s) / lr for t, s in zip(self.theta, nxt)]
        else:
            self.u = [np.asarray(t, dtype=np.float64) for t in point["grad"]]
        unit = float(np.finfo(np.float32 if dtype == "float32" else np.float64).eps)
        big = max(1.0, max(float(np.max(np.abs(t))) if t.size else 0.0 for t in self.theta))
        self.floor = 16 * unit * big / lr if kind == "update" else 0.0
        self.rtol = RTOL.get(dtype, RTOL["float32"])
        self.step = point.get("step", 0)

    def errors(self, expected) -> list[tuple[float, bool]]:
        """Per tensor: (relative error, within tolerance)."""
        out = []
        for u, e in zip(self.u, expected):
            if u.shape != np.shape(e) or not np.all(np.isfinite(u)):
                out.append((float("inf"), False))
                continue
            size = float(np.max(np.abs(e))) if np.size(e) else 0.0
            err = float(np.max(np.abs(u - e))) if u.size else 0.0
            out.append((err / max(size, 1e-300), err <= self.rtol * size + self.floor))
        return out


def _fit_reason(u, g, theta, lam, s_loss, s_l2, is_weight, name, rtol, floor) -> str | None:
    """Why tensor ``name`` differs, when ``u = a g + b lam theta`` holds exactly."""
    if not (np.all(np.isfinite(u)) and np.all(np.isfinite(g)) and np.all(np.isfinite(theta))):
        return f"{name}'s update is not finite (overflow or nan)"
    cols = [g.ravel()] + ([lam * theta.ravel()] if lam and np.any(theta) else [])
    A = np.stack(cols, axis=1)
    coef, *_ = np.linalg.lstsq(A, u.ravel(), rcond=None)
    if np.max(np.abs(A @ coef - u.ravel())) > rtol * max(np.max(np.abs(u)), 1e-300) * 10 + floor:
        return None
    a = float(coef[0])
    b = float(coef[1]) / (s_l2 if s_l2 else 1.0) if len(coef) > 1 else None
    r = a / s_loss

    def near(x, y):
        return abs(x - y) <= 1e-3 * max(1.0, abs(y))

    if near(a, 0.0) and (b is None or near(b, 0.0)):
        return f"{name} does not change"
    if near(r, 1.0) and b is not None and near(b, 0.0) and is_weight:
        return f"the L2 term is missing from {name}'s update (lambda ignored)"
    if near(r, -1.0):
        return f"{name} moves the wrong way: the sign of its update is flipped"
    if not near(r, 1.0):
        return f"{name}'s loss gradient is {r:.4g} times the lab's (a 1/N missing or extra, or a mean over the wrong axis)"
    if b is not None and not near(b, 1.0):
        return f"{name}'s L2 term is {b:.4g} times the lab's"
    return None


def judge_params(obs: dict, X, y) -> dict:
    """The parameters' verdict: ``correct``, ``valid`` (a convention), ``bug`` (located)."""
    points = [_Point(p, obs["kind"], obs.get("lr", 1.0), obs["dtype"]) for p in obs["points"]]
    if not points:
        return _verdict("not graded", reason=obs.get("why_not", "no step observed"))
    lam, n, names = obs["lam"], X.shape[0], list(ref.TENSORS)
    described = obs.get("names") or names
    note = "" if obs.get("l2_graded", True) else " (L2 not graded: " + obs.get("l2_note", "no lambda") + ")"
    grads = {}

    def explained(c, eps, p):
        key = (id(p), eps)
        if key not in grads:
            with np.errstate(all="ignore"):
                grads[key] = ref.gradients(p.theta, X, y, eps)
        return p.errors(_expected(c, grads[key], p.theta, lam, n))

    for eps in ref.EPSILONS:
        for c in ref.CONVENTIONS:
            if all(ok for p in points for _, ok in explained(c, eps, p)):
                extra = f", epsilon {eps:g} inside the log" if eps > 1e-12 else ""
                if c.is_reference and not extra:
                    return _verdict("correct", convention="", reason="every step as the lab's" + note)
                text = (c.describe() if not c.is_reference else "the lab's objective") + extra
                return _verdict("valid", convention=text, reason=f"valid: {text}" + note)
    # a bug: the first point no convention explains, against the closest convention
    for p in points:
        scored = [(sum(ok for _, ok in explained(c, 0.0, p)), -i, c) for i, c in enumerate(ref.CONVENTIONS)]
        best_count, _, best = max(scored, key=lambda t: (t[0], t[1]))
        if best_count == 4:
            continue
        errs = explained(best, 0.0, p)
        bad = [k for k in _BACKWARD_ORDER if not errs[k][1]]
        first = bad[0]
        s_loss, s_l2 = best.scales(n)
        g = grads[(id(p), 0.0)]
        reasons = [_fit_reason(p.u[k], g[k], p.theta[k], lam, s_loss, s_l2, k % 2 == 0, names[k], p.rtol,
                               p.floor) for k in bad]
        what = "update" if obs["kind"] == "update" else "gradient"
        if len(bad) == 4 and not any(reasons):
            part = "the output layer's error (the softmax or the loss derivative): every tensor differs"
        elif set(bad) <= {0, 1} and not any(reasons):
            part = "the backward pass through the hidden layer (the ReLU mask or dW1/db1); the output layer is right"
        else:
            part = f"the {what} of {', '.join(names[k] for k in bad)}"
        reason = next((r for r in reasons if r), f"{names[first]}'s {what} is not the loss's gradient")
        return _verdict("bug", step=p.step, tensor=described[first], size=errs[first][0], part=part,
                        reason=reason + note,
                        convention="" if best.is_reference else best.describe())
    return _verdict("bug", reason="no convention explains every step together", part="the update")


def _decimals(text: str | None) -> int | None:
    if not text or "e" in text.lower():
        return None
    return len(text.split(".")[1]) if "." in text else 0


def judge_loss(obs: dict, X, y, params_verdict: dict | None = None) -> dict:
    """The loss value's verdict: the lab's objective, a convention's, or a bug."""
    loss = obs.get("loss")
    if not loss:
        return _verdict("not observed", reason=obs.get("loss_note", "the loss value is not returned or printed"))
    value, lam, n = float(loss["value"]), loss.get("lam", obs["lam"]), X.shape[0]
    decimals = _decimals(loss.get("text"))
    tol = RTOL.get(obs["dtype"], 1e-3) * max(1.0, abs(value)) + (0.5 * 10.0 ** -decimals if decimals is not None else 0)
    thetas = loss["thetas"]
    expected = ref.loss_value(thetas[0], X, y, ref.CONVENTIONS[0], lam)
    for eps in ref.EPSILONS:
        for c in ref.CONVENTIONS:
            for with_l2 in (True, False):
                for theta in thetas:
                    v = ref.loss_value(theta, X, y, c, lam if with_l2 else 0.0, eps)
                    if abs(v - value) <= tol:
                        parts = ([] if c.is_reference else [c.describe()]) + \
                                ([f"epsilon {eps:g} inside the log"] if eps > 1e-12 else []) + \
                                ([] if with_l2 or not lam else ["the data term without the penalty"])
                        if not parts:
                            return _verdict("correct", value=value, expected=expected, reason="the lab's objective")
                        return _verdict("valid", value=value, expected=expected, reason="valid: " + ", ".join(parts))
    where = loss.get("where", "the loss")
    return _verdict("bug", value=value, expected=expected, part="the loss value",
                    reason=f"{where} is {value:.6g}, the lab's objective {expected:.6g} (no convention gives it)")


def judge_classify(obs: dict, X_probe) -> dict:
    """The classifier's verdict: probabilities (N, C), rows summing to 1, the softmax of
    the network's logits."""
    cls = obs.get("classify")
    if not cls:
        return _verdict("not graded", reason=obs.get("classify_note", "no classifier found"))
    if cls.get("error"):
        return _verdict("bug", part="the classifier's output", reason=cls["error"])
    P = np.asarray(cls["probs"], dtype=np.float64)
    expected = ref.probabilities(cls["theta"], X_probe)
    if P.ndim == 1:
        return _verdict("bug", part="the classifier's output", reason=f"returns shape {P.shape} (labels?), not "
                        f"probabilities {expected.shape}")
    if P.shape != expected.shape:
        P = P.T if P.T.shape == expected.shape else P
    if P.shape != expected.shape:
        return _verdict("bug", part="the classifier's output", reason=f"returns shape {P.shape}, expected {expected.shape}")
    tol = RTOL.get(obs["dtype"], 1e-3)
    rows = float(np.max(np.abs(P.sum(axis=1) - 1.0)))
    if rows > tol:
        logits = ref.forward(cls["theta"], X_probe)[2]
        with np.errstate(over="ignore"):
            sigmoid = 1.0 / (1.0 + np.exp(-logits))
        hint = ": a sigmoid, not a softmax" if np.allclose(P, sigmoid, rtol=tol, atol=tol) else ""
        return _verdict("bug", part="the classifier's output", size=rows,
                        reason=f"rows do not sum to 1 (max |sum - 1| = {rows:.2g}){hint}")
    err = float(np.max(np.abs(P - expected)))
    if err > tol:
        return _verdict("bug", part="the classifier's output", size=err,
                        reason=f"probabilities differ from the network's softmax (max |dP| = {err:.2g})")
    return _verdict("correct", reason="softmax of the network's logits")
