"""Tables, plots and the report of a run, rebuilt from what is stored (no training):
``report.md`` (readable on GitHub) and a self-contained ``report.html`` (images embedded)."""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from data_utils.datasets.registry import DATASETS

from .config import load_config
from .grid_parity import point_verdicts
from .errors import UserInputError
from .run_plots import render_plots
from .store import RunStore
from .sweep import expand
from .tables import cells_frame, format_summary, metric_names, summary_frame

__all__ = ["render_run", "RunOutputs"]


class RunOutputs(dict):
    """Paths written by ``render_run``: ``tables``, ``plots``, ``report_md``, ``report_html``."""


def _records_in_order(store: RunStore, cells) -> list[dict]:
    by_id = {rec["id"]: rec for rec in store.records()}
    return [by_id[c.id] for c in cells if c.id in by_id]


def render_run(run_dir: str | Path) -> RunOutputs:
    """Rebuild tables, plots and reports of the run in ``run_dir`` from its stored files.

    Call with the run's lock held (``run_lock``): lines of ``cells.jsonl`` that are not
    records are moved aside first. A folder that is not a run raises ``UserInputError``.
    """
    store = RunStore(run_dir)
    if not store.config_path.is_file():
        raise UserInputError(f"{run_dir} is not a run folder (no config.toml)")
    cfg = load_config(store.config_path)
    store.repair()
    cells = expand(cfg)
    records = _records_in_order(store, cells)
    axes = [a for a in cfg.grid_axes if a != "impl"]
    group_axes = [a for a in axes if a != "seed"]
    task = DATASETS[cfg.data.dataset].task
    test_metric, _ = metric_names(task)
    store.tables_dir.mkdir(parents=True, exist_ok=True)
    store.plots_dir.mkdir(parents=True, exist_ok=True)
    cells_df = cells_frame(records, axes, task)
    tables = {"cells_csv": store.tables_dir / "cells.csv"}
    cells_df.to_csv(tables["cells_csv"], index=False)
    summary = pretty = None
    if records:
        summary = summary_frame(cells_df, group_axes, task)
        if {"numpy", "torch"} <= set(cells_df["impl"]):
            verdicts = point_verdicts(records, store, group_axes)
            summary = summary.merge(verdicts, on=group_axes, how="left") if group_axes else \
                summary.assign(**verdicts.iloc[0].to_dict())
        pretty = format_summary(summary, group_axes, task)
        tables["summary_csv"] = store.tables_dir / "summary.csv"
        tables["summary_md"] = store.tables_dir / "summary.md"
        summary.to_csv(tables["summary_csv"], index=False)
        tables["summary_md"].write_text(pretty.to_markdown(index=False) + "\n")
    plots = render_plots(store, records, summary, group_axes, task, test_metric, cfg.output.plot_resolution)
    env = json.loads(store.env_path.read_text()) if store.env_path.exists() else {}
    context = _context(cfg, cells, records, cells_df, env)
    report_md = store.root / "report.md"
    report_md.write_text(_markdown(context, pretty, plots, store.root))
    report_html = store.root / "report.html"
    report_html.write_text(_html(context, pretty, cells_df, plots))
    return RunOutputs(tables=tables, plots=plots, report_md=report_md, report_html=report_html)


def _context(cfg, cells, records, cells_df, env) -> dict:
    counts = cells_df["status"].value_counts().to_dict() if len(cells_df) else {}
    problems = cells_df[cells_df["status"] != "ok"] if len(cells_df) else cells_df
    linear = not cfg.model.hidden or [] in cfg.sweep_axes.get("model.hidden", [])
    notes = ["hidden = [] (shown as 'none'): no hidden layer, i.e. logistic (softmax) regression."] if linear else []
    return {"name": cfg.name, "description": cfg.description, "notes": notes, "n_cells": len(cells), "n_done": len(records),
            "counts": counts, "axes": cfg.sweep_axes, "env": env, "problems": problems,
            "base": f"dataset {cfg.data.dataset} {cfg.data.params or ''}, {_hidden(cfg.model.hidden)}, "
                    f"{cfg.model.activation}, init {cfg.model.init}, lr {cfg.train.lr}, batch {cfg.train.batch_size}, "
                    f"{'epochs ' + str(cfg.train.epochs) if cfg.train.epochs else 'n_iter ' + str(cfg.train.n_iter)}, "
                    f"weight decay {cfg.train.weight_decay}, {cfg.train.dtype}"}


def _hidden(hidden: list[int]) -> str:
    return f"hidden {hidden}" if hidden else "no hidden layer (hidden = []: logistic regression)"


def _status_line(ctx) -> str:
    counts = ", ".join(f"{v} {k}" for k, v in sorted(ctx["counts"].items())) or "none"
    return f"{ctx['n_done']} of {ctx['n_cells']} cells finished ({counts})."


def _problem_rows(ctx) -> list[str]:
    rows = []
    for _, r in ctx["problems"].iterrows():
        if r["status"] == "error":
            what = r["error"] or "no message"
        else:
            what = "non-finite loss" + ("" if pd.isna(r["diverged_at"]) else f" at step {int(r['diverged_at'])}")
        rows.append(f"{r['impl']} {r['id']}: {r['status']}: {what}")
    return rows


def _markdown(ctx, pretty: pd.DataFrame | None, plots: list[Path], root: Path) -> str:
    env = ctx["env"]
    lines = [f"# {ctx['name']}", ""]
    if ctx["description"]:
        lines += [ctx["description"], ""]
    lines += [f"Base run: {ctx['base']}.", "",
              "Sweep: " + "; ".join(f"`{k}` = {v}" for k, v in ctx["axes"].items()) + ".", "",
              _status_line(ctx), ""] + [f"Note: {n}\n" for n in ctx["notes"]]
    if pretty is not None:
        lines += ["## Summary (mean ± std over seeds)", "", pretty.to_markdown(index=False), ""]
    problems = _problem_rows(ctx)
    if problems:
        lines += ["## Cells that did not finish normally", ""] + [f"- {p}" for p in problems] + [""]
    if plots:
        lines += ["## Plots", ""] + [f"![{p.stem}]({p.relative_to(root).as_posix()})" for p in plots] + [""]
    if env:
        lines += ["## Environment", "", f"Python {env.get('python')}, {env.get('cpu')} ({env.get('cpu_count')} cores), "
                  f"git {env.get('git_commit') or 'unknown'}; " +
                  ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items() if v), ""]
    return "\n".join(lines)


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<figure><img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}"><figcaption>{html.escape(path.stem)}</figcaption></figure>'


def _html(ctx, pretty: pd.DataFrame | None, cells_df: pd.DataFrame, plots: list[Path]) -> str:
    e = html.escape
    env = ctx["env"]
    parts = [f"<h1>{e(ctx['name'])}</h1>"]
    if ctx["description"]:
        parts.append(f"<p>{e(ctx['description'])}</p>")
    parts.append(f"<p>Base run: {e(ctx['base'])}.</p>")
    parts.append("<p>Sweep: " + "; ".join(f"<code>{e(k)}</code> = {e(str(v))}" for k, v in ctx["axes"].items()) + "</p>")
    parts.append(f"<p>{e(_status_line(ctx))}</p>")
    parts += [f"<p>Note: {e(n)}</p>" for n in ctx["notes"]]
    if pretty is not None:
        parts += ["<h2>Summary (mean ± std over seeds)</h2>", pretty.to_html(index=False, border=0, classes="table")]
    problems = _problem_rows(ctx)
    if problems:
        parts += ["<h2>Cells that did not finish normally</h2><ul>"] + [f"<li>{e(p)}</li>" for p in problems] + ["</ul>"]
    parts += ["<h2>Plots</h2>"] + [_img(p) for p in plots]
    if len(cells_df):
        parts += ["<h2>All cells</h2>", cells_df.drop(columns=["error"]).to_html(index=False, border=0, classes="table",
                                                                                 float_format=lambda v: f"{v:.4g}")]
    if env:
        parts += ["<h2>Environment</h2>", f"<pre>{e(json.dumps(env, indent=2))}</pre>"]
    style = ("body{font-family:sans-serif;max-width:1400px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #ddd}"
             "img{max-width:100%}figure{margin:1em 0}")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(ctx['name'])}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n")
