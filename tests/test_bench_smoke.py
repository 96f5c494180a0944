"""The benchmark cases still run against the current APIs (tiny sizes; no timing asserted)."""
import math

import pytest

from bench import cases


@pytest.mark.parametrize("impl", ["numpy", "torch", "cpp"])
def test_training_case_runs(impl):
    if impl == "cpp":
        from fcann2.cpp import available, unavailable_reason
        if not available():
            pytest.skip(unavailable_reason())
    seconds = cases.train_seconds_per_step(impl, [2, 5, 2], n=20, batch_size=1, steps=10)
    assert math.isfinite(seconds) and seconds > 0


def test_floor_and_sklearn_cases_run():
    assert cases.numpy_floor_per_step(5, n=20, steps=10) > 0
    assert cases.sklearn_seconds_per_step(5, n=20, epochs=1) > 0


def test_general_stacked_and_startup_cases_run():
    assert cases.general_seconds_per_step([2, 5, 2], n=20, steps=10) > 0
    for impl in ("numpy", "torch"):
        assert cases.stacked_seconds_per_model_step(impl, 3, steps=10, n=20) > 0
    assert cases.cli_startup_seconds() > 0
