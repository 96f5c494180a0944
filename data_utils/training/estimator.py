"""scikit-learn estimator shell shared by both implementations.

The shell does everything that is not the network: validation, label encoding, drawing
the initial parameters and the schedule from ``random_state``, and the fitted attributes.
An implementation supplies two hooks:

- ``_train_network(params, X, T, *, loss, schedule) -> (network, TrainResult)``
- ``_network_output(X) -> ndarray``: class probabilities (n, C) for a classifier,
  outputs (n, k) for a regressor, from ``self.network_``.
"""
from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..validation import as_float_dtype
from .initializers import INIT_SCHEMES, init_params
from .loop import check_sgd_hyper
from .schedules import make_schedule

__all__ = ["MLPClassifierBase", "MLPRegressorBase"]


class _MLPEstimatorBase(BaseEstimator):
    """Hyperparameters shared by the classifier and the regressor.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, widths of the hidden layers.
    activation : hidden activation (relu, leaky_relu, sigmoid, tanh, identity).
    init : initialisation scheme (see ``data_utils.INIT_SCHEMES``).
    lr : SGD learning rate, > 0; ``None`` picks the class default (0.1 for the classifier,
        0.01 for the regressor, whose unscaled targets make larger steps diverge).
    batch_size : samples per step (``None``: full batch).
    epochs : passes over the training data.
    weight_decay : L2 penalty ``lambda`` on weights (not biases), >= 0.
    dtype : "float64" or "float32".
    random_state : int, RandomState or None; seeds the initial parameters and the schedule.
    """

    _ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "identity")

    _default_lr = 0.1

    def __init__(self, hidden_layer_sizes=(32,), activation="relu", init="lecun_normal", lr=None,
                 batch_size=32, epochs=100, weight_decay=1e-4, dtype="float64", random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.weight_decay = weight_decay
        self.dtype = dtype
        self.random_state = random_state

    @property
    def _lr(self) -> float:
        return self._default_lr if self.lr is None else self.lr

    def _validate_hyperparameters(self):
        check_sgd_hyper(self._lr, self.weight_decay)
        hidden = self.hidden_layer_sizes
        hidden = (hidden,) if isinstance(hidden, (int, np.integer)) else tuple(hidden)
        if any(isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 for h in hidden):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}")
        if self.activation not in self._ACTIVATIONS:
            raise ValueError(f"activation must be one of {self._ACTIVATIONS}, got {self.activation!r}")
        if self.init not in INIT_SCHEMES:
            raise ValueError(f"init must be one of {tuple(INIT_SCHEMES)}, got {self.init!r}")
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, (int, np.integer)) or self.epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {self.epochs!r}")
        return hidden, as_float_dtype(self.dtype)

    def _fit_network(self, X, T, n_outputs: int, loss: str):
        hidden, dtype = self._validate_hyperparameters()
        seed = check_random_state(self.random_state).randint(2**31 - 1)
        init_rng, schedule_rng = np.random.default_rng(seed).spawn(2)
        sizes = [X.shape[1], *hidden, n_outputs]
        params = init_params(sizes, self.init, init_rng, dtype=dtype)
        # a batch larger than the data is clamped by the schedule
        schedule = make_schedule(X.shape[0], batch_size=self.batch_size, epochs=int(self.epochs),
                                 seed=int(schedule_rng.integers(2**31 - 1)))
        self.network_, result = self._train_network(params, X.astype(dtype, copy=False), T,
                                                    loss=loss, schedule=schedule)
        self.loss_curve_ = list(result.loss_per_epoch)
        self.n_iter_ = max(1, len(self.loss_curve_))
        self.t_ = result.n_steps
        self.status_ = result.status
        if result.status != "ok":
            warnings.warn(f"{type(self).__name__}: training diverged at step {result.diverged_at} "
                          f"(non-finite loss); keeping the last finite parameters", ConvergenceWarning,
                          stacklevel=3)
        return self

    def _output(self, X):
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self._network_output(X.astype(as_float_dtype(self.dtype), copy=False))


class MLPClassifierBase(ClassifierMixin, _MLPEstimatorBase):
    """Classifier shell: softmax cross-entropy over ``classes_`` (any hashable labels)."""

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        return self._fit_network(X, encoder.transform(y), len(self.classes_), "cross_entropy")

    def predict_proba(self, X):
        """Class probabilities, ndarray of shape (n_samples, n_classes)."""
        return self._output(X)

    def predict(self, X):
        """Most probable class labels, shape (n_samples,)."""
        proba = self.predict_proba(X)  # first: raises NotFittedError before classes_ exists
        return self.classes_[np.argmax(proba, axis=1)]


class MLPRegressorBase(RegressorMixin, _MLPEstimatorBase):
    """Regressor shell: mean squared error, one output per target column."""

    _default_lr = 0.01

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), y_numeric=True, multi_output=True)
        T = y.reshape(-1, 1) if y.ndim == 1 else y
        self.n_outputs_ = T.shape[1]
        return self._fit_network(X, T.astype(as_float_dtype(self.dtype)), self.n_outputs_, "mse")

    def predict(self, X):
        """Predictions, shape (n_samples,) for one target, else (n_samples, n_outputs)."""
        out = self._output(X)
        return out.ravel() if self.n_outputs_ == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
