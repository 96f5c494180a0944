"""Crafted model files: every one is refused with ``ModelFileError`` naming the file and the
member or key - before anything larger than the file's headers is allocated."""
import io
import json
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
import torch

import fcann2
import pt_deep
from data_utils import ModelFileError, init_params, load_params_npz, save_params_npz
from data_utils.training.npz_reader import NpzArchive, NpzFileError

META = {"format_version": 1, "sizes": [2, 3, 2], "activation": "leaky_relu", "loss": "cross_entropy",
        "dtype": "float64", "negative_slope": 0.01}
LOADERS = [load_params_npz, fcann2.load_model, pt_deep.load_npz]


def _npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _npy_header(header: str, data: bytes = b"") -> bytes:
    raw = header.encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(raw)) + raw + data


def _meta_member(meta) -> bytes:
    return _npy(np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))


def _members(meta=META, **overrides) -> dict[str, bytes]:
    members = {"metadata.npy": _meta_member(meta)}
    for k, (W, b) in enumerate(init_params(meta["sizes"] if isinstance(meta, dict) else [2, 3, 2], rng=0)):
        members[f"W{k}.npy"], members[f"b{k}.npy"] = _npy(W), _npy(b)
    return {**members, **overrides}


def _zip(path, members: dict[str, bytes], compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _refused(path, *words):
    for load in LOADERS:
        with pytest.raises(ModelFileError) as info:
            load(path)
        message = str(info.value)
        assert str(path) in message and all(w in message for w in words), message


def test_a_well_formed_crafted_file_loads(tmp_path):
    """The helpers write a valid file: what the other tests change is what is refused."""
    params, meta = load_params_npz(_zip(tmp_path / "ok.npz", _members()))
    assert meta == META and params[0][0].shape == (3, 2) and params[0][0].flags.writeable
    assert fcann2.load_model(tmp_path / "ok.npz").negative_slope == 0.01


def test_a_renamed_npy_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    np.save(tmp_path / "m.npy", np.ones(3))
    path.write_bytes((tmp_path / "m.npy").read_bytes())
    _refused(path, "single .npy array")


@pytest.mark.parametrize("meta", [3, "text", [1, 2], None, True])
def test_metadata_that_is_not_a_json_object_is_refused(tmp_path, meta):
    _refused(_zip(tmp_path / "m.npz", _members(meta)), "metadata", "not a JSON object")


@pytest.mark.parametrize("key, value, words", [
    ("negative_slope", float("nan"), "negative_slope"), ("negative_slope", float("inf"), "negative_slope"),
    ("negative_slope", -1.0, "negative_slope"), ("negative_slope", "0.1", "negative_slope"),
    ("sizes", [2, True, 2], "sizes"), ("format_version", True, "format_version"),
    ("activation", ["relu"], "activation"), ("loss", {"a": 1}, "loss"),
])
def test_out_of_range_or_ill_typed_metadata_is_refused(tmp_path, key, value, words):
    path = tmp_path / "m.npz"
    save_params_npz(path, init_params([2, 3, 2], rng=0), {**META, key: value})
    _refused(path, words)


def test_a_state_file_with_a_nan_slope_or_non_dict_metadata_is_refused(tmp_path):
    good = pt_deep.save_state(pt_deep.PTDeep([2, 3, 2], "leaky_relu"), tmp_path / "good.pt")
    blob = torch.load(good, weights_only=True)
    for meta, words in (({**blob["meta"], "negative_slope": float("nan")}, "negative_slope"), (7, "JSON object")):
        torch.save({**blob, "meta": meta}, tmp_path / "bad.pt")
        with pytest.raises(ModelFileError, match=words):
            pt_deep.load_state(tmp_path / "bad.pt")


@pytest.mark.parametrize("header", [
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3,",   # unterminated: TokenError in numpy
    "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }\\",
    "[1, 2, 3]",                                               # not a dict
    "{'descr': 5, 'fortran_order': False, 'shape': (3, 2), }",  # TypeError in numpy's dtype parsing
    "{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 2), }",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (" + "(" * 500 + ")" * 500 + "), }",
])
def test_a_malformed_npy_header_is_refused(tmp_path, header):
    path = _zip(tmp_path / "m.npz", _members(**{"W0.npy": _npy_header(header, b"\0" * 48)}))
    _refused(path, "'W0'")


def test_a_small_file_declaring_a_huge_array_is_refused_before_allocating(tmp_path):
    huge = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
    meta = {**META, "sizes": [1_000_000, 1_000_000]}
    path = _zip(tmp_path / "m.npz", {"metadata.npy": _meta_member(meta),
                                     "W0.npy": _npy_header(huge, b"\0" * 800),
                                     "b0.npy": _npy_header(huge.replace(", 1000000)", ",)"))})
    assert path.stat().st_size < 10_000
    tracemalloc.start()
    try:
        _refused(path, "'W0'", "(1000000, 1000000)", "8000000000000 bytes")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


def _patch_declared_size(data: bytes, size: int) -> bytes:
    """Set every zip header's uncompressed size to ``size`` (one member)."""
    data = bytearray(data)
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, size)
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def test_a_zip_bomb_member_is_refused_unread(tmp_path):
    """3 GB of zeros declared (header shape and zip sizes agree) in a ~70 KB member: refused
    from the zip directory, before one byte is decompressed; a real 64 MB zeros member too."""
    n = 375_000_000  # float64: 3 GB
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({n},), }}"
    member = _npy_header(header, bytes(64 << 20))  # 64 MB of real zeros, compressed to ~64 KB
    real = _zip(tmp_path / "real.npz", {"W0.npy": member}, zipfile.ZIP_DEFLATED)
    path = tmp_path / "bomb.npz"
    path.write_bytes(_patch_declared_size(real.read_bytes(), len(member) - (64 << 20) + 8 * n))
    assert zipfile.ZipFile(path).infolist()[0].file_size > 3_000_000_000
    honest = {"W0.npy": _npy_header(header.replace(str(n), str(8 << 20)), bytes(64 << 20))}
    for bomb in (path, _zip(tmp_path / "honest.npz", honest, zipfile.ZIP_DEFLATED)):
        tracemalloc.start()
        try:
            with pytest.raises(NpzFileError, match="'W0'.*decompression bomb"):
                NpzArchive(bomb)
            _refused(bomb, "'W0'", "decompression bomb")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 5_000_000


def test_a_member_shorter_than_its_header_or_a_truncated_file_is_refused(tmp_path):
    short = _members(**{"W0.npy": _npy(np.ones((3, 2)))[:-8]})
    _refused(_zip(tmp_path / "short.npz", short), "'W0'", "holds 40 bytes")
    whole = _zip(tmp_path / "whole.npz", _members()).read_bytes()
    for cut in (len(whole) // 2, len(whole) - 30):
        (tmp_path / "cut.npz").write_bytes(whole[:cut])
        _refused(tmp_path / "cut.npz", "corrupt or truncated")


def test_a_corrupt_member_fails_its_crc(tmp_path):
    data = bytearray(_zip(tmp_path / "m.npz", _members()).read_bytes())
    at = data.find(_npy(init_params([2, 3, 2], rng=0)[0][0])[-16:])
    data[at] ^= 0xFF
    (tmp_path / "m.npz").write_bytes(bytes(data))
    _refused(tmp_path / "m.npz", "'W0'", "corrupt or truncated")


def test_a_foreign_member_or_a_huge_metadata_block_is_refused(tmp_path):
    _refused(_zip(tmp_path / "a.npz", _members(**{"evil.py": b"print(1)"})), "'evil.py'", "not a .npy array")
    big = _members(**{"metadata.npy": _npy(np.zeros(1 << 20, dtype=np.uint8))})
    _refused(_zip(tmp_path / "b.npz", big), "'metadata'", "at most")
