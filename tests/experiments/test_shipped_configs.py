"""Every system the harness grows from runs as a shipped config, end to end at reduced size
(MNIST ones on small IDX files written here, through ``data.params.folder``)."""
import json

import numpy as np
import pandas as pd
import pytest

from data_utils import write_idx
from experiments.catalog import shipped_configs
from experiments.cli import main

SHIPPED = {"course_fcann2", "fer_pt_deep", "layers_sigmoid", "mnist_250x250", "lines_3x3", "regression_mse",
           "fer_mnist_shootout", "playground"}
# each config cut to seconds: fewer steps, one grid axis less where it has several
REDUCED = {
    "course_fcann2": ["train.n_iter=30", "sweep.model.hidden=[5]"],
    "fer_pt_deep": ["train.n_iter=30", "sweep.model.activation=['relu']"],
    "layers_sigmoid": ["train.epochs=2", "sweep.model.hidden=[[10]]"],
    "lines_3x3": ["train.n_iter=120", "sweep.seed=[0]"],
    "regression_mse": ["train.n_iter=20", "sweep.model.hidden=[[8]]"],
    "playground": ["train.epochs=2"],
    "mnist_250x250": ["train.epochs=1", "model.hidden=[16, 16]"],
    "fer_mnist_shootout": ["train.epochs=2", "sweep.model.hidden=[[], [8]]"],
}


def _write_mnist(folder, n_train=60, n_test=20):
    rng = np.random.default_rng(0)
    folder.mkdir()
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", np.arange(n, dtype=np.uint8) % 10)


def test_all_shipped(capsys):
    assert SHIPPED <= {name for name, _ in shipped_configs()}
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in SHIPPED)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_config_runs(name, tmp_path):
    sets = list(REDUCED[name])
    if name in ("mnist_250x250", "fer_mnist_shootout"):
        _write_mnist(tmp_path / "mnist")
        sets.append(f"data.params.folder='{tmp_path / 'mnist'}'")
    out = tmp_path / "run"
    args = ["run", name, "--out", str(out), "--quiet", "--jobs", "1"]
    for s in sets:
        args += ["--set", s]
    assert main(args) == 0
    records = [json.loads(line) for line in (out / "cells.jsonl").read_text().splitlines() if line.strip()]
    records = [r for r in records if "impl" in r]
    assert {r["impl"] for r in records} == {"numpy", "torch"}
    assert all(r["status"] == "ok" for r in records), [r.get("error") for r in records]
    assert (out / "report.html").exists() and (out / "tables" / "summary.csv").exists()
    if name == "lines_3x3":
        cells = pd.read_csv(out / "tables" / "cells.csv")
        assert cells["first_max_train"].between(1, 120).all()
        assert (out / "plots" / "animation.gif").exists()


@pytest.mark.parametrize("name", ["mnist_250x250", "fer_mnist_shootout"])
def test_mnist_configs_refuse_missing_folder(name, tmp_path, capsys):
    code = main(["run", name, "--out", str(tmp_path / "run"), "--set", f"data.params.folder='{tmp_path / 'none'}'"])
    assert code != 0
    assert "folder" in capsys.readouterr().err
    assert not (tmp_path / "run" / "cells.jsonl").exists()
