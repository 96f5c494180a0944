"""The lockstep runs a sweep makes for its pairs of cells that differ beyond the tolerance.

A difference between two cells is not a verdict by itself: rounding amplified by chaotic
dynamics and a bug both make one. After the cells finish, the runner runs the lockstep with
its one-ulp baseline (``parity.lockstep.lockstep``) on each such pair's grid point - the
cell's own validated config, so the same data, seed, parameters, schedule and length -
with the pair's implementation as the candidate, and stores its ``Evidence`` in
``drift/<pair>-<impl>.json``; ``parity.grid`` reads it. The report never trains.

Budget: a lockstep steps four trainings (candidate, reference, and the reference twice for
the baseline) one step at a time in one process; ``estimate_seconds`` prices a pair from
its records, and the pairs are run cheapest first while their estimates add up to at most
``BUDGET_SECONDS`` per run. A pair above the budget keeps the verdict ``unknown``, whose
reason names the ``parity CONFIG --point ...`` command that classifies it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from ..implementations import REFERENCE

__all__ = ["LockstepJob", "plan", "run_job", "estimate_seconds", "BUDGET_SECONDS", "STEP_OVERHEAD_SECONDS"]

BUDGET_SECONDS = 120.0        # estimated lockstep time per run, summed over pairs
STEP_OVERHEAD_SECONDS = 5e-3  # one lockstep step of 4 trainings: Python, copies, comparisons (measured: spiral [20, 20])
_FLOPS = 1e9                  # multiply-adds per second assumed for one training's forward + backward


@dataclass(frozen=True)
class LockstepJob:
    pair: str
    impl: str
    config: object     # the candidate cell's validated ExperimentConfig
    keys: dict         # its grid values (with impl)
    seconds: float     # the estimate


def estimate_seconds(a: dict, b: dict) -> float:
    """Estimated lockstep time of the pair of records ``a`` (candidate), ``b`` (reference):
    steps x (``STEP_OVERHEAD_SECONDS`` + 4 trainings x the slower of the recorded time per
    step and ~6 x parameters x batch rows multiply-adds)."""
    steps = max(int(r.get("n_steps") or 0) for r in (a, b))
    batch = a["spec"]["train"].get("batch_size")
    rows = batch if isinstance(batch, int) and not isinstance(batch, bool) else 1000  # "full": rows unknown here, a guess
    flops = 6.0 * float(a.get("n_params") or 0) * rows / _FLOPS
    per_step = max(float(r.get("time_per_step") or 0.0) for r in (a, b))
    return steps * (STEP_OVERHEAD_SECONDS + 4 * max(per_step, flops))


def plan(results, cells, verdicts, budget: float = BUDGET_SECONDS) -> tuple[list[LockstepJob], list[LockstepJob]]:
    """``(to run, over budget)``: a job per row of ``verdicts`` (``parity.grid.pair_verdicts``)
    that a lockstep would decide, cheapest first; ``cells`` are the run's ``config.sweep.Cell``."""
    by_pair = {}
    for rec in results.records:
        by_pair.setdefault(rec["pair"], {})[rec["impl"]] = rec
    cell_of = {(c.pair, c.impl): c for c in cells}
    jobs = []
    for row in verdicts[verdicts["needs_lockstep"]].itertuples():
        cell, recs = cell_of.get((row.pair, row.impl)), by_pair.get(row.pair, {})
        if cell is None or row.impl not in recs or REFERENCE not in recs:
            continue
        jobs.append(LockstepJob(row.pair, row.impl, cell.config, cell.keys,
                                estimate_seconds(recs[row.impl], recs[REFERENCE])))
    jobs.sort(key=lambda j: j.seconds)
    run, total = [], 0.0
    for job in jobs:
        if total + job.seconds > budget:
            break
        run.append(job)
        total += job.seconds
    return run, jobs[len(run):]


def run_job(job: LockstepJob) -> dict:
    """Run one lockstep (in a worker: it loads torch) and return what ``drift/`` stores."""
    from .lockstep import lockstep
    start = time.perf_counter()
    result = lockstep(job.config, candidate=job.impl)
    return {"pair": job.pair, "impl": job.impl, "keys": job.keys, "verdict": result.kind,
            "estimate_seconds": job.seconds, "seconds": time.perf_counter() - start,
            "evidence": result.evidence().to_dict()}
