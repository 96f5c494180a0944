"""What a run survives: a second run on the same folder, a killed run's lock, lines in
cells.jsonl that are not records, every state the report must render, a SIGKILLed parent
(no orphaned workers), and a light start-up."""
import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from experiments.cli import main
from experiments.store.folder import LOCK_FILE
from experiments.store.cells import RunStore


SMALL = ["--set", "sweep.seed=[0]", "--set", "sweep.train.lr=[0.1]"]  # 4 cells: hidden x impl


def _start(config, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "experiments", "run", str(config), "--out", str(out), "--quiet",
                             *SMALL, *extra], start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _wait_for(predicate, timeout=120.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _lines(path):
    return path.read_text().splitlines() if path.exists() else []


def test_second_run_on_a_busy_folder_is_refused_and_a_killed_runs_lock_is_taken_over(tiny_config, tmp_path, capsys):
    config, out = tiny_config(epochs=150), tmp_path / "run"
    first = _start(config, out, "--jobs", "1")
    try:
        assert _wait_for(lambda: len(_lines(out / "cells.jsonl")) >= 1)
        before = (out / "cells.jsonl").read_text()
        assert main(["run", str(config), "--out", str(out), "--quiet", "--jobs", "1", "--fresh", *SMALL]) == 2
        err = capsys.readouterr().err
        assert f"{out} is in use by another run (PID {first.pid})" in err
        assert (out / "cells.jsonl").read_text().startswith(before)  # --fresh did not clear under it
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert (out / LOCK_FILE).read_text().strip() == str(first.pid)  # left behind by the kill
    assert main(["run", str(config), "--out", str(out), "--quiet", "--jobs", "1", *SMALL]) == 0
    ids = [json.loads(line)["id"] for line in _lines(out / "cells.jsonl")]
    assert len(ids) == 4 and len(set(ids)) == 4
    assert (out / LOCK_FILE).read_text() == ""  # released


def test_two_concurrent_runs_one_trains_the_other_exits_2(tiny_config, tmp_path):
    config, out = tiny_config(epochs=20), tmp_path / "run"
    runs = [_start(config, out, "--jobs", "1") for _ in range(2)]
    codes = sorted(p.wait(timeout=180) for p in runs)
    assert codes == [0, 2]
    ids = [json.loads(line)["id"] for line in _lines(out / "cells.jsonl")]
    assert len(ids) == 4 and len(set(ids)) == 4


def test_lines_that_are_not_records_are_moved_aside_once_and_rerun(tiny_config, tmp_path, caplog):
    config, out = str(tiny_config(epochs=2)), tmp_path / "run"
    args = ["run", config, "--out", str(out), "--quiet", "--jobs", "1", *SMALL]
    assert main(args) == 0
    cells = out / "cells.jsonl"
    lines = _lines(cells)
    broken = json.loads(lines[2])
    broken["status"] = "finished"
    strays = ['{"hello": "world"}', "[1, 2, 3]", json.dumps(broken), "not json at all"]
    cells.write_text("\n".join(lines[:2] + strays[:2] + lines[3:] + strays[2:]) + "\n")
    caplog.clear()
    assert main(args) == 0
    warnings = [r for r in caplog.records if "not cell records" in r.getMessage()]
    assert len(warnings) == 1 and "4 line(s)" in warnings[0].getMessage()
    assert _lines(out / "cells.rejected.jsonl") == strays
    ids = [json.loads(line)["id"] for line in _lines(cells)]
    assert len(ids) == 4 and len(set(ids)) == 4 and broken["id"] in ids  # its cell ran again
    caplog.clear()
    assert main(args) == 0 and main(["report", str(out)]) == 0
    assert not [r for r in caplog.records if "not cell records" in r.getMessage()]


def test_diverged_regression_sweep_renders_and_reports(tmp_path, capsys):
    """The shipped regression_1d at lr 0.05: [32, 32] diverges (inf loss) in both implementations."""
    out = tmp_path / "reg"
    assert main(["run", "regression_1d", "--set", "train.lr=0.05", "--set", "train.epochs=15", "--out", str(out),
                 "--quiet", "--jobs", "2"]) == 0
    records = RunStore(out).records()
    assert {r["impl"] for r in records if r["status"] == "diverged"} == {"numpy", "torch"}
    md = (out / "report.md").read_text()
    assert "non-finite loss at step" in md and "![loss_curves]" in md
    assert main(["report", str(out)]) == 0


def test_report_renders_every_recorded_state(tiny_config, tmp_path):
    """Curves with inf, NaN and huge values, a cell that raised, and a run where every cell diverged."""
    out = tmp_path / "run"
    assert main(["run", str(tiny_config(epochs=2)), "--out", str(out), "--quiet", "--jobs", "1",
                 "--set", "sweep.seed=[0]"]) == 0
    store = RunStore(out)
    records = store.records()
    curves = [[1.0, 1e200, 1e308, float("inf")], [float("nan")], [0.5, -1e300], [2.0, 1e150]]
    for k, rec in enumerate(records):
        rec.update(status="diverged", diverged_at=3 + k, final_loss=[float("inf"), float("nan"), -1e300, 1e150][k % 4])
        if k == 1:
            rec["metrics"] = {"train": None, "test": None}
        (store.curves_dir / f"{rec['id']}.json").write_text(json.dumps(curves[k % 4]))
    store.cells_path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["report", str(out)]) == 0  # every cell diverged
    assert "8 diverged" in (out / "report.md").read_text()
    records[0].update(status="error", error="RuntimeError: boom", metrics=None, diverged_at=None)
    store.cells_path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["report", str(out)]) == 0
    md = (out / "report.md").read_text()
    assert "error: RuntimeError: boom" in md and (out / "plots" / "loss_curves.png").exists()


def test_all_cells_errored_regression_run_reports(tmp_path):
    data = tmp_path / "x.toml"
    data.write_text('[data]\ndataset = "noisy_1d"\n[train]\nepochs = 1\n[sweep]\nimpl = ["numpy", "torch"]\n')
    out = tmp_path / "run"
    assert main(["run", str(data), "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    store = RunStore(out)
    records = [dict(r, status="error", error="OSError: disk", metrics=None, loss=None) for r in store.records()]
    store.cells_path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["report", str(out)]) == 0
    assert "2 error" in (out / "report.md").read_text()


def test_logistic_regression_hidden_empty_is_allowed_and_said(tmp_path):
    cfg = tmp_path / "lin.toml"
    cfg.write_text('[model]\nhidden = []\n[train]\nepochs = 2\n[data]\nparams = { C = 2, N = 20 }\n'
                   '[sweep]\nimpl = ["numpy", "torch"]\n')
    out = tmp_path / "lin"
    assert main(["run", str(cfg), "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    assert "logistic" in (out / "report.md").read_text()


def _alive(pids):
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def test_kill_9_of_the_parent_leaves_no_worker_behind(tiny_config, tmp_path):
    proc = _start(tiny_config(epochs=400), tmp_path / "run", "--jobs", "2")
    try:
        parent = psutil.Process(proc.pid)
        assert _wait_for(lambda: len(_lines(tmp_path / "run" / "cells.jsonl")) >= 1)
        children = [c.pid for c in parent.children(recursive=True)]
        assert len(children) >= 2  # the loky workers (and its resource tracker)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert _wait_for(lambda: not _alive(children), timeout=15), f"still running: {_alive(children)}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


HEAVY = ("torch", "sklearn", "matplotlib", "scipy", "pandas", "dask", "joblib")


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["run", "{bad}", "--out", "{out}"], ["run", "--jobs", "0"]])
def test_start_up_imports_nothing_heavy(argv, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[data]\nparams = { C = "three" }\n')
    argv = [a.format(bad=bad, out=tmp_path / "out") for a in argv]
    probe = ("import sys\nfrom experiments.cli import main\ncode = main(%r)\n"
             "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & set(%r)))\n" % (argv, HEAVY))
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "LOADED []" in done.stdout, done.stdout + done.stderr
