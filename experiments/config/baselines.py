"""The scikit-learn estimators a config may declare as reference models (``[[references]]``),
by name, and what the config loader checks about them. scikit-learn is imported only when an
estimator is looked up, so loading this module (the schema does) stays light."""
from __future__ import annotations

import importlib
import re

from .ids import stable_id

__all__ = ["REFERENCE_MODELS", "estimator_class", "build_estimator", "reference_problems", "reference_id"]

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
    """The id of one reference run: a hash of the reference (``name``, ``model``, ``params``)
    and the data spec it is trained on (computed alike by the runner and the report)."""
    table = {"name": reference["name"], "model": reference["model"], "params": reference.get("params", {})}
    return "ref-" + stable_id({"reference": table, "data": data_spec})
