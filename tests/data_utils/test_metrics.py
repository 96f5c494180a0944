import numpy as np
import pytest
from sklearn import metrics as skm

from data_utils import (classification_metrics, eval_AP, eval_perf_binary, eval_perf_multi,
                        regression_metrics)


@pytest.mark.parametrize("seed", range(10))
def test_eval_perf_binary_matches_sklearn(seed):
    r = np.random.default_rng(seed)
    Y_, Y = r.integers(0, 2, 50), r.integers(0, 2, 50)
    acc, rec, prec = eval_perf_binary(Y, Y_)
    assert acc == pytest.approx(skm.accuracy_score(Y_, Y))
    assert rec == pytest.approx(skm.recall_score(Y_, Y))
    assert prec == pytest.approx(skm.precision_score(Y_, Y))


def test_eval_perf_binary_hand_example():
    acc, rec, prec = eval_perf_binary(Y=[1, 1, 0, 0], Y_=[1, 0, 1, 0])
    assert (acc, rec, prec) == (0.5, 0.5, 0.5)
    _, _, prec = eval_perf_binary([0, 0], [1, 0])
    assert np.isnan(prec)


@pytest.mark.parametrize("seed", range(10))
def test_eval_perf_multi_matches_sklearn(seed):
    r = np.random.default_rng(seed)
    Y_, Y = r.integers(0, 4, 80), r.integers(0, 4, 80)
    acc, pr, M = eval_perf_multi(Y, Y_)
    np.testing.assert_array_equal(M, skm.confusion_matrix(Y_, Y))  # rows = true classes
    assert acc == pytest.approx(skm.accuracy_score(Y_, Y))
    rec = skm.recall_score(Y_, Y, average=None, zero_division=np.nan)
    prec = skm.precision_score(Y_, Y, average=None, zero_division=np.nan)
    np.testing.assert_allclose([p[0] for p in pr], rec)
    np.testing.assert_allclose([p[1] for p in pr], prec)


def test_eval_perf_multi_rows_are_true_classes():
    _, _, M = eval_perf_multi(Y=[1, 1, 1], Y_=[0, 0, 1], n_classes=3)
    np.testing.assert_array_equal(M, [[0, 2, 0], [0, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("seed", range(10))
def test_eval_AP_matches_sklearn(seed):
    r = np.random.default_rng(seed)
    scores = r.random(40)
    labels = r.integers(0, 2, 40)
    labels[0] = 1
    ranked = labels[np.argsort(scores)]
    assert eval_AP(ranked) == pytest.approx(skm.average_precision_score(labels, scores))


def test_eval_AP_course_examples():
    assert eval_AP([0, 0, 0, 1, 1, 1]) == pytest.approx(1.0)
    assert eval_AP([0, 0, 1, 0, 1, 1]) == pytest.approx((3 / 4 + 2 / 2 + 1 / 1) / 3)
    assert eval_AP([1, 1, 1, 0, 0, 0]) == pytest.approx((3 / 6 + 2 / 5 + 1 / 4) / 3)
    with pytest.raises(ValueError, match="at least one positive"):
        eval_AP([0, 0])


def test_classification_metrics_binary_and_multi(rng):
    y = rng.integers(0, 2, 100)
    proba = np.clip(0.7 * np.eye(2)[y] + 0.3 * rng.random((100, 2)), 1e-3, None)
    proba /= proba.sum(axis=1, keepdims=True)
    m = classification_metrics(y, proba.argmax(axis=1), proba)
    assert {"accuracy", "precision", "recall", "f1", "macro_f1", "confusion_matrix",
            "log_loss", "average_precision", "roc_auc"} <= set(m)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba[:, 1]))
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, proba))
    y3 = rng.integers(0, 3, 60)
    m3 = classification_metrics(y3, y3, n_classes=4)
    assert m3["accuracy"] == 1.0 and len(m3["f1"]) == 4 and np.isnan(m3["precision"][3])
    assert "roc_auc" not in m3
    with pytest.raises(ValueError, match="proba must have shape"):
        classification_metrics(y, y, np.ones((100, 3)), n_classes=2)


def test_macro_metrics_match_scikit_learn(rng):
    y = np.repeat(np.arange(3), 20)
    proba = rng.random((60, 3)) + 0.5 * np.eye(3)[y]
    proba /= proba.sum(axis=1, keepdims=True)
    pred = proba.argmax(axis=1)
    m = classification_metrics(y, pred, proba)
    assert m["precision_macro"] == pytest.approx(skm.precision_score(y, pred, average="macro"))
    assert m["recall_macro"] == pytest.approx(skm.recall_score(y, pred, average="macro"))
    assert m["average_precision_macro"] == pytest.approx(
        skm.average_precision_score(np.eye(3)[y], proba, average="macro"))
    assert m["average_precision_macro"] < 1.0
    # binary: the mean over both classes, not class 1's alone
    yb, pb = y[:40], proba[:40, :2] / proba[:40, :2].sum(axis=1, keepdims=True)
    mb = classification_metrics(yb, pb.argmax(axis=1), pb)
    both = [skm.average_precision_score(yb == c, pb[:, c]) for c in (0, 1)]
    assert mb["average_precision_macro"] == pytest.approx(np.mean(both))
    assert mb["average_precision"] == pytest.approx(both[1])
    # a class never predicted: its precision is undefined per class, 0 in the macro mean (a constant
    # classifier is not rewarded for the classes it ignores)
    m4 = classification_metrics(y, np.zeros_like(y), n_classes=3)
    assert np.isnan(m4["precision"][2]) and m4["precision_macro"] == pytest.approx((1 / 3) / 3)
    assert m4["recall_macro"] == pytest.approx(1 / 3)


def test_regression_metrics():
    m = regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    assert m["mse"] == pytest.approx(1 / 3) and m["mae"] == pytest.approx(1 / 3)
    assert m["r2"] == pytest.approx(skm.r2_score([1, 2, 3], [1, 2, 4]))
    assert regression_metrics(np.ones(3), np.ones((3, 1)))["mse"] == 0
    with pytest.raises(ValueError, match="rows"):
        regression_metrics([1.0], [1.0, 2.0])
