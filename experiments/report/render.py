"""Tables, plots and the report of a run, rebuilt from its folder alone (no training, no
dataset loading, no torch): ``tables/``, ``plots/``, ``report.md`` (readable on GitHub) and
a self-contained ``report.html`` (images embedded, no network fetches)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

from data_utils.plots import save_figure

from .agreement import pair_agreement, verdict_line, verdict_reasons, verdict_tone
from ..parity.grid import pair_verdicts, point_verdicts
from .animation import write_animation
from .charts import confusion_plot, heatmap_plot, loss_curve_plot, regression_plot
from .panels import Grid, Plot
from .images import hardest_examples_plot, weight_image_plot
from .page import render_html, render_markdown
from .surfaces import difference_plot, hidden_unit_plot, reference_surface_plot, surface_plot
from ..store.results import RunResults
from .summary import fit_to_width, grid_table, reference_table, reload_table
from ..store.frames import summary_frame

__all__ = ["render_run", "RunOutputs", "ReportContent"]

log = logging.getLogger(__name__)


class RunOutputs(dict):
    """Paths written by ``render_run``: ``tables``, ``plots``, ``report_md``, ``report_html``."""


@dataclass
class ReportContent:
    """Everything the page shows, in reading order."""
    results: RunResults
    cells: pd.DataFrame
    summary: pd.DataFrame | None
    verdict: str
    references: pd.DataFrame | None = None  # the reference models' rows (``reference_table``)
    reload: pd.DataFrame | None = None      # the saved-weights check per cell (``reload_table``)
    figures: list[tuple[Path, str, str]] = field(default_factory=list)  # (image, caption, section)
    verdict_tone: str = "good"              # the verdict's colour: good, warn, bad (``verdict_tone``)
    verdict_reasons: list[str] = field(default_factory=list)  # why the pairs that do not agree do not


def _write_tables(results: RunResults, cells: pd.DataFrame, verdicts: pd.DataFrame) -> tuple[dict, pd.DataFrame | None]:
    tables_dir = results.store.tables_dir
    tables_dir.mkdir(parents=True, exist_ok=True)
    tables = {"cells_csv": tables_dir / "cells.csv"}
    cells.to_csv(tables["cells_csv"], index=False)
    if not results.records:
        return tables, None
    summary = summary_frame(cells, results.group_axes, results.task)
    points = point_verdicts(results, verdicts)
    if len(points.columns) > len(results.group_axes):  # a parity verdict per grid point (and plug-in)
        summary = summary.merge(points, on=results.group_axes, how="left") if results.group_axes \
            else summary.assign(**points.iloc[0].to_dict())
    summary.to_csv(tables_dir / "summary.csv", index=False)
    tables["summary_csv"] = tables_dir / "summary.csv"
    columns = results.summary_columns
    wide = grid_table(cells, verdicts, results.records, results.group_axes, results.task, wide=True, columns=columns)
    compact = grid_table(cells, verdicts, results.records, results.group_axes, results.task, columns=columns)
    for key, name, text in (("summary_md", "summary.md", wide.to_markdown(index=False)),
                            ("summary_txt", "summary.txt", fit_to_width(compact, len(results.group_axes))),
                            ("summary_wide_txt", "summary_wide.txt", wide.to_markdown(index=False, tablefmt="simple"))):
        tables[key] = tables_dir / name
        tables[key].write_text(text + "\n")
    return tables, compact


def _write_side_table(results: RunResults, tables: dict, stem: str, frame: pd.DataFrame) -> pd.DataFrame | None:
    """``tables/<stem>.{csv,md,txt}`` of ``frame``, or ``None`` (and no such files) when it is empty."""
    tables_dir = results.store.tables_dir
    if frame.empty:
        for old in tables_dir.glob(f"{stem}.*"):  # of an earlier config that had them
            old.unlink()
        return None
    for ext in ("csv", "md", "txt"):
        tables[f"{stem}_{ext}"] = tables_dir / f"{stem}.{ext}"
    frame.to_csv(tables[f"{stem}_csv"], index=False)
    tables[f"{stem}_md"].write_text(frame.to_markdown(index=False) + "\n")
    tables[f"{stem}_txt"].write_text(frame.to_markdown(index=False, tablefmt="simple") + "\n")
    return frame


def _hidden_units(results: RunResults, grid: Grid) -> list[Plot | None]:
    best = _best_surface_cell(results, grid)
    return [] if best is None else [hidden_unit_plot(results, grid, *best)]


# The report's figures in page order, by kind: (results, grid, verdicts) -> plots. Each kind
# is drawn on its own (``_draw``), so the kinds can be drawn in parallel processes.
_FIGURES = {
    "heatmaps": lambda r, g, v: [heatmap_plot(r, g, summary_frame(r.cells_frame(), r.group_axes, r.task), v)],
    "surfaces": lambda r, g, v: [surface_plot(r, g)],
    "difference": lambda r, g, v: [difference_plot(r, g)],
    "reference_surface": lambda r, g, v: [reference_surface_plot(r)],
    "hidden_units": lambda r, g, v: _hidden_units(r, g),
    "weight_images": lambda r, g, v: [weight_image_plot(r, g)],
    "loss_curves": lambda r, g, v: [loss_curve_plot(r, g)],
    "regression": lambda r, g, v: [regression_plot(r, g)],
    "confusion": lambda r, g, v: [confusion_plot(r)],
    "hardest_examples": lambda r, g, v: [hardest_examples_plot(r)],
}


# measured on the default sweep (CPU s): surfaces 0.5, loss curves 0.9, difference 0.5, hidden units 0.5,
# heatmaps 0.4, confusion 0.1
_SLOWEST_FIRST = ("loss_curves", "surfaces", "difference", "hidden_units", "weight_images", "regression", "heatmaps",
                  "hardest_examples", "confusion", "reference_surface")


def _figure_kinds(results: RunResults) -> list[str]:
    if not any(r["status"] != "error" for r in results.records):
        return []
    if results.task == "classification":
        return ["heatmaps", "surfaces", "difference", "reference_surface", "hidden_units", "weight_images",
                "loss_curves", "confusion", "hardest_examples"]
    return ["heatmaps", "loss_curves", "regression"]


def _draw(run_dir: Path, kind: str, verdicts: pd.DataFrame) -> list[tuple[Path, str, str]]:
    """Build and save the figures of ``kind`` from the run folder: ``(png, caption, section)``."""
    results = RunResults(run_dir)
    plots = [p for p in _FIGURES[kind](results, Grid(results), verdicts) if p is not None]
    return [(save_figure(p.figure, results.store.plots_dir / f"{p.name}.png"), p.caption, p.section) for p in plots]


def _best_surface_cell(results: RunResults, grid: Grid):
    """The numpy cell (drawn seed) with the best test accuracy among those with a surface."""
    best = None
    for row in grid.rows:
        for col in grid.cols:
            rec = grid.get(row, col, "numpy")
            acc = (((rec or {}).get("metrics") or {}).get("test") or {}).get("accuracy")
            if acc is not None and "grid_rect" in results.outputs(rec) and (best is None or acc > best[0]):
                best = (acc, rec, grid.label(row, col) or "the only grid point")
    return None if best is None else best[1:]


def render_run(run_dir: str | Path, jobs: int = 1) -> RunOutputs:
    """Rebuild tables, plots and reports of the run in ``run_dir`` from its stored files.

    Call with the run's lock held (``run_lock``): lines of ``cells.jsonl`` that are not
    records are moved aside first. A folder that is not a run raises ``UserInputError``.
    ``jobs``: processes drawing the figures (joblib's current backend; 1: here, in turn).
    """
    results = RunResults(run_dir)
    cells = results.cells_frame()
    all_verdicts = pair_verdicts(results)          # every implementation against torch
    verdicts = pair_agreement(all_verdicts)        # numpy's
    tables, compact = _write_tables(results, cells, all_verdicts)
    plots_dir = results.store.plots_dir
    plots_dir.mkdir(parents=True, exist_ok=True)
    for old in [*plots_dir.glob("*.png"), *plots_dir.glob("*.gif")]:  # figures of an earlier layout or grid
        old.unlink()
    references = reference_table(results.references, results.records, results.group_axes, results.task)
    shown = len(results.impls) == 2
    content = ReportContent(results, cells, compact, verdict_line(verdicts, results.task) if shown else "",
                            _write_side_table(results, tables, "references", references),
                            _write_side_table(results, tables, "reload",
                                              reload_table(cells, results.group_axes, results.task)),
                            verdict_tone=verdict_tone(verdicts),
                            verdict_reasons=verdict_reasons(verdicts, results.records) if shown else [])
    kinds = _figure_kinds(results)
    if jobs == 1 or len(kinds) < 2:
        drawn = {kind: _draw(results.store.root, kind, verdicts) for kind in kinds}
    else:  # the slowest first, so that no worker is left with a slow one at the end
        order = sorted(kinds, key=lambda kind: _SLOWEST_FIRST.index(kind))
        drawn = dict(zip(order, Parallel(n_jobs=jobs)(delayed(_draw)(results.store.root, kind, verdicts)
                                                      for kind in order)))
    for kind in kinds:
        content.figures.extend(drawn[kind])
    animation = write_animation(results, plots_dir / "animation.gif")
    if animation is not None:
        content.figures.append((*animation, "animation"))
    env_path = results.store.env_path
    env = json.loads(env_path.read_text()) if env_path.exists() else {}
    root = results.store.root
    report_md, report_html = root / "report.md", root / "report.html"
    report_md.write_text(render_markdown(content, env))
    report_html.write_text(render_html(content, env))
    return RunOutputs(tables=tables, plots=[p for p, _, _ in content.figures], report_md=report_md,
                      report_html=report_html)
