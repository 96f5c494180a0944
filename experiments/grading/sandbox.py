"""One submission file in its own process: a fresh interpreter (``experiments.grading.child``)
started in an empty temporary working directory, with a wall-clock time limit (the whole
process group is killed), an address-space limit (``RLIMIT_AS``), a CPU-time backstop,
no stdin, one BLAS thread and the Agg backend. Whatever happens becomes a result dict:
a crash, a hang, running out of memory or ``os._exit`` included.

The result comes back as data only (``result_file``: JSON, never a pickle) from a file
outside the child's working directory: reading it runs nothing, whatever student code
wrote there. This isolates accidents, not malice: student code runs as the grading user.
"""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["run_isolated", "PROJECT_ROOT"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _limits(memory_mb: int, cpu_seconds: int):
    def apply():
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    return apply


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                                                if p])
    env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    return env


def run_isolated(file: Path, data_path: Path, *, timeout: float, memory_mb: int) -> dict:
    """The child's result for ``file``, or ``{"status": "error"|"timeout", "message": ...}``."""
    from .result_file import ResultFileError, load_result
    with tempfile.TemporaryDirectory(prefix="grade-") as work, \
            tempfile.TemporaryDirectory(prefix="grade-result-") as result_dir:
        out = Path(result_dir) / "result.json"
        cmd = [sys.executable, "-m", "experiments.grading.child", str(file), str(data_path), str(out)]
        proc = subprocess.Popen(cmd, cwd=work, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True,
                                preexec_fn=_limits(memory_mb, int(timeout) + 1))
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"status": "timeout", "message": f"no result within the time limit ({timeout:g} s): a hang, "
                                                    "an endless loop or a hard-coded long training"}
        if out.is_file():
            try:
                return load_result(out)
            except ResultFileError as exc:
                return {"status": "error", "stage": "process", "message": str(exc)}
        tail = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
        if proc.returncode < 0:
            sig = signal.Signals(-proc.returncode).name
            why = {"SIGKILL": " (the memory or CPU limit?)", "SIGXCPU": " (the CPU-time limit)"}.get(sig, "")
            return {"status": "error", "stage": "process", "message": f"the process was killed by {sig}{why}"}
        return {"status": "error", "stage": "process",
                "message": f"the process ended (exit code {proc.returncode}) without a result"
                           + (f": {tail[0][:200]}" if tail else "")}
