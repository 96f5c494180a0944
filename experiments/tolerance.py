"""How far apart two correct implementations may end: max |dTheta| (scaled by
max(1, max |Theta|)), measured over thousands of steps of every recipe (README "Parity"):
float64 stays below ~1e-12, float32 below ~8e-4. Importing this loads nothing heavy."""

DEFAULT_TOLERANCE = {"float64": 1e-9, "float32": 1e-3}
