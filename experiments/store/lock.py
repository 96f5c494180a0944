"""An exclusive lock on a run folder, held while a run (or ``report``) writes into it.

``fcntl.flock`` on ``LOCK_FILE`` inside the folder: the kernel releases it when the holder
exits or is killed, so a lock left by a killed run is free again and the next run simply
takes it (the file itself stays; ``--fresh`` never removes it). The holder writes its PID
into the file so that a refused run can say who holds it.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path

from ..errors import UserInputError
from .folder import LOCK_FILE
from .owned import open_regular

__all__ = ["RunFolderBusy", "run_lock"]

log = logging.getLogger(__name__)


class RunFolderBusy(UserInputError):
    """Another process is running in (or rendering) this folder."""


def _holder(fd: int) -> str:
    return os.pread(fd, 64, 0).decode(errors="replace").strip()


@contextlib.contextmanager
def run_lock(folder: str | Path):
    """Hold the lock of ``folder`` (created if needed) for the ``with`` block, or raise
    ``RunFolderBusy`` naming the PID that holds it (``FolderError`` when the lock path is
    a symlink or not a regular file)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # /proc/x, /sys/x: nothing was created
        raise UserInputError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None
    fd = open_regular(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd) or "unknown"
        os.close(fd)
        raise RunFolderBusy(f"{folder} is in use by another run (PID {holder}); wait for it to end, "
                            "or choose another --out") from None
    try:
        if previous := _holder(fd):
            log.info("%s: taking over the lock left by PID %s, which has ended", folder, previous)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
