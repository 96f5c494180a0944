"""Reading a ``.npz`` archive that may be damaged or hostile, within bounds.

``np.load`` trusts an archive: a renamed ``.npy``, a malformed array header or a member
that declares more than it holds surface as ``TypeError``, ``TokenError`` or
``MemoryError``, and a small archive with a huge member of zeros is decompressed whole
before anything can refuse it. ``NpzArchive`` checks every member's zip entry and array
header when it opens the file - the declared uncompressed size must be exactly the header
plus ``shape x itemsize``, no member may claim more bytes than the file holds or a
compression ratio above ``max_ratio`` - and ``read`` decompresses exactly the bytes its
header declares. Everything wrong raises ``NpzFileError`` naming the file and the member.
"""
from __future__ import annotations

import math
import tokenize
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["NpzFileError", "NpzArchive", "MemberHeader", "MAX_RATIO", "RATIO_FLOOR"]

MAX_RATIO = 100            # deflate ratio refused above this (float parameters compress ~1.1x; zeros ~1000x)
RATIO_FLOOR = 1 << 20      # ... for members declaring more than this many bytes (1 MiB)
_NPY_MAGIC = b"\x93NUMPY"
_DATA_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)  # a damaged member (CRC, short, ...)
# what a malformed array header raises in numpy's reader (ast, tokenize, dtype parsing, short reads)
_HEADER_ERRORS = (ValueError, SyntaxError, TypeError, tokenize.TokenError, RecursionError)


class NpzFileError(ValueError):
    """A ``.npz`` file that is not an archive of plain arrays, or does not hold what it declares."""


@dataclass(frozen=True)
class MemberHeader:
    """One member's array header: ``shape``, ``dtype``, ``fortran_order`` and its data size."""
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran_order: bool
    nbytes: int


class NpzArchive:
    """The members of the ``.npz`` file ``path``, checked on opening; arrays read on demand.

    Parameters
    ----------
    path : the file.
    max_ratio : largest uncompressed / compressed size of a member above ``RATIO_FLOOR`` bytes.

    Attributes: ``path``, ``headers`` (``{name: MemberHeader}``, names without ``.npy``).
    Use as a context manager, or call ``close``.
    """

    def __init__(self, path: str | Path, max_ratio: float = MAX_RATIO):
        self.path = Path(path)
        self._zip = None
        try:
            size = self.path.stat().st_size
            with open(self.path, "rb") as fh:
                head = fh.read(len(_NPY_MAGIC))
        except OSError as exc:
            raise NpzFileError(f"{self.path}: cannot be read: {exc}") from exc
        if head == _NPY_MAGIC:
            raise NpzFileError(f"{self.path} is a single .npy array, not a .npz archive of named arrays")
        try:
            self._zip = zipfile.ZipFile(self.path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as exc:
            self.close()
            raise NpzFileError(f"{self.path} is not a .npz archive (corrupt or truncated): {exc}") from exc
        try:
            self._infos = self._check_entries(infos, size, max_ratio)
            self.headers = {name: self._header(name, info) for name, info in self._infos.items()}
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> "NpzArchive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def _fail(self, name: str, problem: str) -> NpzFileError:
        return NpzFileError(f"{self.path}: member {name!r}: {problem}")

    def _check_entries(self, infos, size: int, max_ratio: float) -> dict[str, zipfile.ZipInfo]:
        """Names and sizes of the zip entries, before any member is decompressed."""
        out = {}
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise self._fail(info.filename, "is not a .npy array")
            name = info.filename[:-4]
            if name in out:
                raise self._fail(name, "appears twice")
            if info.flag_bits & 0x1:
                raise self._fail(name, "is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self._fail(name, f"uses zip compression method {info.compress_type} (only stored or deflated)")
            if info.compress_size > size:
                raise self._fail(name, f"claims {info.compress_size} compressed bytes; the file has {size}")
            if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
                raise self._fail(name, f"is stored uncompressed but declares {info.file_size} bytes "
                                       f"in {info.compress_size}")
            if info.file_size > RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
                raise self._fail(name, f"declares {info.file_size} bytes compressed into {info.compress_size} "
                                       f"(ratio {info.file_size / max(info.compress_size, 1):.0f} > {max_ratio:g}): "
                                       "refused unread as a decompression bomb")
            out[name] = info
        return out

    def _header(self, name: str, info: zipfile.ZipInfo) -> MemberHeader:
        """The member's array header, checked against its declared size (reads only the header)."""
        try:
            with self._zip.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                else:
                    raise ValueError(f".npy format version {version} is not supported (1.0 or 2.0)")
                header_len = fh.tell()
        except _DATA_ERRORS as exc:
            raise self._fail(name, f"corrupt or truncated: {type(exc).__name__}: {exc}") from exc
        except _HEADER_ERRORS as exc:
            raise self._fail(name, f"malformed .npy header: {type(exc).__name__}: {exc}") from exc
        if any(isinstance(n, bool) or n < 0 for n in shape):
            raise self._fail(name, f"header shape {shape} has a negative or boolean dimension")
        if dtype.hasobject:
            raise self._fail(name, "holds Python objects (pickled data): cannot be loaded safely")
        nbytes = math.prod(shape) * dtype.itemsize
        if info.file_size != header_len + nbytes:
            raise self._fail(name, f"header declares shape {shape} of {dtype} ({nbytes} bytes) but the member "
                                   f"holds {info.file_size - header_len} bytes of data")
        return MemberHeader(tuple(shape), dtype, bool(fortran), nbytes)

    def read(self, name: str) -> np.ndarray:
        """The array ``name`` (a writable copy), decompressing exactly its declared bytes."""
        header, info = self.headers[name], self._infos[name]
        buf = bytearray(header.nbytes)
        try:
            with self._zip.open(info) as fh:
                fh.seek(info.file_size - header.nbytes)
                view, filled = memoryview(buf), 0
                while filled < header.nbytes:
                    n = fh.readinto(view[filled:])
                    if not n:
                        raise EOFError(f"data ends after {filled} of {header.nbytes} bytes")
                    filled += n
                fh.read(1)  # at the member's end: makes zipfile check the CRC
        except (*_DATA_ERRORS, ValueError) as exc:
            raise self._fail(name, f"corrupt or truncated data: {type(exc).__name__}: {exc}") from exc
        order = "F" if header.fortran_order else "C"
        return np.frombuffer(buf, dtype=header.dtype).reshape(header.shape, order=order)

    def read_all(self) -> dict[str, np.ndarray]:
        """Every member as ``{name: array}``."""
        return {name: self.read(name) for name in self.headers}
