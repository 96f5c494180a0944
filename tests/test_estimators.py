"""Both implementations' estimators pass scikit-learn's own checks and behave alike."""
import re

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from fcann2 import FCANN2Classifier, FCANN2Regressor
from pt_deep import PTDeepClassifier, PTDeepRegressor

CLASSIFIERS = [FCANN2Classifier, PTDeepClassifier]
REGRESSORS = [FCANN2Regressor, PTDeepRegressor]


@parametrize_with_checks([cls(random_state=0) for cls in CLASSIFIERS + REGRESSORS])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_classifier_in_pipeline_gridsearch_and_cv(cls):
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    pipe = make_pipeline(StandardScaler(), cls(epochs=50, random_state=0))
    assert cross_val_score(pipe, X, labels, cv=3).mean() > 0.85
    grid = GridSearchCV(pipe, {f"{cls.__name__.lower()}__hidden_layer_sizes": [(4,), (16,)]}, cv=3).fit(X, labels)
    assert set(grid.best_estimator_.predict(X)) <= set(labels)
    clf = grid.best_estimator_[-1]
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.n_iter_ == 50 and len(clf.loss_curve_) == 50 and clf.status_ == "ok"


@pytest.mark.parametrize("cls", REGRESSORS)
def test_regressor_multioutput_and_diabetes(cls):
    from sklearn.datasets import load_diabetes
    X, y = load_diabetes(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), cls(hidden_layer_sizes=(16,), lr=0.01, random_state=0))
    assert cross_val_score(pipe, X, (y - y.mean()) / y.std(), cv=3).mean() > 0.3
    Y = np.column_stack([X[:, 0], -X[:, 1]])
    reg = cls(random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (len(X), 2)


def test_two_implementations_agree():
    from sklearn.datasets import make_moons
    X, y = make_moons(200, noise=0.1, random_state=0)
    a = FCANN2Classifier(random_state=3).fit(X, y)
    b = PTDeepClassifier(random_state=3).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-9)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("cls", CLASSIFIERS + REGRESSORS)
@pytest.mark.parametrize("param, value, match", [
    ("lr", -0.1, "lr: must be > 0, got -0.1"),
    ("weight_decay", -1.0, "weight_decay: must be >= 0"),
    ("activation", "swish", "activation must be one of"),
    ("init", "xavier", "init must be one of"),
    ("epochs", 0, "epochs must be a positive integer, got 0"),
    ("hidden_layer_sizes", (0,), "hidden_layer_sizes must be positive integers"),
    ("dtype", "float16", "dtype must be float32 or float64"),
])
def test_bad_hyperparameters_named(cls, param, value, match):
    X, y = np.random.default_rng(0).standard_normal((20, 2)), np.arange(20) % 2
    with pytest.raises(ValueError, match=match):
        cls(**{param: value}).fit(X, y)


@pytest.mark.parametrize("cls", REGRESSORS)
def test_divergence_warns_and_keeps_finite_parameters(cls):
    X = np.random.default_rng(0).standard_normal((50, 2))
    y = 100 * X[:, 0]
    with pytest.warns(ConvergenceWarning, match="diverged"):
        reg = cls(lr=10.0, activation="identity", random_state=0).fit(X, y)
    assert reg.status_ == "diverged"
    assert reg.t_ < reg.n_iter_ * 2  # stopped early


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_float32(cls):
    from sklearn.datasets import make_blobs
    X, y = make_blobs(150, centers=3, random_state=0)
    clf = cls(dtype="float32", random_state=0).fit(StandardScaler().fit_transform(X), y)
    assert clf.predict_proba(X).dtype == np.float32


@pytest.mark.parametrize("solver, extra", [("adam", {"beta_1": 0.8}), ("rmsprop", {"rmsprop_alpha": 0.9}),
                                           ("sgd", {"momentum": 0.9, "nesterovs_momentum": True})])
def test_solvers_and_early_stopping_agree_across_implementations(solver, extra):
    from sklearn.datasets import make_moons
    X, y = make_moons(300, noise=0.2, random_state=0)
    kw = dict(solver=solver, lr=0.01, epochs=200, early_stopping=True, n_iter_no_change=5, random_state=1, **extra)
    a, b = FCANN2Classifier(**kw).fit(X, y), PTDeepClassifier(**kw).fit(X, y)
    assert a.n_iter_ < 200 and a.n_iter_ == b.n_iter_ and a.best_epoch_ == b.best_epoch_  # stopped early, alike
    assert len(a.validation_scores_) == a.n_iter_ and max(a.validation_scores_) > 0.8
    np.testing.assert_allclose(a.validation_scores_, b.validation_scores_, rtol=1e-12)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9, atol=1e-12)


def test_regressor_validation_scores_are_r2():
    from sklearn.datasets import make_regression
    X, y = make_regression(200, 3, noise=1.0, random_state=0)
    reg = FCANN2Regressor(solver="adam", lr=0.01, epochs=30, early_stopping=True, random_state=0).fit(X, y / y.std())
    assert reg.validation_scores_[-1] > 0.9 and reg.best_epoch_ is not None


@pytest.mark.parametrize("cls", CLASSIFIERS)
@pytest.mark.parametrize("params, message", [
    ({"solver": "lbfgs"}, "solver: must be one of 'sgd', 'rmsprop', 'adam', got 'lbfgs'"),
    ({"nesterovs_momentum": True}, "nesterovs_momentum: needs momentum > 0"),
    ({"solver": "adam", "beta_2": 1.0}, "beta_1/beta_2: must be < 1, got 1.0"),
    ({"lr_schedule": "step"}, "step_size: is required by lr_schedule 'step'"),
    ({"early_stopping": True, "validation_fraction": 0.0}, "validation_fraction: must be > 0"),
    ({"n_iter_no_change": 0}, "n_iter_no_change: must be an integer >= 1"),
])
def test_recipe_errors_use_estimator_names(cls, params, message):
    X, y = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2
    with pytest.raises(ValueError, match=re.escape(message)):
        cls(**params).fit(X, y)
