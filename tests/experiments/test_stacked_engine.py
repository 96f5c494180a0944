"""--engine stacked writes the per-cell engine's records (times aside) and resumes."""
import json

import pytest

from experiments.catalog import resolve_config_path
from experiments.config import load_config
from experiments.runner import run_sweep

TIMES = {"wall_time", "time_per_step", "cell_time", "time_engine"}
OVERRIDES = ["train.epochs=3", "sweep.model.hidden=[3, 8]", "sweep.train.lr=[0.03, 0.3, 3.0]"]


def _records(run_dir):
    lines = (run_dir / "cells.jsonl").read_text().splitlines()
    recs = {}
    for line in lines:
        rec = json.loads(line)
        curves = json.loads((run_dir / "curves" / f"{rec['id']}.json").read_text())
        recs[rec["id"]] = ({k: v for k, v in rec.items() if k not in TIMES}, curves)
    return recs


@pytest.mark.parametrize("config", ["default", "optimizers"])
def test_stacked_engine_records_equal_per_cell_records(config, tmp_path):
    overrides = OVERRIDES if config == "default" else ["train.epochs=3", "data.params.n_samples=120"]
    cfg = load_config(resolve_config_path(config), overrides)
    cells = run_sweep(cfg, out=tmp_path / "cells", jobs=1, progress=False, render=False)
    stacked = run_sweep(cfg, out=tmp_path / "stacked", jobs=1, progress=False, render=False, engine="stacked")
    assert cells.counts == stacked.counts
    a, b = _records(tmp_path / "cells"), _records(tmp_path / "stacked")
    assert a.keys() == b.keys()
    for cid in a:
        assert a[cid] == b[cid], cid
    stamped = [json.loads(line) for line in (tmp_path / "stacked" / "cells.jsonl").read_text().splitlines()]
    assert any(r.get("time_engine") == "stacked" for r in stamped)


def test_stacked_engine_resumes(tmp_path):
    cfg = load_config(resolve_config_path("default"), OVERRIDES)
    first = run_sweep(cfg, out=tmp_path, jobs=1, progress=False, render=False, engine="stacked")
    again = run_sweep(cfg, out=tmp_path, jobs=1, progress=False, render=False, engine="stacked")
    assert again.n_skipped == first.n_cells
