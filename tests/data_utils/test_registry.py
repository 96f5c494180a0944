import numpy as np
import pytest

from data_utils import DATASETS, dataset_params, load_dataset, write_idx


@pytest.mark.parametrize("name", sorted(set(DATASETS) - {"mnist"}))
def test_every_dataset_loads(name):
    ds = load_dataset(name, seed=0)
    assert ds.X_train.ndim == 2 and ds.X_train.dtype == np.float64
    assert ds.X_test.shape[1] == ds.n_features
    assert int(np.prod(ds.input_shape)) == ds.n_features
    if ds.task == "classification":
        assert ds.y_train.dtype == np.int64 and ds.n_classes >= 2
        assert ds.n_outputs == ds.n_classes
    else:
        assert ds.y_train.dtype == np.float64 and ds.n_outputs == 1 and ds.class_names == ()


def test_seeded_and_stratified_split():
    a = load_dataset("iris", seed=3, test_size=0.2)
    b = load_dataset("iris", seed=3, test_size=0.2)
    c = load_dataset("iris", seed=4, test_size=0.2)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.X_train, c.X_train)
    assert np.array_equal(np.bincount(a.y_test), [10, 10, 10])
    assert a.class_names == ("setosa", "versicolor", "virginica")


def test_standardisation_fitted_on_train_only():
    ds = load_dataset("wine", seed=0, standardize=True)
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1, atol=1e-12)
    assert np.abs(ds.X_test.mean(axis=0)).max() > 1e-6  # test part is not re-centred


def test_params_forwarded_and_validated():
    ds = load_dataset("gmm", seed=0, K=4, C=3, N=20)
    assert len(ds.X_train) + len(ds.X_test) == 80
    assert ds.params == {"K": 4, "C": 3, "N": 20}
    with pytest.raises(ValueError, match="dataset 'gmm' has no parameter 'k'"):
        load_dataset("gmm", k=4)
    with pytest.raises(ValueError, match="unknown dataset 'nope'"):
        load_dataset("nope")
    with pytest.raises(ValueError, match="test_size must be in"):
        load_dataset("iris", test_size=1.5)
    assert "noise" in dataset_params("moons")


def test_lines_fixed_split_and_image_shape():
    ds = load_dataset("lines", test_set="noisy")
    assert ds.is_image and ds.input_shape == (3, 3)
    assert ds.X_train.shape == (24, 9) and ds.X_test.shape == (24, 9)
    assert load_dataset("lines").X_test.shape == (18, 9)
    with pytest.raises(ValueError, match="test_set must be"):
        load_dataset("lines", test_set="other")


def test_mnist_through_registry(tmp_path, rng):
    for prefix, n in (("train", 12), ("t10k", 5)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n, dtype=np.uint8))
    ds = load_dataset("mnist", folder=str(tmp_path), n_train=10)
    assert ds.X_train.shape == (10, 784) and ds.X_test.shape == (5, 784)
    assert ds.X_train.max() <= 1.0 and ds.input_shape == (28, 28)
