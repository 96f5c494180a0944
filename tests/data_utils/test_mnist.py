import gzip

import numpy as np
import pytest

from data_utils import load_mnist, read_idx, write_idx


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, rng, suffix, dtype):
    arr = (rng.random((3, 4, 5)) * 100).astype(dtype)
    write_idx(tmp_path / f"a{suffix}", arr)
    out = read_idx(tmp_path / f"a{suffix}")
    np.testing.assert_array_equal(out, arr)
    assert out.shape == arr.shape


def _write_mnist(folder, rng, n_train=20, n_test=7, gz=False):
    ext = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", rng.integers(0, 10, n, dtype=np.uint8))


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist(tmp_path, rng, gz):
    _write_mnist(tmp_path, rng, gz=gz)
    X, y = load_mnist(tmp_path, "train")
    assert X.shape == (20, 784) and X.dtype == np.float64 and 0 <= X.min() and X.max() <= 1
    assert y.shape == (20,) and y.dtype == np.int64
    Xt, yt = load_mnist(tmp_path, "test")
    assert Xt.shape == (7, 784)


def test_missing_file_named(tmp_path, rng):
    _write_mnist(tmp_path, rng)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path, "test")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "nope")
    with pytest.raises(ValueError, match="split must be one of"):
        load_mnist(tmp_path, "valid")


def test_corrupt_files(tmp_path, rng):
    p = tmp_path / "x"
    p.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(p)
    write_idx(p, rng.integers(0, 255, (4, 3), dtype=np.uint8))
    p.write_bytes(p.read_bytes()[:-2])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(p)
    g = tmp_path / "y.gz"
    g.write_bytes(gzip.compress(b"\x00\x00\x08\x01")[:-3])
    with pytest.raises(ValueError, match="cannot read IDX file"):
        read_idx(g)


def test_mismatched_images_and_labels(tmp_path, rng):
    _write_mnist(tmp_path, rng)
    write_idx(tmp_path / "train-labels-idx1-ubyte", rng.integers(0, 10, 3, dtype=np.uint8))
    with pytest.raises(ValueError, match="do not match"):
        load_mnist(tmp_path, "train")


def _mnist_folder(folder, n=6, ext=""):
    folder.mkdir(exist_ok=True)
    for prefix in ("train", "t10k"):
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", np.zeros((n, 28, 28), np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", np.arange(n, dtype=np.uint8) % 10)
    return folder


@pytest.mark.parametrize("ext", ["", ".gz"])
def test_idx_header_reads_the_shape_and_checks_the_size(tmp_path, ext):
    from data_utils.datasets.mnist import idx_header, mnist_counts, mnist_folder_problem
    folder = _mnist_folder(tmp_path / "m", ext=ext)
    assert idx_header(folder / f"train-images-idx3-ubyte{ext}")[1] == (6, 28, 28)
    assert mnist_folder_problem(folder) is None and mnist_counts(folder) == (6, 6)
    write_idx(folder / f"t10k-images-idx3-ubyte{ext}", np.zeros((6, 28, 27), np.uint8))
    assert "training images are (28, 28), test images (28, 27)" in mnist_folder_problem(folder)
    write_idx(folder / f"t10k-labels-idx1-ubyte{ext}", np.zeros(5, np.uint8))
    assert "do not match" in mnist_folder_problem(folder)


@pytest.mark.parametrize("ext", ["", ".gz"])
def test_a_truncated_idx_file_fails_the_folder_check(tmp_path, ext):
    from data_utils.datasets.mnist import mnist_folder_problem
    folder = _mnist_folder(tmp_path / "m", ext=ext)
    path = folder / f"train-images-idx3-ubyte{ext}"
    raw = (gzip.decompress(path.read_bytes()) if ext else path.read_bytes())[:-100]
    path.write_bytes(gzip.compress(raw) if ext else raw)
    assert "is truncated or corrupt: its header declares shape (6, 28, 28)" in mnist_folder_problem(folder)


def test_files_that_are_not_idx_fail_the_folder_check(tmp_path):
    from data_utils.datasets.mnist import mnist_folder_problem
    folder = _mnist_folder(tmp_path / "m")
    (folder / "train-labels-idx1-ubyte").write_bytes(b"PK\x03\x04 a zip, say")
    assert "train-labels-idx1-ubyte is not an IDX file" in mnist_folder_problem(folder)
