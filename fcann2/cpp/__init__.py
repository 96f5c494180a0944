"""fcann2.cpp: the network of the shared contract written from scratch in C++ (``src/``),
trained by the shared loop through a ctypes binding - the third implementation (``cpp``).

The C++ sources are compiled at install time into ``_fcann2_cpp`` (an optional setuptools
extension, ``setup.py``: a plain C ABI, no Python headers used); on a machine without a C++
compiler the project installs without it and ``available()`` is False, with the reason in
``unavailable_reason()``. Names are imported on first use: ``available()`` loads only ctypes.
"""
from data_utils._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "._lib": ("available", "unavailable_reason", "CppUnavailableError"),
    ".model": ("CppMLP",),
    ".stepper": ("CppStepper",),
    ".trainer": ("train", "iter_train"),
    ".io": ("save_model", "load_model"),
})
