"""The resource estimate and its [limits] override, the worker count, and a Dask scheduler
that accepts connections but never answers."""
import socket
import threading
import time

import pytest

from experiments import runner
from experiments.cli import main
from experiments.config import ConfigError, parse_config
from experiments.config.resources import DEFAULT_LIMITS, estimate
from experiments.config.sweep import expand

BIG = {"model": {"hidden": [20000, 20000]}, "sweep": {}}


def test_limits_table_is_the_override():
    with pytest.raises(ConfigError, match="model.hidden: a cell needs about 25.8 GB"):
        parse_config(BIG)
    cfg = parse_config({**BIG, "limits": {"max_memory_gb": 64, "max_work": 1e15}})
    assert estimate(cfg).total_bytes > DEFAULT_LIMITS["max_memory_gb"] * 1e9


def test_limits_do_not_change_cell_ids():
    plain = parse_config({"train": {"epochs": 3}})
    raised = parse_config({"train": {"epochs": 3}, "limits": {"max_steps": 10**9, "max_work": 1e15}})
    assert [c.id for c in expand(plain)] == [c.id for c in expand(raised)]


def test_estimate_of_the_default_config():
    cfg = parse_config({"sweep": {}})  # gauss 3 x 100, 225 training rows, [2, 10, 3], batch 32, 100 epochs
    est = estimate(cfg)
    assert (est.n_params, est.batch, est.steps) == (63, 32, 800)
    assert est.work == 800 * 32 * 63 + 100 * 75 * 63


@pytest.mark.parametrize("jobs, tasks, expected", [(24, 1, 1), (24, 5, 5), (2, 5, 2), (1, 3, 1)])
def test_worker_count_is_capped_at_the_tasks(jobs, tasks, expected):
    assert runner.worker_count(jobs, tasks) == expected


def test_all_cores_means_the_usable_ones(monkeypatch):
    monkeypatch.setattr(runner, "usable_cores", lambda: 3)
    assert runner.worker_count(-1, 100) == 3 and runner.worker_count(-1, 2) == 2


def test_jobs_24_on_one_cell_starts_one_worker(tmp_path, monkeypatch):
    used = []
    real = runner.Parallel

    def recording(n_jobs, **kwargs):
        used.append(n_jobs)
        return real(n_jobs=n_jobs, **kwargs)

    monkeypatch.setattr(runner, "Parallel", recording)
    cfg = parse_config({"train": {"epochs": 1}, "sweep": {"impl": ["numpy"]}, "output": {"plot_resolution": 20}})
    runner.run_sweep(cfg, out=tmp_path / "run", jobs=24, progress=False, render=False)
    assert used == [1]


@pytest.fixture
def silent_scheduler():
    """A TCP server that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in held:
        conn.close()


def test_silent_scheduler_is_refused_within_the_timeout(silent_scheduler, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT", 2)
    start = time.monotonic()
    code = main(["run", "--out", str(tmp_path / "out"), "--quiet", "--backend", "dask", "--scheduler", silent_scheduler])
    assert code == 2 and time.monotonic() - start < 10
    assert f"--scheduler {silent_scheduler}: no Dask scheduler answered within 2 s" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
