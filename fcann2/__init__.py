"""fcann2: a neural network written from scratch in NumPy: explicit backprop, update rules by hand.

Public names are imported on first use (PEP 562): ``import fcann2.functional`` (the report's
hidden-unit plot) does not load scikit-learn for the estimators."""
from data_utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".model": ("MLP",),
    ".trainer": ("train", "iter_train"),
    ".course_api": ("fcann2_train", "fcann2_classify"),
    ".estimators": ("FCANN2Classifier", "FCANN2Regressor"),
    ".io": ("save_model", "load_model"),
    "data_utils.training.initializers": ("init_params", "INIT_SCHEMES"),
    ".functional": ("ACTIVATIONS", "LOSSES"),
    ".layers": ("Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Identity"),
})
