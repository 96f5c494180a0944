"""Implementations as a registry used everywhere: a run with a third implementation (a
plug-in beside numpy and torch) shows it in every table and figure, compared with the
reference; the reload check reads models into every implementation that loads model files."""
import shutil
from pathlib import Path

import pandas as pd
import pytest

from experiments.cli import main
from experiments.implementations import BUILTIN, REFERENCE, candidates, ordered, suffix
from experiments.report.compare import compare_runs

EXAMPLE = Path(__file__).parents[2] / "examples" / "my_mlp.py"
PLUGIN = "three_mlp:MyMLP"
THREE = f"""
name = "three"
[data]
dataset = "gauss"
params = {{ C = 2, N = 20 }}
standardize = true
[model]
hidden = [3]
[train]
lr = 0.1
batch_size = 8
epochs = 3
[output]
plot_resolution = 20
reload_check = true
[sweep]
train.lr = [0.1, 0.5]
impl = ["numpy", "torch", "{PLUGIN}"]
"""


@pytest.fixture(scope="module")
def three_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("three")
    shutil.copy(EXAMPLE, root / "three_mlp.py")
    (root / "three.toml").write_text(THREE)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)  # plug-ins are imported from the working directory
        assert main(["run", "three.toml", "--out", "run", "--quiet", "--jobs", "1"]) == 0
    return root / "run"


def test_order_and_names():
    assert ordered(["b:C", "torch", "a:B", "numpy", "torch"]) == ["numpy", "torch", "a:B", "b:C"]
    assert candidates(["torch", PLUGIN, "numpy"]) == ["numpy", PLUGIN]
    assert REFERENCE in BUILTIN and suffix("numpy") == "" and suffix(PLUGIN) == f" {PLUGIN}"


def test_three_implementations_are_three_columns_each_checked_against_the_reference(three_run):
    compact = (three_run / "tables" / "summary.txt").read_text()
    for column in ("test acc numpy", "test acc torch", f"test acc {PLUGIN}", "agreement", f"agreement {PLUGIN}"):
        assert column in compact, column
    wide = (three_run / "tables" / "summary_wide.txt").read_text()
    assert "torch/numpy time" in wide and f"torch/{PLUGIN} time" in wide and f"runs {PLUGIN}" in wide
    summary = pd.read_csv(three_run / "tables" / "summary.csv")
    for column in ("test_acc_diff", "speedup", "parity", f"test_acc_diff {PLUGIN}", f"final_loss_diff {PLUGIN}",
                   f"speedup {PLUGIN}", f"parity {PLUGIN}", f"test_acc_mean_{PLUGIN}"):
        assert column in summary, column
    assert (summary["parity"] == "agree").all() and (summary[f"parity {PLUGIN}"] == "agree").all()
    assert summary.columns.get_loc("test_acc_mean_torch") < summary.columns.get_loc(f"test_acc_mean_{PLUGIN}")


def test_the_plugin_is_in_the_figures_and_the_reload_check(three_run):
    md = (three_run / "report.md").read_text()
    assert f"{PLUGIN} dotted" in md  # the loss curves tell the three apart
    reload = pd.read_csv(three_run / "tables" / "reload.csv")
    assert PLUGIN in set(reload["trained by"])
    assert {"reloaded into numpy", "reloaded into torch"} <= set(reload.columns)
    assert not any(PLUGIN in c for c in reload.columns)  # a plug-in does not load model files


def test_compare_has_a_difference_per_implementation(three_run, tmp_path):
    other = tmp_path / "again"
    shutil.copytree(three_run, other)
    table = compare_runs([three_run, other])
    deltas = [c for c in table.columns if c.startswith("Δ")]
    assert len(deltas) == 3 and deltas[-1].endswith(PLUGIN)
