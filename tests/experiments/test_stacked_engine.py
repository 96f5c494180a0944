"""--engine stacked writes the per-cell engine's records and tables (numpy bit-identical,
torch within 1e-12; times aside), reuses finished cells and resumes after a kill."""
import logging
import json
import math

import numpy as np
import pytest

from experiments.config.catalog import resolve_config_path
from experiments.config import load_config
from experiments.parity.grid import pair_verdicts
from experiments.store.results import RunResults
from experiments.runner import run_sweep
from experiments.store.cells import RunStore
from experiments.report.summary import grid_table
from experiments.parity.tolerance import scaled_difference
from experiments.store.frames import summary_frame

TIMES = {"wall_time", "time_per_step", "cell_time", "time_engine", "engine_note"}
TORCH_TOL = 1e-12
OVERRIDES = ["train.epochs=3", "sweep.model.hidden=[3, 8]", "sweep.train.lr=[0.03, 0.3, 3.0]"]


def _assert_close(a, b, tol: float, where: str = "") -> None:
    """``a == b``, numbers within ``tol`` relative to max(1, |a|) (``tol=0``: exactly)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _assert_close(a[k], b[k], tol, f"{where}.{k}")
    elif isinstance(a, (list, tuple, np.ndarray)):
        assert len(a) == len(b), where
        for k, (x, z) in enumerate(zip(a, b)):
            _assert_close(x, z, tol, f"{where}[{k}]")
    elif isinstance(a, float) and not isinstance(b, bool) and isinstance(b, (int, float)):
        if math.isfinite(a) or math.isfinite(b):
            assert abs(a - b) <= tol * max(1.0, abs(a)), (where, a, b)
        else:
            assert (a == b) or (math.isnan(a) and math.isnan(b)), (where, a, b)
    else:
        assert a == b, (where, a, b)


def _records(run_dir) -> dict:
    store = RunStore(run_dir)
    out = {}
    for rec in store.records():
        params = [a for layer in (store.params(rec["id"]) or []) for a in layer]
        out[rec["id"]] = ({k: v for k, v in rec.items() if k not in TIMES}, store.curves(rec["id"]), params)
    return out


def _assert_same_runs(a_dir, b_dir) -> None:
    """Same records, curves and final parameters (scaled max |dTheta|, the parity measure)."""
    a, b = _records(a_dir), _records(b_dir)
    assert a.keys() == b.keys()
    for cid, (record, curves, params) in a.items():
        tol = 0.0 if record["impl"] == "numpy" else TORCH_TOL
        _assert_close((record, curves), b[cid][:2], tol, cid)
        assert len(params) == len(b[cid][2])
        assert all(scaled_difference(x, z) <= tol for x, z in zip(params, b[cid][2])), cid


@pytest.mark.parametrize("config", ["default", "optimizers"])
def test_stacked_engine_records_match_per_cell_records(config, tmp_path):
    overrides = OVERRIDES if config == "default" else ["train.epochs=3", "data.params.n_samples=120"]
    cfg = load_config(resolve_config_path(config), overrides)
    cells = run_sweep(cfg, out=tmp_path / "cells", jobs=1, progress=False, render=False)
    stacked = run_sweep(cfg, out=tmp_path / "stacked", jobs=1, progress=False, render=False, engine="stacked")
    assert cells.counts == stacked.counts
    _assert_same_runs(tmp_path / "cells", tmp_path / "stacked")
    stamped = [json.loads(line) for line in (tmp_path / "stacked" / "cells.jsonl").read_text().splitlines()]
    assert {r["impl"] for r in stamped if r.get("time_engine") == "stacked"} == {"numpy", "torch"}


def test_tables_equal_per_cell_tables_except_time(tmp_path):
    cfg = load_config(resolve_config_path("default"), OVERRIDES)
    for engine in ("cells", "stacked"):
        run_sweep(cfg, out=tmp_path / engine, jobs=1, progress=False, render=False, engine=engine)
    frames = {}
    for engine in ("cells", "stacked"):
        results = RunResults(tmp_path / engine)
        cells = results.cells_frame()
        frames[engine] = (cells, summary_frame(cells, results.group_axes, results.task),
                          grid_table(cells, pair_verdicts(results), results.records, results.group_axes,
                                     results.task, wide=True))
    (cells_a, summary_a, wide_a), (cells_b, summary_b, wide_b) = frames["cells"], frames["stacked"]
    assert set(cells_a["time_engine"]) == {"cells"} and set(cells_b["time_engine"]) == {"stacked"}
    timed = [c for c in summary_a.columns if c.startswith(("us_per_step", "time_engine")) or c == "speedup"]
    assert timed and list(summary_a.columns) == list(summary_b.columns)
    for column in summary_a.columns.difference(timed):
        if column.endswith("_diff"):  # numpy - torch: judged against the size of what was subtracted
            scale = np.maximum(1.0, summary_a[column.replace("_diff", "_mean_torch")].abs())
            assert (np.abs(summary_a[column] - summary_b[column]) <= TORCH_TOL * scale).all(), column
        else:
            tol = TORCH_TOL if column.endswith("_torch") else 0.0
            _assert_close(summary_a[column].tolist(), summary_b[column].tolist(), tol, column)
    for column in cells_a.columns.difference(["us_per_step", "time_engine"]):
        for impl in ("numpy", "torch"):
            rows_a, rows_b = (c[c["impl"] == impl].sort_values("id")[column].tolist() for c in (cells_a, cells_b))
            _assert_close(rows_a, rows_b, 0.0 if impl == "numpy" else TORCH_TOL, f"{column} {impl}")
    # the wide text table says how its time columns were taken
    assert "µs/step numpy" in wide_a.columns and "µs/model-step torch (stacked)" in wide_b.columns


def test_grouping_pads_torch_widths_and_never_numpys():
    from experiments.training.stacked import _stacks_of, group_cells, longest_first
    from experiments.config.sweep import expand
    stacks, alone = group_cells(expand(load_config(resolve_config_path("default"))))
    assert not alone
    assert sorted((s[0].impl, len(s)) for s in stacks) == [("numpy", 6)] * 4 + [("torch", 24)]
    assert longest_first(stacks)[0][0].impl == "torch"
    sigmoid = load_config(resolve_config_path("default"), ["model.activation=sigmoid"])
    stacks, _ = group_cells(expand(sigmoid))
    assert sorted((s[0].impl, len(s)) for s in stacks) == [("numpy", 6)] * 4 + [("torch", 6)] * 4
    # one padded stack while a step stays small, else one per width
    assert _stacks_of([[2, 5, 3], [2, 100, 3], [2, 5, 3]], batch=1) == [[0, 1, 2]]
    assert _stacks_of([[784, 10, 10], [784, 1000, 10], [784, 10, 10]], batch=64) == [[0, 2], [1]]


def test_stacked_engine_reuses_finished_cells_and_resumes(tmp_path):
    cfg = load_config(resolve_config_path("default"), OVERRIDES)
    part = load_config(resolve_config_path("default"), OVERRIDES[:2] + ["sweep.train.lr=[0.03, 0.3]"])
    first = run_sweep(part, out=tmp_path / "run", jobs=1, progress=False, render=False, engine="cells")
    rest = run_sweep(cfg, out=tmp_path / "run", jobs=1, progress=False, render=False, engine="stacked")
    assert rest.n_skipped == first.n_cells and rest.n_cells == first.n_cells * 3 // 2
    again = run_sweep(cfg, out=tmp_path / "run", jobs=1, progress=False, render=False, engine="stacked")
    assert again.n_skipped == again.n_cells
    run_sweep(cfg, out=tmp_path / "fresh", jobs=1, progress=False, render=False, engine="cells")
    _assert_same_runs(tmp_path / "fresh", tmp_path / "run")


def test_stacked_resume_after_sigkill_gives_the_uninterrupted_records(tiny_config, tmp_path, kill_run_after):
    path = tiny_config(epochs=300)
    reference = tmp_path / "reference"
    run_sweep(load_config(path), out=reference, jobs=1, progress=False, render=False, engine="stacked")
    killed = tmp_path / "killed"
    # 16 cells: torch as one padded stack of 8, numpy as 2 stacks of 4: stop after the first
    n_before = kill_run_after(path, killed, 4, "--jobs", "1", "--engine", "stacked")
    assert 4 <= n_before < 16, "the sweep must be killed half-way"
    resumed = run_sweep(load_config(path), out=killed, jobs=1, progress=False, render=False, engine="stacked")
    assert resumed.n_skipped == n_before
    _assert_same_runs(reference, killed)


def test_the_cli_default_engine_is_the_runners():
    from experiments.cli import build_parser
    from experiments.runner import DEFAULT_ENGINE, ENGINES
    assert build_parser().parse_args(["run"]).engine == DEFAULT_ENGINE in ENGINES


def test_cells_the_stack_does_not_cover_run_per_cell_with_a_note(tmp_path, monkeypatch, caplog):
    import dataclasses

    from experiments.implementations import registry as implementations
    caplog.set_level(logging.INFO, logger="experiments.runner")  # the cells' ids are in the run log (-v)

    def broken(*args, **kwargs):
        raise RuntimeError("injected stack failure")

    monkeypatch.setitem(implementations.IMPLS, "numpy",
                        dataclasses.replace(implementations.IMPLS["numpy"], train_stacked=broken))
    small = ["train.epochs=2", "sweep.model.hidden=[3]", "sweep.train.lr=[0.1]"]
    cfg = load_config(resolve_config_path("default"), small)
    run_sweep(cfg, out=tmp_path / "cells", jobs=1, progress=False, render=False, engine="cells")
    run_sweep(cfg, out=tmp_path / "stacked", jobs=1, progress=False, render=False, engine="stacked")
    _assert_same_runs(tmp_path / "cells", tmp_path / "stacked")  # the fallback is the per-cell engine
    records = RunStore(tmp_path / "stacked").records()
    assert all("injected stack failure" in r["engine_note"] for r in records if r["impl"] == "numpy")
    assert all(r["time_engine"] == "stacked" for r in records if r["impl"] == "torch")
    assert "stack failed, ran per cell" in caplog.text
    assert all(r["id"] in caplog.text for r in records if r["impl"] == "numpy")  # the log names the cells
    f32 = load_config(resolve_config_path("default"), small + ["train.dtype=float32"])
    run_sweep(f32, out=tmp_path / "f32", jobs=1, progress=False, render=False, engine="stacked")
    notes = {r.get("engine_note") for r in RunStore(tmp_path / "f32").records()}
    assert len(notes) == 1 and "covers float64" in notes.pop()
