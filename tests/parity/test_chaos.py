"""Chaos told from bugs: a drift that starts at rounding level and grows like the ulp
baseline is chaotic (exit 0); a bug on the same chaotic trajectory is still a failure."""
import numpy as np
import pytest

import fcann2.optimizers as rules
from experiments.config.catalog import resolve_config_path
from experiments.cli import main
from experiments.config import load_config
from experiments.parity.lockstep import lockstep
from experiments.parity.chaos import perturb_one_ulp

# a spiral run whose trajectory amplifies rounding: numpy and torch separate after ~400 steps
CHAOTIC = ["model.hidden=[20,20]", 'train.optimizer="adam"', "train.lr=0.05", "train.epochs=40",
           "train.batch_size=4", "data.params.n_samples=200"]


def test_perturbation_is_one_ulp():
    params = [(np.array([[1.0, -2.0], [0.0, 3.0]]), np.zeros(2))]
    (W, b), = perturb_one_ulp(params)
    nonzero = params[0][0] != 0
    assert np.all(W[nonzero] == np.nextafter(params[0][0][nonzero], np.inf))
    assert W[1, 0] == np.spacing(3.0) and np.all(b == np.spacing(1.0))


def test_chaotic_drift_is_recognised():
    result = lockstep(load_config(resolve_config_path("spiral"), CHAOTIC))
    assert result.kind == "chaotic" and result.passed, result.verdict()
    first = result.first_divergence()
    assert first is not None and first["step"] > 100  # it crossed, late
    drift = result.drift
    assert drift.starts_at_rounding and drift.baseline_reaches_tolerance
    assert "chaotic: rounding amplified by the dynamics" in result.verdict()


def test_a_bug_on_a_chaotic_trajectory_still_fails(monkeypatch):
    class AdamWithoutBiasCorrection(rules.Adam):
        def update(self, theta, g, lr):
            self.t = 10 ** 6
            super().update(theta, g, lr)

    monkeypatch.setitem(rules.UPDATE_RULES, "adam", AdamWithoutBiasCorrection)
    result = lockstep(load_config(resolve_config_path("spiral"), CHAOTIC))
    assert result.kind == "disagree" and not result.passed
    assert not result.drift.starts_at_rounding and "starts above rounding level" in result.verdict()


def test_the_issues_spiral_case_exits_0_with_both_curves(tmp_path, capsys):
    code = main(["parity", "spiral", "--set", "model.hidden=[20,20]", "--set", "train.lr=0.3",
                 "--set", "train.epochs=100", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "CHAOTIC" in out and "<- first over tolerance" in out
    assert (tmp_path / "parity.png").stat().st_size > 10_000


@pytest.mark.parametrize("grid", [["--all"], ["--point", "model.hidden=[20]", "--point", "train.lr=0.03"]])
def test_parity_on_grid_points(tmp_path, capsys, grid):
    code = main(["parity", "spiral", "--set", "train.epochs=2", "--set", "data.params.n_samples=80",
                 "--out", str(tmp_path), *grid])
    out = capsys.readouterr().out
    n = 9 if grid == ["--all"] else 1
    assert code == 0 and out.count("== grid point") == n, out
    assert len(list(tmp_path.glob("*/parity.csv"))) == n


def test_grid_point_verdicts_from_recorded_cells(tmp_path):
    """The sweep of the issue's spiral case: its [20, 20] x 0.3 point ends with different
    losses in numpy and torch; the runner's lockstep with its baseline shows it chaotic and
    the table says so, the others agree."""
    import pandas as pd
    code = main(["run", "spiral", "--out", str(tmp_path / "run"), "--quiet", "--jobs", "2", "--set", "train.epochs=100",
                 "--set", "sweep.model.hidden=[[20], [20, 20]]", "--set", "sweep.train.lr=[0.03, 0.3]"])
    assert code == 0
    summary = pd.read_csv(tmp_path / "run" / "tables" / "summary.csv")
    verdicts = dict(zip(zip(summary["model.hidden"], summary["train.lr"]), summary["parity"]))
    assert verdicts[("20x20", 0.3)] == "chaotic", verdicts
    assert verdicts[("20", 0.03)] == "agree" and verdicts[("20x20", 0.03)] == "agree"
    assert "chaotic" in (tmp_path / "run" / "tables" / "summary.md").read_text()


class _FakeResults:
    """What ``parity.grid`` reads of a run: records, and per cell params/outputs/curves."""

    def __init__(self, records, params, outputs, curves):
        self.records, self._p, self._o, self._c = records, params, outputs, curves
        self.group_axes = ["lr"]

    def params(self, rec):
        return self._p[rec["id"]]

    def outputs(self, rec):
        return self._o[rec["id"]]

    def curves(self, rec):
        return self._c[rec["id"]]


def _rec(cid, impl, pair, status="ok", diverged_at=None):
    return {"id": cid, "impl": impl, "pair": pair, "status": status, "diverged_at": diverged_at, "best_epoch": None,
            "loss": "cross_entropy", "keys": {"lr": pair}, "spec": {"train": {"dtype": "float64"}}}


def test_pair_verdicts_agree_unknown_disagree_and_diverged_together():
    """From the records alone (no ``drift/`` evidence): a difference reads unknown - also one
    from the first epoch on, which a long chaotic epoch makes too - unless the untrained
    models' losses already differ (a real difference)."""
    from experiments.parity.grid import pair_verdicts, point_verdicts
    W = np.eye(2)
    p = {"a": [(W, np.zeros(2))], "b": [(W + 1e-15, np.zeros(2))],          # agree
         "c": [(W, np.zeros(2))], "d": [(W + 0.1, np.zeros(2))],            # differ, first epoch equal
         "e": [(W, np.zeros(2))], "f": [(W + 0.1, np.zeros(2))],            # differ from the first epoch
         "g": None, "h": None,                                               # both diverged at step 3
         "i": [(W, np.zeros(2))], "j": [(W + 0.1, np.zeros(2))]}            # differ before training
    out = {k: {"test_output": np.array([[1.0, 0.0], [0.0, 1.0]])} for k in p}
    curves = {k: {"loss": [1.0, 0.5]} for k in p}
    curves["f"] = {"loss": [1.1, 0.5]}
    records = [_rec("a", "numpy", "p1"), _rec("b", "torch", "p1"), _rec("c", "numpy", "p2"), _rec("d", "torch", "p2"),
               _rec("e", "numpy", "p3"), _rec("f", "torch", "p3"),
               _rec("g", "numpy", "p4", "diverged", 3), _rec("h", "torch", "p4", "diverged", 3),
               {**_rec("i", "numpy", "p5"), "initial_test_loss": 0.70}, {**_rec("j", "torch", "p5"), "initial_test_loss": 0.69}]
    results = _FakeResults(records, p, out, curves)
    verdicts = pair_verdicts(results).set_index("pair")["parity"].to_dict()
    expected = {"p1": "agree", "p2": "unknown", "p3": "unknown", "p4": "agree", "p5": "disagree"}
    assert verdicts == expected
    assert point_verdicts(results).set_index("lr")["parity"].to_dict() == expected
