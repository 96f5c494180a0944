"""pt_deep: the PyTorch network with fcann2's contract (nn.Linear, autograd, optim.SGD).

Public names are imported on first use (PEP 562), like fcann2's."""
from data_utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".model": ("PTDeep", "TORCH_ACTIVATIONS", "TORCH_LOSSES"),
    ".course_api": ("train", "eval", "count_params"),
    ".trainer": ("iter_train", "num_threads"),
    ".estimators": ("PTDeepClassifier", "PTDeepRegressor"),
    ".io": ("save_state", "load_state", "save_npz", "load_npz"),
})
