"""Every system the harness grows from runs as a shipped config, end to end at reduced size
(MNIST ones on small IDX files written here, through ``data.params.folder``)."""
import json

import numpy as np
import pandas as pd
import pytest

from data_utils import write_idx
from experiments.config.catalog import shipped_configs
from experiments.cli import main

SHIPPED = {"course_fcann2", "fer_pt_deep", "layers_sigmoid", "mnist_250x250", "lines_3x3", "regression_mse",
           "fer_mnist_shootout", "playground"}
# each config cut to seconds: fewer steps, one grid axis less where it has several
REDUCED = {
    "course_fcann2": ["train.n_iter=30", "sweep.model.hidden=[5]"],
    "fer_pt_deep": ["train.n_iter=30", "sweep.model.activation=['relu']", "sweep.model.hidden=[[], [10]]"],
    "layers_sigmoid": ["train.epochs=2", "sweep.model.hidden=[[10]]"],
    "lines_3x3": ["train.n_iter=120", "sweep.seed=[0]"],
    "regression_mse": ["train.n_iter=20", "sweep.model.hidden=[[8]]"],
    "playground": ["train.epochs=2"],
    "mnist_250x250": ["train.epochs=1", "model.hidden=[8, 8]"],
    "fer_mnist_shootout": ["train.epochs=1"],
}


def _write_mnist(folder, n_train=150, n_test=20):  # batch_size 100 (and 0.8 of it, early stopping) fits
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
    summary = (out / "tables" / "summary.txt").read_text()
    CHECKS.get(name, lambda *_: None)(out, records, summary)


def _lines(out, records, summary):
    cells = pd.read_csv(out / "tables" / "cells.csv")
    assert cells["first_max_train"].between(1, 120).all()
    assert (out / "plots" / "animation.gif").exists()
    assert (out / "plots" / "weights.png").exists()  # [9, 6, 2]: 6 first-layer units as 3x3 images, then W2


def _mnist(out, records, summary):
    """Each saved model reloads into both implementations with the trained model's test accuracy."""
    from experiments.implementations.registry import loaders
    n = 2 * len(loaders())   # each of the point's two cells into every implementation that loads a model file
    assert "reloaded" in summary and f"{n}/{n} same" in summary
    for rec in records:
        reload = rec["reload"]
        assert set(reload) >= {"numpy", "torch"}   # and cpp when built
        for impl, entry in reload.items():
            assert entry["test"]["accuracy"] == rec["metrics"]["test"]["accuracy"]
            # the same implementation reproduces its outputs exactly; the other one to float32 rounding
            assert entry["max_output_diff"] == 0.0 if impl == rec["impl"] else entry["max_output_diff"] < 1e-5
    reload_table = pd.read_csv(out / "tables" / "reload.csv")
    assert len(reload_table) == len(records) and set(reload_table["trained by"]) == {"numpy", "torch"}
    assert "Saved weights reloaded" in (out / "report.html").read_text()


def _shootout(out, records, summary):
    assert "untrained test loss" in summary and "7,850" in summary  # [784, 10]: 784 * 10 + 10 parameters
    for pair in {r["pair"] for r in records}:
        a, b = (r["initial_test_loss"] for r in records if r["pair"] == pair)
        assert np.isfinite(a) and abs(a - b) < 1e-5  # the same initial parameters on both sides
    for plot in ("weights.png", "hardest_examples.png"):
        assert (out / "plots" / plot).exists()
    by_variant = {r["keys"]["variant"]: r for r in records if r["impl"] == "numpy"}
    assert by_variant["784-10 lambda=0.1"]["spec"]["train"]["weight_decay"] == 0.1
    assert by_variant["784-100-10 adam exp decay"]["spec"]["train"]["lr_schedule"] == "exponential"


def _fer_pt_deep(out, records, summary):
    for header in ("test precision (macro)", "test recall (macro)", "test AP (macro)", "parameters"):
        assert header in summary
    cells = pd.read_csv(out / "tables" / "cells.csv")
    logreg = cells[(cells["variant"] == "gmm_4_3_40") & (cells["model.hidden"] == "none")]
    assert (logreg["n_params"] == 2 * 3 + 3).all()  # [2, 3]: the lab's logistic regression on 3 classes
    assert cells["test_ap_macro"].between(0, 1).all() and cells["test_precision_macro"].between(0, 1).all()


def _regression(out, records, summary):
    assert "test R²" in summary
    diabetes = [r for r in records if r["keys"]["variant"] == "diabetes"]
    assert all(r["spec"]["data"]["standardize_target"] for r in diabetes)


CHECKS = {"lines_3x3": _lines, "mnist_250x250": _mnist, "fer_mnist_shootout": _shootout, "fer_pt_deep": _fer_pt_deep,
          "regression_mse": _regression}


@pytest.mark.parametrize("name", ["mnist_250x250", "fer_mnist_shootout"])
def test_mnist_configs_refuse_missing_folder(name, tmp_path, capsys):
    code = main(["run", name, "--out", str(tmp_path / "run"), "--set", f"data.params.folder='{tmp_path / 'none'}'"])
    assert code != 0
    assert "folder" in capsys.readouterr().err
    assert not (tmp_path / "run" / "cells.jsonl").exists()
