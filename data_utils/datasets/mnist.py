"""Loader for MNIST-format IDX files from a user-given folder (nothing is downloaded).

The IDX format: a 4-byte magic (two zero bytes, a type code, the number of dimensions),
then one big-endian uint32 per dimension, then the data in C order.
"""
from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "write_idx", "load_mnist", "mnist_folder_problem", "mnist_counts", "idx_header", "MNIST_FILES"]

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_TYPE_CODES = {np.dtype(v).newbyteorder(">") if np.dtype(v).itemsize > 1 else np.dtype(v): k
               for k, v in _IDX_TYPES.items()}

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (raw or ``.gz``) into an array of its stored dtype and shape."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"cannot read IDX file {path}: {exc}") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic {raw[:4]!r})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: header needs {header} bytes, file has {len(raw)}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path} is truncated or corrupt: shape {shape} needs {expected} data "
                         f"bytes, file has {len(raw) - header}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzip-compressed when the name ends in ``.gz``)."""
    path = Path(path)
    arr = np.asarray(array)
    big = arr.dtype.newbyteorder(">") if arr.dtype.itemsize > 1 else arr.dtype
    if big not in _TYPE_CODES:
        raise ValueError(f"dtype {arr.dtype} has no IDX type code")
    payload = bytes([0, 0, _TYPE_CODES[big], arr.ndim])
    payload += b"".join(int(d).to_bytes(4, "big") for d in arr.shape) + arr.astype(big).tobytes()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as fh:
        fh.write(payload)


def _locate(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _find(folder: Path, stem: str) -> Path:
    path = _locate(folder, stem)
    if path is None:
        raise FileNotFoundError(f"MNIST file {stem} (or {stem}.gz) not found in {folder}")
    return path


def idx_header(path: str | Path) -> tuple[np.dtype, tuple[int, ...]]:
    """The dtype and shape an IDX file (raw or ``.gz``) declares, read from its header
    alone; ``ValueError`` when it is not an IDX file or its size disagrees with the header
    (the file's size, or a gzip file's recorded size, modulo 2**32 as gzip keeps it)."""
    path = Path(path)
    gz = path.suffix == ".gz"
    try:
        with (gzip.open if gz else open)(path, "rb") as fh:
            magic = fh.read(4)
            if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _IDX_TYPES:
                raise ValueError(f"{path} is not an IDX file (bad magic {magic!r})")
            dims = fh.read(4 * magic[3])
        with open(path, "rb") as fh:  # the stored size: the file's, or gzip's ISIZE trailer
            fh.seek(-4 if gz else 0, 2)
            size = int.from_bytes(fh.read(4), "little") if gz else fh.tell()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ValueError(f"cannot read IDX file {path}: {exc}") from None
    if len(dims) < 4 * magic[3]:
        raise ValueError(f"{path} is truncated: its header names {magic[3]} dimensions")
    shape = tuple(int.from_bytes(dims[i:i + 4], "big") for i in range(0, len(dims), 4))
    dtype = np.dtype(_IDX_TYPES[magic[2]])
    expected = 4 + len(dims) + math.prod(shape) * dtype.itemsize
    if size != (expected % 2**32 if gz else expected):
        raise ValueError(f"{path} is truncated or corrupt: its header declares shape {shape}")
    return dtype, shape


def _split_shapes(folder: Path, split: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    images, labels = (idx_header(_find(folder, stem))[1] for stem in MNIST_FILES[split])
    if len(images) != 3 or len(labels) != 1 or images[0] != labels[0]:
        raise ValueError(f"MNIST {split} images {images} and labels {labels} do not match "
                         "(images need shape (n, rows, cols), labels (n,))")
    return images, labels


def mnist_counts(folder: str | Path) -> tuple[int, int]:
    """``(n_train, n_test)`` as the four files' headers declare them (checked by
    ``mnist_folder_problem``)."""
    return _split_shapes(Path(folder), "train")[0][0], _split_shapes(Path(folder), "test")[0][0]


def mnist_folder_problem(folder: str | Path) -> str | None:
    """Why ``load_mnist(folder)`` cannot load its data - the folder or any of its four files
    missing, a file that is not IDX or whose size disagrees with its header, images and
    labels that do not match - or ``None``. Reads the headers only."""
    folder = Path(folder)
    if not folder.is_dir():
        return f"MNIST folder {str(folder)!r} does not exist (no data is downloaded; put the four IDX files there)"
    missing = [stem for split in MNIST_FILES.values() for stem in split if _locate(folder, stem) is None]
    if missing:
        return f"MNIST folder {str(folder)!r} lacks {', '.join(missing)} (or .gz)"
    try:
        train, test = _split_shapes(folder, "train")[0], _split_shapes(folder, "test")[0]
    except ValueError as exc:
        return f"MNIST folder {str(folder)!r}: {exc}"
    if train[1:] != test[1:]:
        return f"MNIST folder {str(folder)!r}: training images are {train[1:]}, test images {test[1:]}"
    return None


def load_mnist(folder: str | Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST (or any dataset in its layout) from IDX files in ``folder``.

    Returns
    -------
    X : ndarray of shape (n, rows * cols), float64 in [0, 1]
    y : ndarray of shape (n,), int64
    """
    if split not in MNIST_FILES:
        raise ValueError(f"split must be one of {sorted(MNIST_FILES)}, got {split!r}")
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST folder {folder} does not exist")
    images = read_idx(_find(folder, MNIST_FILES[split][0]))
    labels = read_idx(_find(folder, MNIST_FILES[split][1]))
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST {split}: images {images.shape} and labels {labels.shape} do not match")
    return images.reshape(images.shape[0], -1).astype(np.float64) / 255.0, labels.astype(np.int64)
