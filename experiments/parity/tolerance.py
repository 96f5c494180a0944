"""How far apart two correct implementations may end: max |dTheta| (scaled by
max(1, max |Theta|)), measured over thousands of steps of every recipe (README "Parity"):
float64 stays below ~1e-12, float32 below ~8e-4. Importing this loads nothing heavy."""

import numpy as np

__all__ = ["DEFAULT_TOLERANCE", "scaled_difference"]

DEFAULT_TOLERANCE = {"float64": 1e-9, "float32": 1e-3}


def scaled_difference(x: np.ndarray, z: np.ndarray) -> float:
    """``max |x - z| / max(1, max |x|)``: what a tolerance is judged on (rounding is
    relative once parameters grow past 1); ``inf`` for different shapes."""
    x, z = np.asarray(x, dtype=np.float64), np.asarray(z, dtype=np.float64)
    if x.shape != z.shape:
        return float("inf")
    if not x.size:
        return 0.0
    with np.errstate(all="ignore"):
        return float(np.max(np.abs(x - z))) / max(1.0, float(np.max(np.abs(x))))
