"""Finding and loading the compiled C++ library (``_fcann2_cpp``) with ctypes.

The library is the extension module setuptools builds from ``src/api.cpp`` next to this file
(an editable install or ``python setup.py build_ext --inplace`` puts it here). The
environment variable ``FCANN2_CPP_LIBRARY`` names another build of it instead (a path; a
missing file makes ``cpp`` unavailable, which is also how the tests simulate a machine
without a compiler). Only ctypes is imported here, so checking ``available()`` is cheap.
"""
from __future__ import annotations

import ctypes
import importlib.machinery
import os
from pathlib import Path

__all__ = ["available", "unavailable_reason", "library", "CppUnavailableError", "ABI_VERSION", "ENV_VAR"]

ABI_VERSION = 1
ENV_VAR = "FCANN2_CPP_LIBRARY"
_STEM = "_fcann2_cpp"
_HINT = ("build it with the README's setup (`make setup`, or `pip install -e .`), which needs a C++17 "
         "compiler (g++ or clang++)")


class CppUnavailableError(ImportError):
    """The C++ library is not built (no compiler at install time) or cannot be loaded."""


_cache: dict[str, object] = {}


def _candidates() -> list[Path]:
    if os.environ.get(ENV_VAR):
        return [Path(os.environ[ENV_VAR])]
    here = Path(__file__).parent
    return [here / f"{_STEM}{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES]


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    """Argument and result types of every exported function (see ``src/api.cpp``)."""
    p, i64, f64, i32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double, ctypes.c_int
    signatures = {
        "fc_abi_version": (i32, []),
        "fc_net_new": (p, [i32, i32, p, i32, f64, i32, p, p]),
        "fc_net_free": (None, [p]),
        "fc_rule_new": (p, [i32, i64, i32, f64, i32, f64, f64, f64, f64, f64]),
        "fc_rule_free": (None, [p]),
        "fc_loss_grad": (f64, [p, p, p, i64, p, f64]),
        "fc_step": (None, [p, p, f64]),
        "fc_run_samples": (i64, [p, p, p, p, p, i64, f64, p]),
        "fc_forward": (f64, [p, p, i64, p, p, i32]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def _load():
    tried = []
    for path in _candidates():
        if not path.is_file():
            tried.append(str(path))
            continue
        try:
            lib = _declare(ctypes.CDLL(str(path)))
        except (OSError, AttributeError) as exc:
            return None, f"the C++ library {path} cannot be loaded ({exc}); {_HINT}"
        if lib.fc_abi_version() != ABI_VERSION:
            return None, (f"the C++ library {path} is a stale build (ABI {lib.fc_abi_version()}, this code "
                          f"needs {ABI_VERSION}); {_HINT}")
        return lib, None
    where = tried[0] if len(tried) == 1 else f"{Path(tried[0]).parent}/{_STEM}.*"
    return None, f"the C++ library is not built (no {where}); {_HINT}"


def _state():
    if "state" not in _cache:
        _cache["state"] = _load()
    return _cache["state"]


def available() -> bool:
    """True when the compiled library loads."""
    return _state()[0] is not None


def unavailable_reason() -> str | None:
    """Why ``cpp`` cannot run (``None`` when it can)."""
    return _state()[1]


def library() -> ctypes.CDLL:
    """The loaded library; ``CppUnavailableError`` with the reason when there is none."""
    lib, reason = _state()
    if lib is None:
        raise CppUnavailableError(f"impl 'cpp': {reason}")
    return lib
