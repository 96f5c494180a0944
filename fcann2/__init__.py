"""fcann2: a neural network written from scratch in NumPy: explicit backprop, update rules by hand."""
from data_utils.training.initializers import INIT_SCHEMES, init_params

from .course_api import fcann2_classify, fcann2_train
from .estimators import FCANN2Classifier, FCANN2Regressor
from .functional import ACTIVATIONS, LOSSES
from .io import load_model, save_model
from .layers import Identity, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from .model import MLP
from .trainer import iter_train, train

__all__ = ["MLP", "train", "iter_train", "fcann2_train", "fcann2_classify", "FCANN2Classifier",
           "FCANN2Regressor", "save_model", "load_model", "init_params", "INIT_SCHEMES",
           "ACTIVATIONS", "LOSSES", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Identity"]
