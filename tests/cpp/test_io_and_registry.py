"""The C++ implementation in the harness: its model file (loads in fcann2 and pt_deep, and
theirs in it), the registry, ``impl = "cpp"`` in configs and a sweep, and the machine without
a compiler (the library missing): everything else works and ``cpp`` is refused naming ``impl``."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import fcann2
import fcann2.cpp
import pt_deep
from data_utils import init_params
from experiments.config import parse_config
from experiments.implementations import ordered

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation, loss", [("relu", "cross_entropy"), ("leaky_relu", "mse")])
def test_a_model_moves_between_all_three(tmp_path, rng, dtype, activation, loss):
    params = init_params([4, 6, 5, 3], "he_normal", rng, dtype=dtype)
    X = rng.standard_normal((50, 4)).astype(dtype)
    writers = {"cpp": (fcann2.cpp.CppMLP, fcann2.cpp.save_model), "numpy": (fcann2.MLP, fcann2.save_model),
               "torch": (pt_deep.PTDeep.from_params, pt_deep.save_npz)}
    readers = {"cpp": fcann2.cpp.load_model, "numpy": fcann2.load_model, "torch": pt_deep.load_npz}
    tol = 1e-15 if dtype == np.float64 else 1e-6
    for name, (build, save) in writers.items():
        model = build(params, activation, loss, 0.1)
        path = save(model, tmp_path / f"{name}.npz")
        expected = model.output(X)
        for reader_name, read in readers.items():
            loaded = read(path)
            assert loaded.sizes == [4, 6, 5, 3] and loaded.negative_slope == pytest.approx(0.1), reader_name
            for (W, b), (W0, b0) in zip(loaded.to_params(), params):
                assert W.dtype == dtype and np.array_equal(W, W0) and np.array_equal(b, b0), (name, reader_name)
            np.testing.assert_allclose(loaded.output(X), expected, rtol=tol, atol=tol, err_msg=f"{name} -> {reader_name}")
    assert json.loads(np.load(tmp_path / "cpp.npz")["metadata"].tobytes())["library"] == "fcann2.cpp"


def test_the_registry_and_the_config_know_cpp():
    from experiments.implementations.registry import IMPLS, get_impl
    assert get_impl("cpp") is IMPLS["cpp"] and get_impl("cpp").model is fcann2.cpp.CppMLP
    assert ordered(["a.b:C", "cpp", "torch", "numpy"]) == ["numpy", "torch", "cpp", "a.b:C"]
    assert parse_config({"impl": "cpp"}).impl == "cpp"
    cfg = parse_config({"sweep": {"impl": ["numpy", "torch", "cpp"]}})
    assert sorted({point.impl for _, point in cfg.grid_points()}) == ["cpp", "numpy", "torch"]


def test_a_sweep_with_cpp_runs_stores_and_reloads(tmp_path):
    config = tmp_path / "three.toml"
    config.write_text('name = "three"\n[data]\ndataset = "gauss"\nparams = { C = 2, N = 20 }\n'
                      '[model]\nhidden = [4]\n[train]\nlr = 0.1\nbatch_size = 1\nepochs = 3\n'
                      '[output]\nplot_resolution = 20\nreload_check = true\n'
                      '[sweep]\nseed = [0, 1]\nimpl = ["numpy", "torch", "cpp"]\n')
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "experiments", "run", str(config), "--out", str(out), "--jobs", "1",
                           "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in (out / "cells.jsonl").read_text().splitlines()]
    cpp = [r for r in records if r["impl"] == "cpp"]
    numpy = [r for r in records if r["impl"] == "numpy"]
    assert len(cpp) == 2 and all(r["status"] == "ok" for r in cpp)
    for r in cpp:
        assert r["reload"]["cpp"]["max_output_diff"] == 0.0 and r["reload"]["numpy"]["max_output_diff"] < 1e-14
        assert r["reload"]["torch"]["max_output_diff"] < 1e-14
    assert sorted(r["metrics"]["test"]["accuracy"] for r in cpp) == sorted(r["metrics"]["test"]["accuracy"] for r in numpy)
    again = subprocess.run([sys.executable, "-m", "experiments", "report", str(out)], capture_output=True, text=True,
                           cwd=ROOT, timeout=600)
    assert again.returncode == 0, again.stderr


def _without_library(*args):
    env = {**os.environ, "FCANN2_CPP_LIBRARY": "/nonexistent/_fcann2_cpp.so", "PYTHONPATH": ROOT}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)


@pytest.mark.without_library
def test_without_the_library_cpp_is_refused_and_the_rest_works(tmp_path):
    done = _without_library("-m", "experiments", "run", "--set", 'impl="cpp"', "--out", str(tmp_path / "a"))
    assert done.returncode == 2 and "impl" in done.stderr and "not built" in done.stderr, done.stderr
    assert not (tmp_path / "a").exists()
    done = _without_library("-m", "experiments", "run", "--set", 'sweep.impl=["numpy", "cpp"]', "--out",
                            str(tmp_path / "b"))
    assert done.returncode == 2 and "impl" in done.stderr, done.stderr
    done = _without_library("-m", "experiments", "parity", "--impl", "cpp", "--out", str(tmp_path / "c"))
    assert done.returncode == 2 and "--impl cpp" in done.stderr and "not built" in done.stderr, done.stderr
    done = _without_library("-c", "import fcann2.cpp as c, numpy as np\n"
                                  "from experiments.implementations.registry import IMPLS, get_impl\n"
                                  "assert not c.available() and 'cpp' not in IMPLS\n"
                                  "try:\n    get_impl('cpp')\nexcept ValueError as e:\n    print(e)\n"
                                  "try:\n    c.CppMLP([(np.ones((2, 2)), np.ones(2))])\nexcept ImportError as e:\n    print(e)\n")
    assert done.returncode == 0 and done.stdout.count("not built") == 2, done.stdout + done.stderr
