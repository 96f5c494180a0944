"""The runner end to end: CLI, outputs, determinism across backends, resume after SIGKILL,
divergence and failing cells."""
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_utils import write_idx
from experiments.cli import main
from experiments.config import load_config
from experiments.runner import run_sweep
from experiments.store.cells import RunStore


def _metrics_by_id(run_dir):
    out = {}
    for rec in RunStore(run_dir).records():
        out[rec["id"]] = (rec["status"], rec["final_loss"], json.dumps(rec["metrics"], sort_keys=True),
                          RunStore(run_dir).curve(rec["id"]))
    return out


def _run_inline(tmp_path, name: str, toml: str, expected_code: int = 0) -> Path:
    """Write ``toml`` as a config, run it serially into ``tmp_path/name``, check the exit code."""
    cfg_path = tmp_path / f"{name}.toml"
    cfg_path.write_text(toml)
    out = tmp_path / name
    assert main(["run", str(cfg_path), "--out", str(out), "--quiet", "--jobs", "1"]) == expected_code
    return out


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs, self.tables = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.srcs.append(dict(attrs)["src"])
        if tag == "table":
            self.tables += 1


def test_cli_end_to_end(tiny_config, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(tiny_config()), "--out", str(out), "--jobs", "2"]) == 0
    printed = capsys.readouterr().out
    assert "tiny: 16 cells (0 reused from an earlier run): 16 ok" in printed
    for name in ("config.toml", "environment.json", "cells.jsonl", "report.md", "report.html",
                 "tables/cells.csv", "tables/summary.csv", "tables/summary.md", "tables/summary.txt",
                 "plots/decision_surfaces.png", "plots/decision_difference.png", "plots/heatmaps.png",
                 "plots/hidden_units.png", "plots/hidden_units_worst.png", "plots/loss_curves.png",
                 "plots/confusion_matrix.png",
                 "outputs", "data", "grid.json"):
        assert (out / name).exists(), name
    assert len((out / "cells.jsonl").read_text().splitlines()) == 16
    assert len(list((out / "curves").glob("*.json"))) == 16
    env = json.loads((out / "environment.json").read_text())
    assert env["packages"]["torch"].startswith("2.") and env["cpu_count"]
    summary = pd.read_csv(out / "tables" / "summary.csv")
    assert len(summary) == 4
    assert {"test_acc_mean_numpy", "test_acc_mean_torch", "test_acc_diff", "us_per_step_numpy",
            "us_per_step_torch", "speedup"} <= set(summary.columns)
    assert (summary["test_acc_diff"].abs() < 1e-12).all()  # same start, same schedule, same result
    parser = _Images()
    parser.feed((out / "report.html").read_text())
    assert len(parser.srcs) == 7 and all(s.startswith("data:image/png;base64,") for s in parser.srcs)
    assert parser.tables >= 2
    md = (out / "report.md").read_text()
    assert re.search(r"\|\s+hidden\s+\|", md) and "![decision_surfaces](plots/decision_surfaces.png)" in md
    # second run: everything is reused
    assert main(["run", str(tiny_config()), "--out", str(out), "--quiet"]) == 0
    assert len((out / "cells.jsonl").read_text().splitlines()) == 16
    # report rebuilds from stored results without training
    for p in (out / "plots").glob("*.png"):
        p.unlink()
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").exists() and (out / "plots" / "decision_surfaces.png").exists()


def test_bad_config_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[train]\nlr = -0.1\n")
    out = tmp_path / "never"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: train.lr: must be > 0, got -0.1" in err
    assert not out.exists()
    assert main(["run", str(bad), "--set", "train.lr=0.1", "--set", "model.depth=3", "--out", str(out)]) == 2
    assert "model.depth: unknown key" in capsys.readouterr().err
    assert not out.exists()
    assert main(["report", str(tmp_path / "nothing")]) == 2


def test_list_shipped_configs(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\s+default\s+\S", out, re.M) and "parity" in out


def test_same_results_serial_parallel_and_dask(tiny_config, tmp_path):
    from dask.distributed import LocalCluster
    cfg = load_config(tiny_config())
    run_sweep(cfg, out=tmp_path / "a", jobs=1, progress=False, render=False)
    run_sweep(cfg, out=tmp_path / "b", jobs=2, progress=False, render=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      processes=True) as cluster:
        run_sweep(cfg, out=tmp_path / "c", jobs=2, backend="dask", scheduler=cluster.scheduler_address,
                  progress=False, render=False)
    a, b, c = (_metrics_by_id(tmp_path / x) for x in "abc")
    assert len(a) == 16 and a == b == c
    run_sweep(cfg, out=tmp_path / "a", jobs=1, fresh=True, progress=False, render=False)
    assert _metrics_by_id(tmp_path / "a") == b


def test_resume_after_sigkill_gives_the_uninterrupted_table(tiny_config, tmp_path, kill_run_after):
    """--engine cells (test_stacked_engine has the stacked engine's)."""
    path = tiny_config(epochs=150)
    reference = tmp_path / "reference"
    assert main(["run", str(path), "--out", str(reference), "--jobs", "1", "--quiet", "--engine", "cells"]) == 0
    killed = tmp_path / "killed"
    n_before = kill_run_after(path, killed, 3, "--jobs", "1", "--engine", "cells")
    assert 3 <= n_before < 16, "the sweep must be killed half-way"
    cells = killed / "cells.jsonl"
    with open(cells, "a") as fh:  # a kill in the middle of a write leaves a torn line
        fh.write('{"id": "torn", "sta')
    assert main(["run", str(path), "--out", str(killed), "--jobs", "2", "--quiet", "--engine", "cells"]) == 0
    lines = cells.read_text().splitlines()
    assert len(lines) == 16 and len({json.loads(l)["id"] for l in lines}) == 16
    pd.testing.assert_frame_equal(pd.read_csv(killed / "tables" / "summary.csv").drop(columns=["us_per_step_numpy", "us_per_step_torch", "speedup"]),
                                  pd.read_csv(reference / "tables" / "summary.csv").drop(columns=["us_per_step_numpy", "us_per_step_torch", "speedup"]))
    assert _metrics_by_id(killed) == _metrics_by_id(reference)


def test_divergence_is_recorded_and_everything_renders(tmp_path):
    out = _run_inline(tmp_path, "div", '[data]\ndataset = "noisy_1d"\n[model]\nhidden = [8]\nactivation = "identity"\n'
                      '[train]\nbatch_size = "full"\nn_iter = 300\n'
                      '[sweep]\ntrain.lr = [0.05, 100.0]\nimpl = ["numpy", "torch"]\n')  # exit 0: results
    records = RunStore(out).records()
    diverged = [r for r in records if r["status"] == "diverged"]
    assert {r["impl"] for r in diverged} == {"numpy", "torch"}
    assert len({r["diverged_at"] for r in diverged}) == 1  # both at the same step
    for name in ("report.html", "plots/heatmaps.png", "plots/loss_curves.png", "plots/regression_fit.png"):
        assert (out / name).exists()
    assert "non-finite loss at step" in (out / "report.md").read_text()


def test_failing_cell_is_recorded_and_sweep_goes_on(tmp_path, capsys):
    data = tmp_path / "mnist"  # four IDX files whose headers pass the config check; one fails its gzip CRC
    data.mkdir()
    rng = np.random.default_rng(0)
    for prefix in ("train", "t10k"):
        write_idx(data / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (20, 28, 28), dtype=np.uint8))
        write_idx(data / f"{prefix}-labels-idx1-ubyte.gz", np.arange(20, dtype=np.uint8) % 10)
    broken = bytearray((data / "train-images-idx3-ubyte.gz").read_bytes())
    broken[-8] ^= 0xFF  # the CRC, not the header nor the recorded size
    (data / "train-images-idx3-ubyte.gz").write_bytes(bytes(broken))
    out = _run_inline(tmp_path, "fail", f'[data]\ndataset = "mnist"\nparams = {{ folder = "{data}" }}\n'
                      '[train]\nepochs = 1\nbatch_size = 4\n[sweep]\nimpl = ["numpy", "torch"]\n', expected_code=1)
    records = RunStore(out).records()
    assert len(records) == 2 and all(r["status"] == "error" for r in records)
    assert "ValueError:" in records[0]["error"] and "cannot read IDX file" in records[0]["error"]
    assert "cannot read IDX file" in (out / "report.md").read_text()


def test_image_data_gets_confusion_matrices(tmp_path):
    out = _run_inline(tmp_path, "lines", '[data]\ndataset = "lines"\n[model]\nhidden = [4]\nactivation = "sigmoid"\n'
                      '[train]\nlr = 0.5\nbatch_size = 1\nepochs = 50\n'
                      '[sweep]\nmodel.hidden = [2, 4]\nimpl = ["numpy", "torch"]\n')
    assert (out / "plots" / "confusion_matrix.png").exists()
    assert not (out / "plots" / "decision_surfaces.png").exists()


def test_regression_run(tmp_path):
    out = _run_inline(tmp_path, "reg", '[data]\ndataset = "noisy_1d"\n[model]\nhidden = [8]\nactivation = "tanh"\n'
                      '[train]\nlr = 0.05\nbatch_size = 16\nepochs = 20\n'
                      '[sweep]\ntrain.lr = [0.01, 0.05]\nimpl = ["numpy", "torch"]\n')
    summary = pd.read_csv(out / "tables" / "summary.csv")
    assert "test_mse_mean_numpy" in summary and (summary["test_mse_diff"].abs() < 1e-10).all()
    assert len(list((out / "models").glob("*.npz"))) == 4
    assert (out / "plots" / "regression_fit.png").exists() and "## Regression fit" in (out / "report.md").read_text()


def test_store_repairs_torn_line_and_dedupes(tmp_path):
    from experiments.config import parse_config
    store = RunStore(tmp_path / "s")
    store.create(parse_config({}))
    rec = {"id": "00000000000000aa", "pair": "00000000000000bb", "impl": "numpy", "keys": {}, "spec": parse_config({}).base(),
           "status": "ok"}  # an id is a file stem: 16 hex digits, as sweep.cell_id makes them
    line = json.dumps(rec) + "\n"
    store.cells_path.write_text(line + line + '{"id": "b", "st')
    store.create(parse_config({}))  # reopening repairs
    assert store.cells_path.read_text() == line + line
    assert [r["id"] for r in store.records()] == ["00000000000000aa"]


def test_a_records_spec_is_validated_once_not_at_every_read(tmp_path, monkeypatch):
    from experiments.config import parse_config
    from experiments.store import damage
    store = RunStore(tmp_path / "s")
    store.create(parse_config({}))
    specs = [parse_config({"seed": seed}).base() for seed in range(3)]
    store.cells_path.write_text("".join(json.dumps({"id": f"{k:016x}", "pair": "00000000000000bb", "impl": "numpy", "keys": {},
                                                    "spec": spec, "status": "ok"}) + "\n"
                                        for k, spec in enumerate(specs)))
    validated = []
    validate = damage.ExperimentConfig.model_validate
    monkeypatch.setattr(damage.ExperimentConfig, "model_validate",
                        lambda raw, **kw: validated.append(raw["seed"]) or validate(raw, **kw))
    damage._spec_problem.cache_clear()
    for _ in range(3):
        store.repair()
        assert [r["id"] for r in store.records()] == [f"{k:016x}" for k in range(3)]
    assert sorted(validated) == [0, 1, 2]


def test_parity_cli(tmp_path, capsys):
    out = tmp_path / "parity"
    assert main(["parity", "--steps", "300", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "PASS: max |dTheta|" in printed and "predicted classes agree on 100.0%" in printed
    table = pd.read_csv(out / "parity.csv")
    assert len(table) == 300 and {"dW1", "db1", "dW3", "dloss"} <= set(table.columns)
    assert (out / "parity.png").stat().st_size > 1000
    assert main(["parity", "--steps", "100", "--dtype", "float32", "--tol", "1e-12", "--out", str(out)]) == 1
    assert "FAIL" in capsys.readouterr().out
    assert main(["parity", "--steps", "0"]) == 2


def test_cells_record_epoch_curves_and_the_best_epoch(tmp_path):
    out = _run_inline(tmp_path, "curves", """
[data]
dataset = "blobs"
params = { n_samples = 120, n_classes = 3 }
standardize = true

[model]
hidden = [8]

[train]
optimizer = "adam"
lr = 0.05
batch_size = 16
epochs = 40
early_stopping = true
patience = 3
lr_schedule = "exponential"
gamma = 0.95

[sweep]
impl = ["numpy", "torch"]
""")
    store = RunStore(out)
    recs = {r["impl"]: r for r in store.records()}
    assert set(recs) == {"numpy", "torch"}
    np_rec, pt_rec = recs["numpy"], recs["torch"]
    assert np_rec["best_epoch"] == pt_rec["best_epoch"] is not None
    assert np_rec["stopped_early"] and np_rec["n_steps"] == pt_rec["n_steps"] < 40 * 5
    curves = {impl: store.curves(rec["id"]) for impl, rec in recs.items()}
    keys = {"loss", "lr", "train_loss", "train_score", "validation_loss", "validation_score", "test_loss", "test_score"}
    assert set(curves["numpy"]) == keys == set(curves["torch"])
    n_epochs = len(curves["numpy"]["loss"])
    assert all(len(curves["numpy"][k]) == n_epochs for k in keys)
    assert curves["numpy"]["lr"][:3] == pytest.approx([0.05, 0.05 * 0.95, 0.05 * 0.95 ** 2])
    for k in keys:
        assert curves["numpy"][k] == pytest.approx(curves["torch"][k], rel=1e-10, abs=1e-12), k
    best = np_rec["best_epoch"]
    assert curves["numpy"]["validation_loss"][best] == min(curves["numpy"]["validation_loss"])
