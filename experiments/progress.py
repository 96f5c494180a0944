"""The reference models' share of a run's progress: a time budget said before they start
(each reference's estimate, and the subsample it trains on), and a progress line that moves
while a long fit runs (the bar's clock is redrawn every second; the references are counted
as references, beside the cells, not as cells)."""
from __future__ import annotations

import logging
import sys
import threading

from .training.baselines import ReferenceRun, reference_budget

__all__ = ["ReferenceProgress", "budget_lines", "duration"]

log = logging.getLogger(__name__)
TICK = 1.0  # seconds between redraws of the bar while references run


def duration(seconds: float) -> str:
    """``0.4 s``, ``38 s``, ``4.2 min``, ``1.5 h``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def budget_lines(runs: list[ReferenceRun], budgets: list[dict]) -> list[str]:
    """One line per reference run that is subsampled or estimated at 1 s or more (its name,
    the training points it fits and its estimate), and one line for the quick rest."""
    lines, quick = [], []
    for run, b in zip(runs, budgets):
        if b["seconds"] < 1 and b["n_used"] == b["n_train"]:
            quick.append(run.reference["name"])
            continue
        points = f"{b['n_used']:,} training points" if b["n_used"] == b["n_train"] else \
            f"a subsample of {b['n_used']:,} of {b['n_train']:,} training points (max_train)"
        lines.append(f"reference {run.reference['name']}: {points} x {b['n_features']:,} features, "
                     f"estimated ~{duration(b['seconds'])}")
    if quick:
        names = ", ".join(dict.fromkeys(quick))
        lines.append(f"{len(quick)} reference run{'s' * (len(quick) > 1)} ({names}), each estimated under 1 s")
    return lines


class ReferenceProgress:
    """Context manager around a run's progress ``bar`` (counting cells) for ``runs``:
    on entry it says each reference's budget (stderr, through the bar) and shows
    ``references 0/N`` beside the cells; ``finished(record)`` counts one; a thread redraws
    the bar every ``TICK`` seconds while references remain, so its clock moves."""

    def __init__(self, bar, runs: list[ReferenceRun], show: bool = True):
        self.bar, self.runs, self.show = bar, list(runs), show
        self.done, self.last = 0, ""
        self._stop = threading.Event()
        self._thread = None
        self.total_seconds = 0.0

    def __enter__(self):
        if not self.runs:
            return self
        budgets = [reference_budget(run) for run in self.runs]
        self.total_seconds = sum(b["seconds"] for b in budgets)
        for line in budget_lines(self.runs, budgets):
            log.info(line)
            if self.show:
                self.bar.write(line, file=sys.stderr)
        self._postfix()
        if self.show:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def _postfix(self) -> None:
        text = f"references {self.done}/{len(self.runs)} (~{duration(self.total_seconds)} estimated)"
        self.bar.set_postfix_str(text + (f", {self.last}" if self.last else ""), refresh=True)

    def _tick(self) -> None:
        while not self._stop.wait(TICK):
            self.bar.refresh()

    def finished(self, record: dict) -> None:
        """Count one finished reference run (its record)."""
        self.done += 1
        took = record.get("fit_time")
        self.last = f"{record['reference']['name']} fitted in {duration(took)}" if took is not None else \
            f"{record['reference']['name']} failed"
        self._postfix()
        if self.done >= len(self.runs):
            self._stop.set()

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return False
