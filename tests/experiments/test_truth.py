"""Issue 23: what a user sees tells the truth - the per-cell diagnosis, the terminal fitted to
its width, the engine warning said once, variants that clash with the sweep, the reference
models' budget and subsample, and one rule for the best and worst cell."""
import logging

import numpy as np
import pandas as pd
import pytest

from experiments.config import ConfigError, parse_config
from experiments.config.baselines import MAX_TRAIN, estimate_seconds, max_train, reference_id
from experiments.report.ranking import best_cell, worst_cell
from experiments.report.summary import _status_text, table_text
from experiments.training.baselines import subsample
from experiments.training.diagnosis import diagnose

X = np.random.default_rng(0).normal(size=(50, 2))


def _params(W1, b1, n_out=3):
    W1, b1 = np.asarray(W1, float), np.asarray(b1, float)
    return [(W1, b1), (np.ones((n_out, len(W1))), np.zeros(n_out))]


def test_dead_relu_units_and_one_class_are_a_collapse():
    dead = _params(np.zeros((4, 2)), -np.ones(4))  # pre-activation -1 everywhere: every unit dead
    one_class = np.tile([0.2, 0.5, 0.3], (10, 1))
    d = diagnose(dead, "relu", X, one_class, np.arange(10) % 3, True, 1.10, 1.09)
    assert d["dead_units"] == [4] and d["constant"] and d["no_learning"] and d["collapsed"]
    assert d["text"] == "collapsed: 4/4 dead, one class, no learning"


def test_a_healthy_model_has_no_diagnosis_text():
    alive = _params(np.eye(2)[[0, 1, 0, 1]] * [[1], [1], [-1], [-1]], np.zeros(4))  # x, y, -x, -y: each live
    varied = np.eye(3)[np.arange(10) % 3]
    d = diagnose(alive, "relu", X, varied, np.arange(10) % 3, True, 1.1, 0.3)
    assert d["dead_units"] == [0] and not d["constant"] and not d["no_learning"] and d["text"] == ""
    # one dead unit of four in a model that learned: common, not shown
    partly = _params([[1, 0], [0, 1], [-1, 0], [0, 0]], [0, 0, 0, -1])
    assert diagnose(partly, "relu", X, varied, np.arange(10) % 3, True, 1.1, 0.3)["text"] == ""
    # sigmoid units do not die
    assert diagnose(partly, "sigmoid", X, varied, np.arange(10) % 3, True, 1.1, 0.3)["dead_units"] is None


def test_regression_constant_output_and_no_learning():
    params = _params(np.ones((2, 2)), np.zeros(2), n_out=1)
    flat = np.full((20, 1), 0.5) + 1e-6 * np.arange(20)[:, None]
    y = np.linspace(-1, 1, 20)
    d = diagnose(params, "tanh", X, flat, y, False, 1.0, 0.99)
    assert d["constant"] and d["no_learning"] and d["text"] == "collapsed: constant output, no learning"
    fitted = diagnose(params, "tanh", X, y[:, None], y, False, 1.0, 0.1)
    assert not fitted["collapsed"] and fitted["loss_ratio"] == pytest.approx(0.1)


def test_status_names_the_collapse_and_how_many_cells():
    cells = pd.DataFrame({"status": ["ok"] * 4, "diverged_at": [None] * 4,
                          "collapse": ["collapsed: 2/2 dead, one class", "", "collapsed: 2/2 dead, one class", ""]})
    assert _status_text(cells) == "2/4 collapsed: 2/2 dead, one class"
    assert _status_text(cells.assign(collapse="collapsed: 2/2 dead, one class")) == "collapsed: 2/2 dead, one class"
    assert _status_text(cells.assign(collapse="")) == "ok"


def test_a_trained_cell_records_its_diagnosis():
    from experiments.training.cell import train_cell
    cfg = parse_config({"data": {"dataset": "gauss", "params": {"C": 3, "N": 20}, "standardize": True},
                        "model": {"hidden": [4]}, "train": {"lr": 0.1, "batch_size": 8, "epochs": 2}, "sweep": {}})
    rec = train_cell(cfg)
    assert rec["status"] == "ok" and rec["diagnosis"]["hidden_units"] == [4]
    assert set(rec["diagnosis"]) >= {"dead_units", "constant", "no_learning", "collapsed", "text", "loss_ratio"}


def test_table_text_fits_the_width_and_folds_constant_columns():
    table = pd.DataFrame({"hidden": ["2", "5", "20"], "lr": ["0.1"] * 3,
                          **{f"metric {k}": ["0.1234 ± 0.0100"] * 2 + ["0.5"] for k in range(6)},
                          "status": ["ok"] * 3})
    for width in (60, 80, 120):
        text = table_text(table, n_keys=2, width=width)
        assert all(len(line) <= width for line in text.splitlines()), width
        assert text.splitlines()[-1] == "status: ok at every grid point"
    assert len(table_text(table, 2, 60).split("\n\n")) > len(table_text(table, 2, 200).split("\n\n"))


def test_the_cli_prints_at_the_terminal_width(monkeypatch):
    from experiments.cli import _tables_text, terminal_width
    monkeypatch.setenv("COLUMNS", "72")
    assert terminal_width() == 72
    monkeypatch.setenv("COLUMNS", "20")
    assert terminal_width() == 60  # never narrower than a table's keys need
    wide = pd.DataFrame({"hidden": ["2", "5"], **{f"column number {k}": ["0.1234", "0.5"] for k in range(12)}})
    text = _tables_text({"wide": wide, "compact": wide.iloc[:, :3], "n_keys": 1}, wide=True, width=72)
    assert max(map(len, text.splitlines())) <= 72 and "column number 11" in text


def test_the_engine_note_is_one_warning_without_cell_ids(caplog):
    from experiments.runner import _say_engine_notes
    ids = [f"cell{k:04d}" for k in range(8)]
    with caplog.at_level(logging.INFO, logger="experiments.runner"):
        _say_engine_notes({"ran per cell: it records the animation": ids[:1],
                           "ran per cell: the stacked engine covers float64": ids[1:]}, stacked=True)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "--engine cells" in warnings[0].getMessage()
    assert not any(i in warnings[0].getMessage() for i in ids)
    assert all(i in caplog.text for i in ids)  # the details are in the log (-v)
    caplog.clear()
    _say_engine_notes({"ran per cell: the stacked engine covers float64": ids}, stacked=False)
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]  # nothing mixed: nothing to do


def test_a_variant_key_that_is_also_swept_is_refused():
    raw = {"variants": [{"label": "adam", "train": {"optimizer": "adam", "lr": 0.01}}],
           "sweep": {"train.lr": [0.1, 0.3], "impl": ["numpy"]}}
    with pytest.raises(ConfigError, match=r"variants\[0\].train.lr: also swept \(sweep.train.lr"):
        parse_config(raw)
    raw["sweep"] = {"impl": ["numpy"]}
    assert len(list(parse_config(raw).grid_points())) == 1


def test_the_readme_variants_example_runs_what_it_says():
    import re
    import tomllib
    from pathlib import Path
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = re.search(r"### Config format\n\n```toml\n(.*?)```", readme, re.S).group(1)
    raw = tomllib.loads(block)
    raw["data"]["params"] = {"C": 3, "N": 20}
    cfg = parse_config(raw)
    lrs = {keys["variant"]: point.train.lr for keys, point in cfg.grid_points()}
    assert lrs == {"sgd": 0.1, "adam": 0.01}  # the base SGD recipe runs, and adam keeps its own lr


def test_reference_budget_and_subsample():
    svc = {"name": "rbf", "model": "svc", "params": {"kernel": "rbf"}, "max_train": None}
    assert max_train(svc) == MAX_TRAIN["svc"] == 10_000
    assert max_train({**svc, "max_train": 0}) is None and max_train({**svc, "max_train": 500}) == 500
    assert max_train({"name": "lr", "model": "logistic_regression", "params": {}}) is None
    full, sub = estimate_seconds(svc, 60_000, 10_000, 784), estimate_seconds(svc, 10_000, 10_000, 784)
    assert full > 20 * sub > 0  # the fit grows with n^2
    assert reference_id(svc, {"seed": 0}) != reference_id({**svc, "max_train": 0}, {"seed": 0})
    y = np.arange(1000) % 10
    Xs, ys = subsample(np.arange(1000.0)[:, None], y, 100, seed=0, classification=True)
    assert len(Xs) == 100 and np.bincount(ys).tolist() == [10] * 10 and (np.diff(Xs[:, 0]) > 0).all()
    assert subsample(Xs, ys, None, 0, True)[0] is Xs


def test_references_are_subsampled_estimated_and_counted_apart(tmp_path, capsys):
    from experiments.cli import main
    from experiments.store.cells import RunStore
    from experiments.training.baselines import ReferenceRun
    from experiments.progress import ReferenceProgress
    cfg = tmp_path / "ref.toml"
    cfg.write_text('[data]\ndataset = "gauss"\nparams = { C = 2, N = 60 }\n[train]\nepochs = 1\n'
                   '[sweep]\nimpl = ["numpy"]\n[[references]]\nname = "rbf svm"\nmodel = "svc"\nmax_train = 40\n')
    assert main(["run", str(cfg), "--out", str(tmp_path / "run"), "--jobs", "1"]) == 0
    out = capsys.readouterr()
    assert "reference rbf svm: a subsample of 40 of 90 training points (max_train)" in out.err
    assert "references 1/1" in out.err and "1/1 [" in out.err  # one cell, one reference: not "2/2 cells"
    rec = RunStore(tmp_path / "run").reference_records()[0]
    assert (rec["n_train"], rec["n_used"], rec["max_train"]) == (90, 40, 40)
    assert "40 of 90" in (tmp_path / "run" / "tables" / "references.txt").read_text()

    class Bar:
        def __init__(self):
            self.lines, self.postfix = [], ""

        def write(self, line, file=None):
            self.lines.append(line)

        def set_postfix_str(self, text, refresh=True):
            self.postfix = text

        def refresh(self):
            pass

    bar = Bar()
    run = ReferenceRun("id", {"name": "r", "model": "svc", "params": {}, "max_train": None},
                       {"dataset": "gauss", "params": {"C": 2, "N": 60}, "seed": 0, "test_size": 0.25,
                        "standardize": False}, 10)
    with ReferenceProgress(bar, [run]) as progress:
        assert bar.lines and "estimated" in bar.lines[0] and bar.postfix.startswith("references 0/1")
        progress.finished({"reference": run.reference, "fit_time": 0.5})
    assert bar.postfix.startswith("references 1/1") and "fitted in 0.5 s" in bar.postfix


def test_best_and_worst_cell_one_rule_on_ties():
    def rec(i, acc, loss):
        return {"id": i, "metrics": {"test": {"accuracy": acc, "log_loss": loss}}}
    records = [rec("a", 0.9, 0.5), rec("b", 0.9, 0.3), rec("c", 0.5, 0.9), rec("d", 0.5, 0.9), {"id": "e"}]
    assert best_cell(records)["id"] == "b"   # tie on accuracy: the lower loss
    assert worst_cell(records)["id"] == "c"  # full tie: the first in grid order
    assert best_cell([{"id": "x"}]) is None


def test_compare_formats_alike_and_fits_the_width():
    from experiments.report.compare import format_comparison
    table = pd.DataFrame({"hidden": ["2", "5"], **{f"run{k} numpy": [0.76, 0.78667] for k in range(8)},
                          "Δ run1 numpy": [0.0, 1e-6]})
    table.attrs["n_keys"] = 1
    text = format_comparison(table)
    assert "0.7600" in text and "0.7867" in text and " 0.76 " not in text
    fitted = format_comparison(table, width=60)
    assert max(map(len, fitted.splitlines())) <= 60 and fitted.count("hidden") > 1


def test_budget_lines_say_the_long_ones_and_sum_up_the_quick():
    from experiments.progress import budget_lines
    from experiments.training.baselines import ReferenceRun
    runs = [ReferenceRun(str(k), {"name": n, "model": "svc", "params": {}}, {}, 10) for k, n in enumerate("ab")]
    budgets = [{"n_train": 60000, "n_used": 10000, "n_test": 10000, "n_features": 784, "seconds": 38.0},
               {"n_train": 90, "n_used": 90, "n_test": 30, "n_features": 2, "seconds": 0.01}]
    assert budget_lines(runs, budgets) == [
        "reference a: a subsample of 10,000 of 60,000 training points (max_train) x 784 features, estimated ~38 s",
        "1 reference run (b), each estimated under 1 s"]
