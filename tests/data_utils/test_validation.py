import numpy as np
import pytest

from data_utils.validation import (as_generator, check_features, check_labels, check_loss_targets,
                                   check_positive, check_targets)


def test_check_features_accepts_and_casts():
    X = check_features([[1, 2], [3, 4]])
    assert X.dtype == np.float64 and X.flags.c_contiguous
    assert check_features(np.ones((2, 2), np.float32)).dtype == np.float32


@pytest.mark.parametrize("X, match", [
    (np.ones(3), "must be 2-D"),
    (np.ones((0, 2)), "0 samples"),
    (np.ones((2, 0)), "0 features"),
    (np.array([[1.0, np.nan]]), r"NaN or inf \(first at row 0, column 1: nan\)"),
    (np.array([[np.inf, 1.0]]), "NaN or inf"),
])
def test_check_features_rejects(X, match):
    with pytest.raises(ValueError, match=match):
        check_features(X)


def test_check_features_types_and_width():
    with pytest.raises(TypeError, match="numeric"):
        check_features([["a", "b"]])
    with pytest.raises(ValueError, match="has 3 features, expected 2"):
        check_features(np.ones((2, 3)), n_features=2)


def test_check_labels():
    np.testing.assert_array_equal(check_labels([0.0, 1.0, 2.0]), [0, 1, 2])
    assert check_labels(np.array([[1], [0]])).shape == (2,)
    with pytest.raises(ValueError, match="label 3 out of range 0..2"):
        check_labels([0, 3], n_classes=3)
    with pytest.raises(ValueError, match="label -1 < 0"):
        check_labels([0, -1])
    with pytest.raises(ValueError, match="non-integer value 0.5"):
        check_labels([0.5, 1.0])
    with pytest.raises(ValueError, match="has 2 labels but X has 3 samples"):
        check_labels([0, 1], n_samples=3)
    with pytest.raises(ValueError, match="NaN"):
        check_labels([0.0, np.nan])
    with pytest.raises(TypeError, match="integer class labels"):
        check_labels(["a", "b"])
    with pytest.raises(ValueError, match="1-D"):
        check_labels(np.zeros((2, 2)))


def test_check_targets():
    assert check_targets([1.0, 2.0]).shape == (2, 1)
    with pytest.raises(ValueError, match="NaN"):
        check_targets([1.0, np.nan])
    with pytest.raises(ValueError, match="has 2 outputs, expected 1"):
        check_targets(np.ones((3, 2)), n_outputs=1)
    with pytest.raises(ValueError, match="has 3 rows but X has 2"):
        check_targets(np.ones(3), n_samples=2)
    with pytest.raises(TypeError):
        check_targets(["x"])
    with pytest.raises(ValueError, match="1-D or 2-D"):
        check_targets(np.ones((2, 2, 2)))
    assert check_loss_targets([0, 1], "cross_entropy", n_samples=2, n_outputs=2, dtype=float).dtype == np.int64
    assert check_loss_targets([0, 1], "mse", n_samples=2, n_outputs=1, dtype=np.float32).dtype == np.float32


def test_check_positive_and_generator():
    assert check_positive(0.1, "lr") == 0.1
    with pytest.raises(ValueError, match="lr must be > 0, got -0.1"):
        check_positive(-0.1, "lr")
    with pytest.raises(ValueError, match="lr must be > 0, got nan"):
        check_positive(float("nan"), "lr")
    with pytest.raises(TypeError, match="lr must be a number"):
        check_positive("0.1", "lr")
    assert check_positive(0, "wd", allow_zero=True) == 0.0
    g = np.random.default_rng(0)
    assert as_generator(g) is g
    assert as_generator(3).random() == np.random.default_rng(3).random()
    with pytest.raises(TypeError, match="rng must be"):
        as_generator("seed")
