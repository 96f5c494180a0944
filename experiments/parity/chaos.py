"""Telling chaos from bugs when two implementations drift apart.

A training trajectory can amplify rounding exponentially: two correct implementations
that differ only in the order of floating-point operations agree to ~1e-16 for a while,
then separate at the rate the dynamics amplify any perturbation. A bug instead puts a
difference above rounding level into the trajectory (at once, or at the step where the
buggy code first runs) that then grows faster than rounding alone would.

The baseline measures how fast the dynamics amplify rounding on *this* run: the reference
implementation against itself, started from the same parameters perturbed by one ulp
(``perturb_one_ulp``), on the same schedule and recipe. With ``D(t)`` the candidate-vs-
reference difference and ``B(t)`` the baseline (max over tensors of max |dTheta| scaled by
max(1, max |Theta|)), and ``floor = tolerance / 1000``, the drift is **chaotic** when

1. it starts at rounding level: ``D(t) <= floor`` for the first ``START_STEPS`` steps;
2. the dynamics do amplify rounding that far: ``B`` reaches the tolerance within the run;
3. it grows no faster than the baseline: the steps ``D`` takes from ``floor`` to the
   tolerance are at least ``1 / GROWTH_FACTOR`` of the steps ``B`` takes (a bug that
   injects a large error makes that jump in a step or two).

Limits: a bug whose effect is itself at rounding level (e.g. a different but equivalent
summation order) is, correctly, indistinguishable from chaos; a tiny bug (a relative error
~1e-13 per step) on a chaotic trajectory can pass as chaos; a run too short for the
baseline to reach the tolerance is not called chaotic, even if it would be with more steps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Drift", "classify_drift", "perturb_one_ulp", "START_STEPS", "GROWTH_FACTOR"]

START_STEPS = 10      # "starts at rounding level" is judged on this many first steps
GROWTH_FACTOR = 2.0   # the drift may grow at most this much faster than the baseline


def perturb_one_ulp(params):
    """``params`` with every entry moved up by one ulp (zeros by one ulp of their tensor's
    largest magnitude, or of 1 when the tensor is all zeros): a rounding-level change."""
    out = []
    for W, b in params:
        pair = []
        for x in (W, b):
            x = np.asarray(x)
            scale = float(np.max(np.abs(x))) if x.size and np.any(x) else 1.0
            bumped = np.nextafter(x, np.inf)
            bumped[x == 0] = np.spacing(np.asarray(scale, dtype=x.dtype))
            pair.append(bumped.astype(x.dtype))
        out.append(tuple(pair))
    return out


def _crossing(curve: np.ndarray, level: float) -> int | None:
    over = np.flatnonzero(curve > level)
    return int(over[0]) if len(over) else None


@dataclass
class Drift:
    """How the candidate-vs-reference drift compares with the rounding baseline."""

    drift: np.ndarray          # D(t), scaled max |dTheta| per step
    baseline: np.ndarray       # B(t)
    floor: float
    tolerance: float
    starts_at_rounding: bool
    baseline_reaches_tolerance: bool
    drift_growth_steps: int | None     # steps D takes from floor to tolerance
    baseline_growth_steps: int | None  # steps B takes from floor to tolerance

    @property
    def chaotic(self) -> bool:
        if not (self.starts_at_rounding and self.baseline_reaches_tolerance):
            return False
        if self.drift_growth_steps is None:   # D never reached the tolerance on parameters
            return True
        return self.drift_growth_steps * GROWTH_FACTOR >= self.baseline_growth_steps

    def to_dict(self) -> dict:
        """JSON-ready, with the curves cut to what ``explain`` needs (the first
        ``START_STEPS`` drift values and the baseline's maximum)."""
        return {"drift": [float(x) for x in self.drift[:START_STEPS]], "baseline": [float(np.max(self.baseline, initial=0.0))],
                "floor": self.floor, "tolerance": self.tolerance, "starts_at_rounding": self.starts_at_rounding,
                "baseline_reaches_tolerance": self.baseline_reaches_tolerance,
                "drift_growth_steps": self.drift_growth_steps, "baseline_growth_steps": self.baseline_growth_steps}

    @classmethod
    def from_dict(cls, data: dict) -> "Drift":
        return cls(**{**data, "drift": np.asarray(data["drift"], dtype=float),
                      "baseline": np.asarray(data["baseline"], dtype=float)})

    def explain(self) -> str:
        start = (f"the drift starts at rounding level (<= {self.floor:.0e} for {START_STEPS} steps)"
                 if self.starts_at_rounding else
                 f"the drift starts above rounding level ({float(self.drift[:START_STEPS].max()):.1e} "
                 f"> {self.floor:.0e} within {START_STEPS} steps)")
        if not self.baseline_reaches_tolerance:
            base = (f"the reference perturbed by one ulp stays within tolerance "
                    f"(max {float(self.baseline.max()):.1e}): these dynamics do not amplify rounding that far")
        else:
            base = (f"the reference perturbed by one ulp crosses the tolerance too, going from "
                    f"{self.floor:.0e} to {self.tolerance:.0e} in {self.baseline_growth_steps} steps; "
                    f"the drift does so in {self.drift_growth_steps} steps")
        verdict = ("chaotic: rounding amplified by the dynamics" if self.chaotic
                   else "not explained by chaos: a real difference")
        return f"{verdict} - {start}; {base}."


def classify_drift(steps: pd.DataFrame, baseline: pd.DataFrame, tolerance: float, dtype: str) -> Drift:
    """Compare the candidate-vs-reference curve with the baseline (both from
    ``parity.lockstep.compare_sides``) on their common steps."""
    n = min(len(steps), len(baseline))
    d = np.nan_to_num(steps["dtheta_scaled"].to_numpy()[:n], nan=np.inf)
    b = np.nan_to_num(baseline["dtheta_scaled"].to_numpy()[:n], nan=np.inf)
    floor = tolerance / 1000
    growth = {}
    for name, curve in (("d", d), ("b", b)):
        low, high = _crossing(curve, floor), _crossing(curve, tolerance)
        growth[name] = None if high is None else max(1, high - (low if low is not None else high))
    return Drift(drift=d, baseline=b, floor=floor, tolerance=tolerance,
                 starts_at_rounding=bool(np.all(d[:START_STEPS] <= floor)),
                 baseline_reaches_tolerance=_crossing(b, tolerance) is not None,
                 drift_growth_steps=growth["d"], baseline_growth_steps=growth["b"])
