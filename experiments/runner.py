"""Running a sweep: expand, skip finished cells, train the rest in parallel (joblib: local
processes or a Dask cluster), append each result as it arrives, then render outputs."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from joblib import Parallel, delayed, parallel_config
from tqdm.auto import tqdm

from .config.load import ExperimentConfig, cell_matches, import_plugins
from .errors import UserInputError
from .training.orphans import exit_with_parent
from .store.folder import check_run_folder, clear_run_folder
from .training.baselines import ReferenceRun, expand_references, train_reference
from .progress import ReferenceProgress
from .store.lock import run_lock
from .store.cells import RunStore
from .config.sweep import Cell, expand
from .parity.grid import pair_verdicts
from .parity.sweep_lockstep import plan, run_job
from .store.drift import write_drift
from .store.results import RunResults

__all__ = ["run_sweep", "SweepSummary", "run_dir_for", "check_jobs", "worker_count", "SCHEDULER_TIMEOUT", "ENGINES",
           "DEFAULT_ENGINE"]

log = logging.getLogger(__name__)
ENGINES = ("cells", "stacked")
# The faster one (README "Engines"): the default sweep in 9-12 s against 32-53 s per cell.
DEFAULT_ENGINE = "stacked"
SCHEDULER_TIMEOUT = 10  # seconds to wait for a Dask scheduler before refusing the run


@dataclass
class SweepSummary:
    run_dir: Path
    n_cells: int
    n_skipped: int
    counts: dict[str, int] = field(default_factory=dict)  # status -> number of cells (all, incl. skipped)
    tables: dict = field(default_factory=dict)  # the text tables as frames (``render_run``'s ``frames``)

    @property
    def failed(self) -> bool:
        """True when any cell errored (diverged cells are results, not failures)."""
        return self.counts.get("error", 0) > 0


def run_dir_for(cfg: ExperimentConfig, out: str | Path | None = None) -> Path:
    return Path(out) if out is not None else Path(cfg.output.dir) / cfg.name


def _identity(cell: Cell) -> dict:
    return {"id": cell.id, "pair": cell.pair, "impl": cell.impl, "keys": cell.keys, "spec": cell.spec}


def _job(cell: Cell, animate: bool = False, note: str | None = None) -> list[dict]:
    from .training.cell import train_cell  # in the worker: the parent never loads the trainers
    record = {**_identity(cell), **train_cell(cell.config, animate=animate)}
    return [{**record, "engine_note": note} if note else record]


def _reference_job(run: ReferenceRun) -> list[dict]:
    return [train_reference(run)]


def _stack_job(cells: list[Cell]) -> list[dict]:
    from .training.stacked import run_group
    return [{**_identity(c), **rec} for c, rec in zip(cells, run_group(cells))]


def animated_cell(cfg: ExperimentConfig, cells: list[Cell]) -> str | None:
    """Id of the cell whose training ``[output] animation`` records: the first numpy cell
    matching ``output.animation_cell`` (grid keys), else the first cell; ``None`` when off."""
    if not cfg.output.animation or not cells:
        return None
    wanted = cfg.output.animation_cell
    matching = [c for c in cells if cell_matches(wanted, c.keys, c.spec)] or cells
    return next((c.id for c in matching if c.impl == "numpy"), matching[0].id)


def check_jobs(jobs: int | None) -> int:
    """``jobs`` as joblib's ``n_jobs``: ``None`` or -1 is all cores, else it must be >= 1."""
    if jobs is None or jobs == -1:
        return -1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise UserInputError(f"--jobs: must be >= 1, or -1 for all cores, got {jobs!r}")
    return jobs


def worker_count(jobs: int, n_tasks: int) -> int:
    """Worker processes for ``n_tasks`` tasks: ``jobs`` (-1: the usable cores), never more
    than there are tasks (``--jobs 24`` on one cell starts one worker). An explicit ``--jobs``
    above the core count is honoured (``run_sweep`` warns): the workers then share the cores."""
    return max(1, min(usable_cores() if jobs == -1 else jobs, n_tasks))


def usable_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


async def _probe(scheduler: str) -> None:
    """Start and close an asynchronous client under a deadline: ``Client``'s own ``timeout``
    covers the TCP connection, not a server that accepts it and never answers."""
    from dask.distributed import Client
    client = Client(scheduler, asynchronous=True, timeout=SCHEDULER_TIMEOUT, set_as_default=False)
    try:
        await asyncio.wait_for(asyncio.ensure_future(client), SCHEDULER_TIMEOUT)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.close(), 1)


def _connect(scheduler: str):
    """A Dask client for ``scheduler``, or ``UserInputError`` after ``SCHEDULER_TIMEOUT``."""
    from dask.distributed import Client
    try:
        asyncio.run(_probe(scheduler))
        return Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise UserInputError(f"--scheduler {scheduler}: no Dask scheduler answered within {SCHEDULER_TIMEOUT} s "
                             f"({type(exc).__name__}: {exc})") from None


def run_sweep(cfg: ExperimentConfig, *, out: str | Path | None = None, jobs: int | None = None,
              backend: str = "loky", scheduler: str | None = None, fresh: bool = False,
              progress: bool = True, render: bool = True, engine: str = DEFAULT_ENGINE) -> SweepSummary:
    """Run every unfinished cell of ``cfg`` and (with ``render``) write tables, plots, report.

    ``jobs``: worker processes (default: all cores). ``backend``: "loky" (local processes)
    or "dask" (``scheduler`` is the address of a dask.distributed scheduler). ``engine``:
    "stacked" (the default: cells that can share a stack train at once, see ``stacked``;
    the others per cell) or "cells" (one task per cell).

    Invalid arguments, a plug-in network that does not import, a folder that is not a run
    (or cannot be made), a folder in use by another run and an unreachable scheduler raise
    ``UserInputError`` before anything is written. The folder
    is locked (``run_lock``) before ``fresh`` clears it and held until the report is done.
    """
    n_jobs = check_jobs(jobs)
    if n_jobs > usable_cores():
        log.warning("--jobs %d: more workers than the %d usable cores; they will share them", n_jobs, usable_cores())
    if engine not in ENGINES:
        raise UserInputError(f"--engine: must be one of {', '.join(ENGINES)}, got {engine!r}")
    if backend not in ("loky", "dask"):
        raise UserInputError(f"--backend: must be 'loky' or 'dask', got {backend!r}")
    if (backend == "dask") != bool(scheduler):
        raise UserInputError("--backend dask needs --scheduler ADDRESS" if backend == "dask"
                             else "--scheduler: only used with --backend dask")
    import_plugins(cfg)  # a plug-in network is imported (its code runs) only by the run that trains it
    run_dir = check_run_folder(run_dir_for(cfg, out))  # refuse before anything is written
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(_connect(scheduler)) if backend == "dask" else None
        stack.enter_context(run_lock(run_dir))
        check_run_folder(run_dir)  # again, now that no other run can change it
        if fresh:
            RunStore(run_dir).adopt()  # a folder from before the manifest: list the runner's files first
            removed = clear_run_folder(run_dir)
            log.info("--fresh: removed %d files of this runner from %s", len(removed), run_dir)
        store = RunStore(run_dir)
        store.create(cfg)
        cells = expand(cfg)
        store.write_grid([c.id for c in cells])
        done = store.finished_ids()
        todo = [c for c in cells if c.id not in done]
        log.info("%s: %d cells, %d already finished, %d to run", cfg.name, len(cells), len(cells) - len(todo),
                 len(todo))
        references = expand_references(cfg, cells)
        finished_refs = {r["id"] for r in store.reference_records()}
        refs_todo = [r for r in references if r.id not in finished_refs]
        if references:
            log.info("%s: %d reference runs, %d to run", cfg.name, len(references), len(refs_todo))
        if todo or refs_todo:
            _execute(todo, store, cfg, jobs=n_jobs, client=client, progress=progress,
                     animated=animated_cell(cfg, cells), engine=engine, references=refs_todo)
        _classify_differences(run_dir, cells, jobs=n_jobs, client=client)
        wanted = {c.id for c in cells}
        counts: dict[str, int] = {}
        for rec in store.records():
            if rec["id"] in wanted:
                counts[rec["status"]] = counts.get(rec["status"], 0) + 1
        tables = {}
        if render:
            from .report.render import render_run
            trained_here = client is None and bool(todo or refs_todo)
            with _workers(client):  # the worker processes that trained, already started, draw the figures
                tables = render_run(run_dir, jobs=worker_count(n_jobs, len(todo) + len(refs_todo))
                                    if trained_here else 1).get("frames", {})
    return SweepSummary(run_dir, len(cells), len(cells) - len(todo), counts, tables)


def _classify_differences(run_dir: Path, cells: list[Cell], *, jobs: int, client) -> None:
    """Run the lockstep with its one-ulp baseline for the pairs of cells that differ beyond
    the tolerance and have no drift evidence yet, within ``sweep_lockstep.BUDGET_SECONDS``
    (in the workers: the parent never loads torch); store each in ``drift/``."""
    results = RunResults(run_dir)
    todo, over = plan(results, cells, pair_verdicts(results))
    if over:
        log.warning("%d pair%s of cells differ beyond the tolerance and would take ~%.0f s more to classify than the "
                    "budget allows: their verdict is 'unknown' (the report names the parity command)", len(over),
                    "s" * (len(over) != 1), sum(j.seconds for j in over))
    if not todo:
        return
    log.info("classifying %d differing pairs with the lockstep and its one-ulp baseline (~%.0f s)", len(todo),
             sum(j.seconds for j in todo))
    with _workers(client):
        for found in Parallel(n_jobs=worker_count(jobs, len(todo)), return_as="generator_unordered")(
                delayed(run_job)(j) for j in todo):
            write_drift(results.store.files, found["pair"], found["impl"], found)


def _workers(client):
    """joblib's backend for a run: the Dask cluster of ``client``, or local loky processes.
    The same settings each time, so that loky reuses its worker processes (and their imports)."""
    if client is not None:
        return parallel_config(backend="dask")
    # inner_max_num_threads=1: workers' BLAS pools get one thread; torch is set per cell.
    return parallel_config(backend="loky", inner_max_num_threads=1, initializer=exit_with_parent)


def _execute(todo: list[Cell], store: RunStore, cfg: ExperimentConfig, *, jobs: int, client, progress: bool,
             animated: str | None = None, engine: str = DEFAULT_ENGINE, references: list[ReferenceRun] = ()) -> None:
    if engine == "stacked":
        from .training.stacked import group_cells, longest_first
        stacks, alone = group_cells([c for c in todo if c.id != animated])
        if animated in {c.id for c in todo}:  # it records frames through the per-cell trainer's callback
            alone.setdefault("ran per cell: it records the animation", []).extend(c for c in todo if c.id == animated)
        log.info("stacked engine: %d stacks of %s cells, %d cells alone", len(stacks),
                 "/".join(str(len(s)) for s in stacks) or "0", sum(map(len, alone.values())))
        tasks = [delayed(_stack_job)(s) for s in longest_first(stacks)]
        tasks += [delayed(_job)(c, c.id == animated, note) for note, cells in alone.items() for c in cells]
    else:
        tasks = [delayed(_job)(cell, cell.id == animated) for cell in todo]
    tasks += [delayed(_reference_job)(run) for run in references]
    if client is not None:
        log.info("dask: %s", client)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_workers(client))
        bar = stack.enter_context(tqdm(total=len(todo), desc=cfg.name, unit="cell", disable=not progress,
                                       file=sys.stderr))
        refs = stack.enter_context(ReferenceProgress(bar, references, progress))
        n_jobs = jobs if client is not None else worker_count(jobs, len(tasks))
        _consume(Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks), store, bar, refs)


def _consume(results, store: RunStore, bar, refs: ReferenceProgress) -> None:
    notes: dict[str, list[str]] = {}  # engine note -> its cells' ids, said once at the end
    engines: set[str] = set()
    for records in results:
        for record in records:
            if record.get("kind") == "reference":
                store.append_reference(record)
                if record["status"] != "ok":
                    log.warning("reference %s: %s", record["reference"]["name"], record["error"])
                refs.finished(record)
                continue
            store.append(record)
            if record["status"] != "ok":
                log.warning("cell %s (%s): %s %s", record["id"], record["impl"], record["status"],
                            record.get("error") or f"at step {record.get('diverged_at')}")
            if record.get("engine_note"):
                notes.setdefault(record["engine_note"], []).append(record["id"])
            engines.add(record.get("time_engine", "cells"))
            bar.update(1)
    _say_engine_notes(notes, stacked="stacked" in engines)


def _say_engine_notes(notes: dict[str, list[str]], stacked: bool) -> None:
    """The cells the stacked engine ran per cell: each reason with its cells' ids in the
    log (``-v``), and at most one warning that says what to do - when a stack failed, or
    when the run's times mix per-cell and per-model-step timings."""
    for note, ids in notes.items():
        log.info("stacked engine: %d cell%s %s: %s", len(ids), "s" * (len(ids) != 1), note, ", ".join(ids))
    failed = sum(len(ids) for note, ids in notes.items() if note.startswith("stack failed"))
    alone = sum(len(ids) for ids in notes.values())
    if failed:
        log.warning("stacked engine: a stack failed and its %d cells ran per cell (their results are valid); "
                    "please report it with the run log (-v names the cells and the error)", failed)
    elif alone and stacked:
        reasons = "; ".join(dict.fromkeys(note.removeprefix("ran per cell: ") for note in notes))
        log.warning("stacked engine: %d cells ran per cell (%s): their µs/step are per cell, the others' per "
                    "model-step; to compare times, run with --engine cells (-v lists the cells)", alone, reasons)
