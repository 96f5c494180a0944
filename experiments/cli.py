"""``python -m experiments {run,report,list,parity}``.

Exit codes: 0 success; 1 some cell failed (run) or parity outside tolerance (parity);
2 invalid config or arguments (nothing is written).
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m experiments",
                                description="Compare the NumPy network (fcann2) with PyTorch (pt_deep).")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a sweep from a TOML config (default: the shipped 'default')")
    run.add_argument("config", nargs="?", help="config file, or the name of a shipped config")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                     help="override a config value (type-checked like the file); repeatable")
    run.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    run.add_argument("--backend", choices=("loky", "dask"), default="loky",
                     help="local processes (loky) or a Dask cluster (dask)")
    run.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://127.0.0.1:8786")
    run.add_argument("--out", help="run folder (default: <output.dir>/<config name>)")
    run.add_argument("--fresh", action="store_true", help="discard finished cells and start over")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    run.add_argument("-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)")

    rep = sub.add_parser("report", help="rebuild tables, plots and report of a run without training")
    rep.add_argument("run_dir")
    rep.add_argument("-v", "--verbose", action="count", default=0)

    sub.add_parser("list", help="list the shipped configs")

    par = sub.add_parser("parity", help="train numpy and torch in lockstep and compare every step")
    par.add_argument("config", nargs="?", help="config file or shipped name (default: 'parity')")
    par.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE")
    par.add_argument("--steps", type=int, help="number of SGD steps (default: the config's length)")
    par.add_argument("--dtype", choices=("float64", "float32"), help="override train.dtype")
    par.add_argument("--tol", type=float, help="max |dTheta| allowed (default: 1e-9 float64, 1e-3 float32)")
    par.add_argument("--out", help="output folder (default: <output.dir>/parity[/<config name>])")
    par.add_argument("--rows", type=int, default=12, help="table rows to print")
    par.add_argument("-v", "--verbose", action="count", default=0)
    return p


def _setup_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _load(config: str | None, overrides: list[str], default: str):
    from .catalog import resolve_config_path
    from .config import load_config
    return load_config(resolve_config_path(config or default), overrides)


def _cmd_run(args) -> int:
    from .runner import run_sweep
    cfg = _load(args.config, args.overrides, "default")
    if args.jobs is not None and args.jobs == 0:
        raise ValueError("--jobs must be a positive number of workers (or negative, joblib-style), got 0")
    summary = run_sweep(cfg, out=args.out, jobs=args.jobs, backend=args.backend, scheduler=args.scheduler,
                        fresh=args.fresh, progress=not args.quiet)
    if not args.quiet:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts.items()))
        print(f"{cfg.name}: {summary.n_cells} cells ({summary.n_skipped} reused from an earlier run): {counts}")
        summary_md = summary.run_dir / "tables" / "summary.md"
        if summary_md.exists():
            print(summary_md.read_text())
        print(f"report: {summary.run_dir / 'report.html'}")
    return 1 if summary.failed else 0


def _cmd_report(args) -> int:
    from .report import render_run
    out = render_run(args.run_dir)
    print(f"report: {out['report_html']}")
    return 0


def _cmd_list(args) -> int:
    from .catalog import CONFIG_DIR, shipped_configs
    configs = shipped_configs()
    width = max((len(n) for n, _ in configs), default=4)
    print(f"shipped configs in {CONFIG_DIR}:")
    for name, description in configs:
        print(f"  {name:<{width}}  {description}")
    return 0


def _cmd_parity(args) -> int:
    from .parity import lockstep
    from .parity_output import print_parity, write_parity
    cfg = _load(args.config, args.overrides, "parity")
    if args.steps is not None and args.steps < 1:
        raise ValueError(f"--steps must be >= 1, got {args.steps}")
    if args.tol is not None and not args.tol > 0:
        raise ValueError(f"--tol must be > 0, got {args.tol}")
    result = lockstep(cfg, steps=args.steps, dtype=args.dtype, tolerance=args.tol)
    out = Path(args.out) if args.out else Path(cfg.output.dir) / "parity"
    if not args.out and cfg.name != "parity":
        out = out / cfg.name
    paths = write_parity(result, out)
    print_parity(result, rows=args.rows)
    print(f"wrote {paths['csv']} and {paths['plot']}")
    return 0 if result.passed else 1


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(getattr(args, "verbose", 0))
    from .config import ConfigError
    try:
        return {"run": _cmd_run, "report": _cmd_report, "list": _cmd_list, "parity": _cmd_parity}[args.command](args)
    except ConfigError as exc:
        print(f"error: invalid config\n{exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
