"""``python -m experiments {run,report,compare,list,parity,grade}``.

Exit codes: 0 success; 1 some cell failed (run), parity outside tolerance (parity) or an
unexpected failure (its message; the traceback with ``-v``); 2 invalid input - config,
arguments, folders, a run folder in use - with a message naming the source and key, and
nothing written.

Only the standard library is imported here: ``--help``, ``list`` and refusing a bad config
stay fast; torch, scikit-learn and matplotlib load when a command needs them.
"""
from __future__ import annotations

import argparse
import logging
import shutil
import sys
import traceback
from pathlib import Path

__all__ = ["main", "build_parser"]


def _jobs(text: str) -> int:
    value = _int(text)
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(f"must be >= 1, or -1 for all cores, got {value}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def _at_least(low: int):
    def parse(text: str) -> int:
        value = _int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value
    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m experiments",
                                description="Compare the NumPy network (fcann2) with PyTorch (pt_deep).",
                                epilog="A cell estimated above the limits (memory 4 GB, 10,000,000 optimizer steps, "
                                       "1e13 multiply-adds) is refused; raise them in the config's [limits] table "
                                       "(max_memory_gb, max_steps, max_work) or with --set limits.KEY=VALUE.")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a sweep from a TOML config (default: the shipped 'default')",
                         description="Run a sweep from a TOML config. A config whose impl names a plug-in network "
                                     "(package.module:Class) makes the run import that module from the working "
                                     "directory, which runs its code: name only modules you trust.",
                         epilog="Cells estimated above the [limits] (max_memory_gb = 4, max_steps = 10,000,000, "
                                "max_work = 1e13) are refused; raise them in the config or with --set limits.KEY=VALUE.")
    run.add_argument("config", nargs="?", help="config file, or the name of a shipped config")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                     help="override a config value (type-checked like the file); repeatable")
    run.add_argument("--jobs", type=_jobs, default=None,
                     help="worker processes, or -1 for all usable cores (default); never more than the tasks")
    run.add_argument("--backend", choices=("loky", "dask"), default="loky",
                     help="local processes (loky) or a Dask cluster (dask)")
    run.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    run.add_argument("--engine", choices=("stacked", "cells"), default="stacked",  # runner.DEFAULT_ENGINE
                     help="stacked (default): train the cells that share data, depth and batch mode at once "
                          "(float64 numpy and torch; times amortised per model-step); cells: one task per cell")
    run.add_argument("--out", help="run folder (default: <output.dir>/<config name>)")
    run.add_argument("--fresh", action="store_true", help="discard finished cells and start over")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    run.add_argument("--wide", action="store_true", help="print every summary column (default: a compact table)")
    run.add_argument("-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)")

    rep = sub.add_parser("report", help="rebuild tables, plots and report of a run without training")
    rep.add_argument("run_dir")
    rep.add_argument("-v", "--verbose", action="count", default=0)

    cmp = sub.add_parser("compare", help="side-by-side test metrics of two or more runs, joined on their swept keys")
    cmp.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    cmp.add_argument("--out", default="results/compare", help="where compare.csv/.md go (default: results/compare)")
    cmp.add_argument("-v", "--verbose", action="count", default=0)

    sub.add_parser("list", help="list the shipped configs")

    par = sub.add_parser("parity", help="train numpy and torch in lockstep and compare every step")
    par.add_argument("config", nargs="?", help="config file or shipped name (default: 'parity')")
    par.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE")
    par.add_argument("--steps", type=_at_least(1),
                     help="number of SGD steps (default: the config's length; at most the config's limits.max_steps)")
    par.add_argument("--dtype", choices=("float64", "float32"), help="override train.dtype")
    par.add_argument("--tol", type=_positive_float, help="max |dTheta| allowed (default: 1e-9 float64, 1e-3 float32)")
    par.add_argument("--out", help="output folder (default: <output.dir>/parity[/<config name>])")
    par.add_argument("--rows", type=_at_least(0), default=12, help="table rows to print")
    par.add_argument("--impl", default="numpy", metavar="NAME",
                     help="the implementation checked against torch: numpy (default), cpp (the C++ network, "
                          "when built) or a plug-in network package.module:Class (see examples/my_mlp.py); naming "
                          "a module imports it from the working directory, which runs its code")
    par.add_argument("--point", action="append", default=[], metavar="KEY=VALUE",
                     help="check the grid point(s) of the sweep with these values; repeatable")
    par.add_argument("--all", action="store_true", help="check every grid point of the sweep")
    par.add_argument("-v", "--verbose", action="count", default=0)

    grd = sub.add_parser("grade", help="grade lab submissions (fcann2.py, pt_deep.py, layer classes, plug-ins) "
                                       "against the lab's network: one row each")
    grd.add_argument("paths", nargs="+", metavar="PATH", help="submission files or folders (a folder per student, "
                                                              "or one folder)")
    grd.add_argument("--out", default="results/grades", help="where grades.csv/.html go (default: results/grades)")
    grd.add_argument("--jobs", type=_jobs, default=2, help="submissions graded at once (default 2; -1 all cores)")
    grd.add_argument("--timeout", type=_positive_float, default=60.0, help="seconds per submission (default 60)")
    grd.add_argument("--memory", type=_at_least(256), default=2048, help="MB of memory per submission (default 2048)")
    grd.add_argument("-v", "--verbose", action="count", default=0)
    return p


def _setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _load(config: str | None, overrides: list[str], default: str, plugins: bool = False):
    """The validated config; with ``plugins``, its plug-in networks imported (which runs them)."""
    from .config.catalog import resolve_config_path
    from .config.load import import_plugins, load_config
    path = resolve_config_path(config or default)
    cfg = load_config(path, overrides)
    if plugins:
        import_plugins(cfg, str(path), overrides)
    return cfg


def _cmd_run(args) -> int:
    cfg = _load(args.config, args.overrides, "default", plugins=True)
    from .runner import run_sweep
    summary = run_sweep(cfg, out=args.out, jobs=args.jobs, backend=args.backend, scheduler=args.scheduler,
                        fresh=args.fresh, progress=not args.quiet, engine=args.engine)
    if not args.quiet:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts.items()))
        print(f"{cfg.name}: {summary.n_cells} cells ({summary.n_skipped} reused from an earlier run): {counts}")
        print(_tables_text(summary.tables, args.wide, terminal_width()))
        print(f"report: {summary.run_dir / 'report.html'}")
    return 1 if summary.failed else 0


def terminal_width() -> int:
    """Columns of the terminal the tables are printed to: ``COLUMNS`` when set, else the
    terminal's width, else (output not a terminal) 100; never below 60."""
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def _tables_text(tables: dict, wide: bool, width: int) -> str:
    """The run's summary (``wide``: every column) and reference tables, fitted to ``width``."""
    from .report.summary import table_text
    parts = []
    main = tables.get("wide" if wide else "compact")
    if main is not None:
        parts.append(table_text(main, tables["n_keys"], width))
    if tables.get("references") is not None:
        parts.append(table_text(tables["references"], 1, width, where="in every row"))
    return "\n\n".join(p for p in parts if p)


def _cmd_report(args) -> int:
    from .errors import UserInputError
    from .store.folder import check_run_folder, is_run_folder
    from .store.lock import run_lock
    run_dir = Path(args.run_dir)
    if not (run_dir / "config.toml").is_file() or not (is_run_folder(run_dir) or (run_dir / "cells.jsonl").is_file()):
        raise UserInputError(f"{run_dir} is not a run folder (no config.toml and cells.jsonl)")
    if is_run_folder(run_dir):
        check_run_folder(run_dir, option="report")  # no symlink at a name the report writes
    from .report.render import render_run
    with run_lock(run_dir):
        out = render_run(run_dir)
    print(f"report: {out['report_html']}")
    return 0


def _cmd_compare(args) -> int:
    from .report.compare import compare_runs, format_comparison, write_comparison
    from .store.owned import check_output_folder
    out = check_output_folder(args.out, "compare")  # before reading the runs
    table = compare_runs(args.run_dirs)
    print(f"test {table.attrs['metric']} per grid point (mean over seeds); Δ = run minus the first run")
    print(format_comparison(table, width=terminal_width()))
    paths = write_comparison(table, out)
    print(f"wrote {paths['csv']} and {paths['md']}")
    return 0


def _cmd_list(args) -> int:
    from .config.catalog import CONFIG_DIR, shipped_configs
    configs = shipped_configs()
    width = max((len(n) for n, _ in configs), default=4)
    print(f"shipped configs in {CONFIG_DIR}:")
    for name, description in configs:
        print(f"  {name:<{width}}  {description}")
    return 0


def _cmd_parity(args) -> int:
    from .errors import UserInputError
    cfg = _load(args.config, args.overrides, "parity")
    out = Path(args.out) if args.out else Path(cfg.output.dir) / "parity"
    if not args.out and cfg.name != "parity":
        out = out / cfg.name
    from .implementations import BUILTIN, OPTIONAL, unavailable
    if args.impl in OPTIONAL and unavailable(args.impl):
        raise UserInputError(f"--impl {args.impl}: not available on this machine: {unavailable(args.impl)}")
    from .parity.points import select_points
    points = select_points(cfg, args.point, args.all) if (args.point or args.all) else [({}, cfg)]
    if args.steps is not None:  # the config's own length was checked with it
        from .config.resources import limit_problems
        for _, point in points:
            for _, text in limit_problems(point, n_steps=args.steps, steps_key="--steps"):
                raise UserInputError(text)
    labels = [", ".join(f"{k}={v}" for k, v in keys.items()) for keys, _ in points]
    from .store.owned import check_output_folder, output_folder
    check_output_folder(out, "parity", [_slug(label) if label else "" for label in labels])
    if args.impl not in BUILTIN + OPTIONAL:
        from .implementations.plugin import load_plugin
        load_plugin(args.impl)  # imports (runs) the named module; refuse a missing or incomplete one before training
    from .parity.lockstep import lockstep
    from .parity.output import print_parity, write_parity
    failed, files = 0, None
    for label, (keys, point) in zip(labels, points):
        if label:
            print(f"== grid point {label}")
        result = lockstep(point, steps=args.steps, dtype=args.dtype, tolerance=args.tol, candidate=args.impl)
        folder = out / _slug(label) if label else out
        files = files or output_folder(out, "parity")
        paths = write_parity(result, folder, files)
        print_parity(result, rows=args.rows)
        print(f"wrote {paths['csv']} and {paths['plot']}")
        failed += not result.passed
    if len(points) > 1:
        print(f"{len(points) - failed} of {len(points)} grid points pass (agree or chaotic), {failed} fail")
    return 1 if failed else 0


def _cmd_grade(args) -> int:
    from .grading.grade import grade
    from .grading.table import summary_counts
    rows = grade(args.paths, args.out, jobs=args.jobs, timeout=args.timeout, memory_mb=args.memory)
    counts = ", ".join(f"{n} {v}" for v, n in sorted(summary_counts(rows).items()))
    print(f"{len(rows)} submissions: {counts}")
    print(f"wrote {Path(args.out) / 'grades.csv'} and {Path(args.out) / 'grades.html'}")
    return 0


def _slug(label: str) -> str:
    """A folder name for a grid point label (``model.hidden=[5], train.lr=0.1``)."""
    return "".join(c if c.isalnum() or c in "._=-" else "_" for c in label.replace(", ", "__"))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (argparse's own errors and ``--help`` included)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    verbose = getattr(args, "verbose", 0)
    _setup_logging(verbose)
    from .config.load import ConfigError
    from .errors import UserInputError
    try:
        return {"run": _cmd_run, "report": _cmd_report, "compare": _cmd_compare, "list": _cmd_list,
                "parity": _cmd_parity, "grade": _cmd_grade}[args.command](args)
    except ConfigError as exc:
        print(f"error: invalid config\n{exc}", file=sys.stderr)
        return 2
    except UserInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - not the user's fault: say what failed, exit 1
        if verbose:
            traceback.print_exc()
        print(f"error: the {args.command} failed: {type(exc).__name__}: {exc}"
              + ("" if verbose else " (-v shows the traceback)"), file=sys.stderr)
        return 1
