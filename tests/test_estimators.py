"""Both implementations' estimators pass scikit-learn's own checks and behave alike."""
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
