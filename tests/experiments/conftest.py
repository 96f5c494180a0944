import os
import signal
import subprocess
import sys
import time

import pytest

TINY = """
name = "tiny"
description = "a tiny sweep for tests"

[data]
dataset = "gauss"
params = {{ C = 2, N = 20 }}
standardize = true

[model]
hidden = [3]

[train]
lr = 0.1
batch_size = 8
epochs = {epochs}

[output]
plot_resolution = 30

[sweep]
model.hidden = [3, 5]
train.lr = [0.1, 0.5]
seed = [0, 1]
impl = ["numpy", "torch"]
"""


@pytest.fixture
def tiny_config(tmp_path):
    def make(epochs=5, extra=""):
        path = tmp_path / "tiny.toml"
        path.write_text(TINY.format(epochs=epochs) + extra)
        return path
    return make


@pytest.fixture
def small():
    """``run`` options for a small sweep of ``tiny_config``: one grid point, numpy and torch, one process."""
    return ["--quiet", "--jobs", "1", "--set", "sweep.seed=[0]", "--set", "sweep.model.hidden=[3]",
            "--set", "sweep.train.lr=[0.1]"]


@pytest.fixture
def finished_run(tiny_config, tmp_path, small):
    """A small finished run folder (2 cells, one epoch)."""
    from experiments.cli import main
    out = tmp_path / "run"
    assert main(["run", str(tiny_config(epochs=1)), "--out", str(out), *small]) == 0
    return out


@pytest.fixture
def kill_run_after():
    """``kill(config_path, out, lines, *run_args)``: start ``python -m experiments run`` into
    ``out``, SIGKILL its process group once ``cells.jsonl`` holds ``lines`` lines (or after
    two minutes) and return how many it holds."""
    def kill(config_path, out, lines: int, *run_args) -> int:
        proc = subprocess.Popen([sys.executable, "-m", "experiments", "run", str(config_path), "--out", str(out),
                                 "--quiet", *run_args], start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cells = out / "cells.jsonl"
        deadline = time.time() + 120
        while time.time() < deadline:
            if cells.exists() and len(cells.read_text().splitlines()) >= lines:
                break
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return len(cells.read_text().splitlines()) if cells.exists() else 0
    return kill
