"""What every form's probe shares, in the child process: the grading settings, seeding
the student's random sources the same way before every call, capturing what student code
prints, and turning a student's exception into one line that names their file and line."""
from __future__ import annotations

import contextlib
import io
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

__all__ = ["Settings", "StudentError", "reseed", "student_call", "SEED", "to_numpy", "onehot"]

SEED = 12345
_OUTPUT_LIMIT = 200_000


@dataclass(frozen=True)
class Settings:
    """One step's hyperparameters (large enough for each convention to move every tensor
    far beyond float32 rounding) and the lab run's (accuracy and thumbnail)."""

    lr: float = 0.1
    lam: float = 0.1
    hidden: int = 5
    steps: int = 3
    lab_niter: int = 2000
    lab_lr: float = 0.05
    lab_lam: float = 1e-3


class StudentError(Exception):
    """Student code raised (or exited); the message names the call, exception and line."""


def _student_line(tb, file: str) -> str:
    frames = [f for f in traceback.extract_tb(tb) if f.filename == file] or traceback.extract_tb(tb)[-1:]
    return f" ({frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""


class _Limited(io.StringIO):
    def write(self, s):
        if self.tell() < _OUTPUT_LIMIT:
            return super().write(s)
        return len(s)


_original_default_rng = np.random.default_rng
_draws = [0]


def _seeded_default_rng(seed=None):
    """``np.random.default_rng()`` without a seed, made reproducible: the n-th unseeded
    Generator since the last ``reseed`` gets seed ``SEED + n``."""
    if seed is None:
        _draws[0] += 1
        seed = SEED + _draws[0]
    return _original_default_rng(seed)


def reseed() -> None:
    """The same random state for every call: NumPy's global state, ``random``, torch (if
    loaded) and unseeded ``default_rng()`` Generators."""
    np.random.seed(SEED)
    random.seed(SEED)
    _draws[0] = 0
    np.random.default_rng = _seeded_default_rng
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(SEED)


def student_call(what: str, file: str, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` reseeded, its output captured; returns ``(value, printed)``.
    Any exception - ``SystemExit`` included - becomes ``StudentError``."""
    out = _Limited()
    reseed()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(_Limited()), np.errstate(all="ignore"):
            value = fn(*args, **kwargs)
    except SystemExit as exc:
        raise StudentError(f"{what} called sys.exit({exc.code!r})") from None
    except MemoryError:
        raise StudentError(f"{what} ran out of memory (the grader's memory limit)") from None
    except BaseException as exc:  # noqa: BLE001 - student code: anything becomes the row
        raise StudentError(f"{what} raised {type(exc).__name__}: {str(exc)[:200]}"
                           f"{_student_line(exc.__traceback__, file)}") from None
    return value, out.getvalue()


def to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def onehot(y: np.ndarray, C: int) -> np.ndarray:
    out = np.zeros((len(y), C))
    out[np.arange(len(y)), y] = 1.0
    return out
