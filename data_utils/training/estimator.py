"""scikit-learn estimator shell shared by both implementations.

The shell does everything that is not the network: validation, label encoding, the
training recipe (under scikit-learn's ``MLPClassifier`` names where the concept is the
same), drawing the initial parameters and the sample order from ``random_state``, and
the fitted attributes. An implementation names two things:

- ``_model``: its model class (``from_params(params, activation=, loss=)``, ``output``,
  ``predict_proba``);
- ``_train``: its ``train(model, X, y, **options) -> TrainResult``.
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
from .recipe import OPTIMIZERS, Recipe, RecipeError

__all__ = ["MLPClassifierBase", "MLPRegressorBase"]

# recipe key -> estimator parameter, where scikit-learn's name differs
_PARAM_OF = {"optimizer": "solver", "nesterov": "nesterovs_momentum", "eps": "epsilon", "alpha": "rmsprop_alpha",
             "betas": "beta_1/beta_2", "patience": "n_iter_no_change", "lr": "lr"}


class _MLPEstimatorBase(BaseEstimator):
    """Hyperparameters shared by the classifier and the regressor.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, widths of the hidden layers (may be empty).
    activation : hidden activation (relu, leaky_relu, sigmoid, tanh, identity).
    init : initialisation scheme (see ``data_utils.INIT_SCHEMES``).
    solver : "sgd", "rmsprop" or "adam" (the recipe's optimizer).
    lr : learning rate, > 0; ``None`` picks the class default (0.1 for the classifier,
        0.01 for the regressor, whose unscaled targets make larger steps diverge).
    momentum, nesterovs_momentum : sgd (and rmsprop's momentum).
    rmsprop_alpha : rmsprop's smoothing constant.
    beta_1, beta_2, epsilon : adam's (epsilon also rmsprop's).
    lr_schedule, gamma, step_size : learning-rate schedule per epoch (constant, step,
        exponential, cosine).
    batch_size : samples per step (``None``: full batch).
    epochs : passes over the training data.
    weight_decay : L2 penalty ``lambda`` on weights (not biases), >= 0.
    early_stopping, validation_fraction, n_iter_no_change : stop when the loss on a
        held-out, stratified part stops improving; the best epoch's parameters are kept.
    dtype : "float64" or "float32".
    random_state : int, RandomState or None; seeds the initial parameters, the sample
        order and the validation split.
    """

    _ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh", "identity")

    _default_lr = 0.1

    def __init__(self, hidden_layer_sizes=(32,), activation="relu", init="lecun_normal", solver="sgd", lr=None,
                 momentum=0.0, nesterovs_momentum=False, rmsprop_alpha=0.99, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, lr_schedule="constant", gamma=None, step_size=None, batch_size=32, epochs=100,
                 weight_decay=1e-4, early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 dtype="float64", random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.solver = solver
        self.lr = lr
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.rmsprop_alpha = rmsprop_alpha
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.lr_schedule = lr_schedule
        self.gamma = gamma
        self.step_size = step_size
        self.batch_size = batch_size
        self.epochs = epochs
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype
        self.random_state = random_state

    def _recipe(self) -> Recipe:
        """The recipe of these hyperparameters; the optimizer's own keys only."""
        candidates = {"momentum": self.momentum, "nesterov": self.nesterovs_momentum, "alpha": self.rmsprop_alpha,
                      "eps": self.epsilon, "betas": (self.beta_1, self.beta_2)}
        keys = {k: v for k, v in candidates.items() if k in OPTIMIZERS.get(self.solver, ())}
        try:
            return Recipe(optimizer=self.solver, lr=self._default_lr if self.lr is None else self.lr,
                          weight_decay=self.weight_decay, lr_schedule=self.lr_schedule, gamma=self.gamma,
                          step_size=self.step_size, early_stopping=self.early_stopping,
                          validation_fraction=self.validation_fraction if self.early_stopping else None,
                          patience=self.n_iter_no_change, **keys)
        except RecipeError as err:
            raise ValueError(f"{_PARAM_OF.get(err.key, err.key)}: {err.message}") from None

    def _validate_hyperparameters(self):
        recipe = self._recipe()
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
        return hidden, recipe, as_float_dtype(self.dtype)

    def _fit_network(self, X, T, n_outputs: int, loss: str):
        hidden, recipe, dtype = self._validate_hyperparameters()
        seed = check_random_state(self.random_state).randint(2**31 - 1)
        init_rng, order_rng = np.random.default_rng(seed).spawn(2)
        sizes = [X.shape[1], *hidden, n_outputs]
        network = self._model.from_params(init_params(sizes, self.init, init_rng, dtype=dtype),
                                          activation=self.activation, loss=loss)
        # a batch larger than the data is clamped by the schedule
        result = self._train(network, X.astype(dtype, copy=False), T, recipe=recipe,
                                   batch_size=self.batch_size, epochs=int(self.epochs),
                                   seed=int(order_rng.integers(2**31 - 1)))
        self.network_ = network
        self.loss_curve_ = list(result.loss_per_epoch)
        self.validation_scores_ = result.history.get("validation_score")  # None without a split
        self.best_epoch_ = result.best_epoch
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
        X = X.astype(as_float_dtype(self.dtype), copy=False)
        net = self.network_
        return net.predict_proba(X) if net.loss_name == "cross_entropy" else net.output(X)


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
