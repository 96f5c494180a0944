"""The scikit-learn estimators a config may declare as reference models (``[[references]]``),
by name, and what the config loader checks about them. scikit-learn is imported only when an
estimator is looked up, so loading this module (the schema does) stays light."""
from __future__ import annotations

import importlib
import re

from .ids import stable_id

__all__ = ["REFERENCE_MODELS", "MAX_TRAIN", "estimator_class", "build_estimator", "reference_problems", "reference_id",
           "max_train", "estimate_seconds"]

# name -> (module, class, task)
REFERENCE_MODELS = {
    "svc": ("sklearn.svm", "SVC", "classification"),
    "linear_svc": ("sklearn.svm", "LinearSVC", "classification"),
    "logistic_regression": ("sklearn.linear_model", "LogisticRegression", "classification"),
    "mlp_classifier": ("sklearn.neural_network", "MLPClassifier", "classification"),
    "k_neighbors_classifier": ("sklearn.neighbors", "KNeighborsClassifier", "classification"),
    "random_forest_classifier": ("sklearn.ensemble", "RandomForestClassifier", "classification"),
    "linear_regression": ("sklearn.linear_model", "LinearRegression", "regression"),
    "ridge": ("sklearn.linear_model", "Ridge", "regression"),
    "svr": ("sklearn.svm", "SVR", "regression"),
    "mlp_regressor": ("sklearn.neural_network", "MLPRegressor", "regression"),
    "k_neighbors_regressor": ("sklearn.neighbors", "KNeighborsRegressor", "regression"),
}
# the default training-set limit per model (``[[references]] max_train``): a kernel SVM's fit
# grows with n^2 (linear SVC on all 60,000 MNIST images: 327 s fit, 12.8 min with scoring)
MAX_TRAIN = {"svc": 10_000, "svr": 10_000}
# seconds per unit of work, measured on a busy 2-core VM (rough: the estimate is a budget, not a promise)
_KERNEL_FIT = 1.2e-10     # x n_train^2 x features, kernel SVMs (linear kernel); x2 for the others
_KERNEL_SCORE = 0.6e-10   # x n_support (~n_train) x scored points x features
_LINEAR_WORK = 2e-8       # x n_train x features, every other model
_PARAM_IN_MESSAGE = re.compile(r"The '([A-Za-z_0-9]+)' parameter")


def estimator_class(model: str):
    """The scikit-learn class of an allowed ``model`` name (imports scikit-learn)."""
    module, name, _ = REFERENCE_MODELS[model]
    return getattr(importlib.import_module(module), name)


def build_estimator(model: str, params: dict, seed: int | None = None):
    """An unfitted estimator: ``params`` as given, ``random_state`` from ``seed`` unless given."""
    cls = estimator_class(model)
    defaults = {"random_state": seed} if "random_state" in cls().get_params(deep=False) and seed is not None else {}
    return cls(**{**defaults, **params})


def reference_problems(k: int, model: str, params: dict) -> list[tuple[str, str]]:
    """``(key path, message)`` for parameters of ``references[k]`` that ``model`` does not
    take (checked against ``get_params()``), else scikit-learn's own parameter validation."""
    where = f"references[{k}].params"
    cls = estimator_class(model)
    known = sorted(cls().get_params(deep=False))
    unknown = [p for p in params if p not in known]
    if unknown:
        return [(f"{where}.{p}", f"{where}.{p}: unknown parameter of {model} ({cls.__name__}); "
                                 f"known: {', '.join(known)}") for p in unknown]
    try:
        build_estimator(model, params)._validate_params()
    except (ValueError, TypeError) as exc:
        found = _PARAM_IN_MESSAGE.search(str(exc))
        path = f"{where}.{found.group(1)}" if found else where
        return [(path, f"{path}: {exc}")]
    return []


def reference_id(reference: dict, data_spec: dict) -> str:
    """The id of one reference run: a hash of the reference (``name``, ``model``, ``params``,
    and its training-set limit when it has one) and the data spec it is trained on (computed alike by the runner and the report)."""
    table = {"name": reference["name"], "model": reference["model"], "params": reference.get("params", {})}
    if max_train(reference) is not None:  # a subsampled reference trains on other data
        table["max_train"] = max_train(reference)
    return "ref-" + stable_id({"reference": table, "data": data_spec})


def max_train(reference: dict) -> int | None:
    """The training-set limit of a reference (``max_train``, else ``MAX_TRAIN``'s default
    for its model; ``None``: the whole set)."""
    limit = reference.get("max_train")
    limit = MAX_TRAIN.get(reference["model"]) if limit is None else limit
    return limit or None


def estimate_seconds(reference: dict, n_train: int, n_test: int, n_features: int) -> float:
    """A rough time budget of one reference run (fit and scoring of the training and test
    sets) from the training size it will use, the test size and the feature count."""
    n, d = n_train, max(n_features, 1)
    if reference["model"] in MAX_TRAIN:  # kernel methods: libsvm
        kernel = reference.get("params", {}).get("kernel", "rbf")
        return (_KERNEL_FIT * n * n * d + _KERNEL_SCORE * n * (n + n_test) * d) * (1 if kernel == "linear" else 2)
    if reference["model"].startswith("k_neighbors"):  # fit stores; scoring compares every pair
        return _KERNEL_SCORE * n * (n + n_test) * d
    return _LINEAR_WORK * n * d
