"""pt_deep: the PyTorch network with fcann2's contract (nn.Linear, autograd, optim.SGD)."""
from .course_api import eval, train
from .estimators import PTDeepClassifier, PTDeepRegressor
from .io import load_npz, load_state, save_npz, save_state
from .model import TORCH_ACTIVATIONS, TORCH_LOSSES, PTDeep
from .trainer import iter_train, num_threads

__all__ = ["PTDeep", "train", "eval", "iter_train", "num_threads", "PTDeepClassifier", "PTDeepRegressor",
           "save_state", "load_state", "save_npz", "load_npz", "TORCH_ACTIVATIONS", "TORCH_LOSSES"]
