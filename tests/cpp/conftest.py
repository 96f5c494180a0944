"""tests/cpp need the compiled C++ library; without it (no compiler at install) they skip
with the reason, except the ones marked ``without_library`` (the no-compiler path)."""
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_configure(config):
    config.addinivalue_line("markers", "without_library: runs whether or not the C++ library is built")


def pytest_collection_modifyitems(config, items):
    from fcann2.cpp import available, unavailable_reason
    if available():
        return
    skip = pytest.mark.skip(reason=f"the C++ implementation is not built: {unavailable_reason()}")
    for item in items:
        if HERE in Path(str(item.fspath)).parents and "without_library" not in item.keywords:
            item.add_marker(skip)
