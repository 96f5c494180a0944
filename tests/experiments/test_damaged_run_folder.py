"""A damaged run folder: a truncated curve, model, output or data file, or an ill-typed
metric in cells.jsonl. The cell is reported once, its line and damaged files are set aside
(kept byte for byte), ``report`` renders the healthy cells and says so, ``run`` trains it
again and ends with the undamaged run's table (``--engine cells``: a cell trained alone
instead of in its stack may differ in the last digit of max |Δθ|, see README "Engines")."""
import json
import math
import shutil

import pytest

from experiments.store.damage import record_problem
from experiments.cli import main
from experiments.store.cells import RunStore

CONFIG = """
name = "tiny"
[data]
dataset = "gauss"
params = { C = 2, N = 20 }
[model]
hidden = [3]
[train]
batch_size = 8
epochs = 2
[output]
plot_resolution = 20
[sweep]
model.hidden = [3, 5]
impl = ["numpy", "torch"]
"""


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    root = tmp_path_factory.mktemp("damage")
    config = root / "tiny.toml"
    config.write_text(CONFIG)
    assert main(["run", str(config), "--out", str(root / "run"), "--quiet", "--jobs", "1", "--engine", "cells"]) == 0
    return config, root / "run"


def _copy(baseline, tmp_path):
    config, run = baseline
    out = tmp_path / "run"
    shutil.copytree(run, out)
    return config, out


def _truncate(path):
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    return path


def _edit_first_record(out, edit):
    cells = out / "cells.jsonl"
    lines = cells.read_text().splitlines()
    rec = json.loads(lines[0])
    edit(rec)
    lines[0] = json.dumps(rec)
    cells.write_text("\n".join(lines) + "\n")
    return rec["id"]


def _damage(kind, out):
    """Damage one file of ``kind`` (or the first record); returns (damaged path or None, its bytes)."""
    first = RunStore(out).records()[0]
    if kind in ("curves", "models", "outputs", "data"):
        path = _truncate(sorted((out / kind).iterdir())[0])
        return path, path.read_bytes()
    if kind == "string_metric":
        _edit_first_record(out, lambda r: r["metrics"]["test"].update(accuracy="high"))
    elif kind == "nan_accuracy":
        _edit_first_record(out, lambda r: r["metrics"]["test"].update(accuracy=math.nan))
    elif kind == "string_curve":
        path = out / "curves" / f"{first['id']}.json"
        path.write_text(json.dumps({"loss": [0.5, "lots"]}))
        return path, path.read_bytes()
    return None, None


KINDS = ["curves", "models", "outputs", "data", "string_metric", "nan_accuracy", "string_curve"]


@pytest.mark.parametrize("kind", KINDS)
def test_run_sets_a_damaged_cell_aside_once_and_trains_it_again(baseline, tmp_path, caplog, kind):
    config, out = _copy(baseline, tmp_path)
    path, damaged = _damage(kind, out)
    args = ["run", str(config), "--out", str(out), "--quiet", "--jobs", "1", "--engine", "cells"]
    caplog.clear()
    assert main(args) == 0
    warnings = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()
                or "not cell records" in r.getMessage()]
    assert len(warnings) == 1, warnings
    if path is not None:  # the file is named, and kept byte for byte under rejected/
        rel = path.relative_to(out)
        assert str(rel) in warnings[0]
        assert (out / "rejected" / rel).read_bytes() == damaged
    else:
        assert "metrics.test.accuracy" in warnings[0]
    assert (out / "cells.rejected.jsonl").exists()
    ids = [r["id"] for r in RunStore(out).records()]
    assert len(ids) == len(set(ids)) == 4
    assert (out / "tables" / "summary.txt").read_text() == (baseline[1] / "tables" / "summary.txt").read_text()
    caplog.clear()
    assert RunStore(out).repair() == [] and not caplog.records  # said once: the folder is whole again


@pytest.mark.parametrize("kind", ["models", "string_metric"])
def test_report_renders_the_healthy_cells_and_says_which_were_set_aside(baseline, tmp_path, caplog, capsys, kind):
    _, out = _copy(baseline, tmp_path)
    _damage(kind, out)
    assert main(["report", str(out)]) == 0
    md = (out / "report.md").read_text()
    assert "3 of 4 cells finished" in md and "1 cell(s) were set aside as damaged" in md
    assert "run the config again" in md
    caplog.clear()
    assert main(["report", str(out)]) == 0  # said once; the page still says it
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    assert "1 cell(s) were set aside" in (out / "report.md").read_text()


def test_a_shared_data_file_sets_aside_every_cell_that_draws_it(baseline, tmp_path, caplog):
    _, out = _copy(baseline, tmp_path)
    _damage("data", out)
    assert main(["report", str(out)]) == 0
    assert RunStore(out).records() == []
    assert "4 cell(s) were set aside" in (out / "report.md").read_text()
    assert len([r for r in caplog.records if "is damaged" in r.getMessage()]) == 1


def test_compare_reads_a_damaged_folder_without_moving_anything(baseline, tmp_path):
    _, out = _copy(baseline, tmp_path)
    path, damaged = _damage("outputs", out)
    assert main(["compare", str(baseline[1]), str(out), "--out", str(tmp_path / "cmp")]) == 0
    assert path.read_bytes() == damaged and not (out / "rejected").exists()


@pytest.mark.parametrize("edit, words", [
    (lambda r: r["metrics"]["test"].update(accuracy="0.9"), "metrics.test.accuracy"),
    (lambda r: r["metrics"]["test"].update(accuracy=math.nan), "always a number in [0, 1]"),
    (lambda r: r["metrics"]["test"].update(log_loss=-1.0), "always a number >= 0"),
    (lambda r: r["metrics"]["test"].update(log_loss=math.nan), "always a number >= 0"),
    (lambda r: r["metrics"]["test"].update(confusion_matrix=[[1.5, 0], [0, 1]]), "table of counts"),
    (lambda r: r["metrics"].update(test=[1, 2]), "not a table of metrics"),
    (lambda r: r.update(n_steps=True), "n_steps"),
    (lambda r: r.update(time_per_step=math.nan), "time_per_step"),
    (lambda r: r.update(id="../../../etc/passwd"), "not a cell id"),
    (lambda r: r.update(reload={"numpy": {"test": {"accuracy": "x"}}}), "reload.numpy"),
])
def test_record_problems_are_said_in_plain_words(baseline, edit, words):
    rec = RunStore(baseline[1]).records()[0]
    assert record_problem(rec) is None
    rec = json.loads(json.dumps(rec))
    edit(rec)
    assert words in (record_problem(rec) or "")
