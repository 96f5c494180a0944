"""The training contract both implementations follow: initial parameters (drawn once, in
NumPy), sample schedules, the training loop shell (divergence, histories), the model file
format and the scikit-learn estimator shell."""
from .._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".initializers": ("INIT_SCHEMES", "init_params", "check_sizes"),
    ".schedules": ("Schedule", "make_schedule"),
    ".loop": ("TrainResult",),
    ".param_io": ("ModelFileError", "save_params_npz", "load_params_npz"),
})
