"""Workers that do not outlive the run: a loky worker initializer that ends the worker
soon after the process that started it is gone (e.g. killed with ``kill -9``, which no
clean-up handler sees). loky itself would keep an idle worker for ``idle_worker_timeout``
(300 s) and a busy one until its task ends."""
from __future__ import annotations

import os
import threading
import time

__all__ = ["exit_with_parent", "PARENT_POLL_SECONDS"]

PARENT_POLL_SECONDS = 0.5


def exit_with_parent() -> None:
    """Start a daemon thread that exits this process once its parent has changed (the
    parent died and the worker was re-parented); portable, unlike ``PR_SET_PDEATHSIG``."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(70)  # no clean-up: nobody is left to receive results

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
