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

from ..implementations import BUILTIN
from .agreement import pair_agreement, verdict_line, verdict_reasons, verdict_tone
from ..parity.grid import pair_verdicts, point_verdicts
from .animation import write_animation
from .figures import FIGURES, Drawing, draw, figure_kinds
from .panels import Panels
from .page import render_html, render_markdown
from ..store.results import RunResults
from .summary import grid_table, reference_table, reload_table, table_text
from ..store.frames import summary_frame

__all__ = ["render_run", "RunOutputs", "ReportContent"]

log = logging.getLogger(__name__)


class RunOutputs(dict):
    """Paths written by ``render_run``: ``tables``, ``plots``, ``report_md``, ``report_html``;
    and ``frames``: the text tables as frames (``compact``, ``wide``, ``references``; ``n_keys``
    grid-key columns lead the first two), for printing at a terminal's width."""


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


def _write_tables(results: RunResults, cells: pd.DataFrame, verdicts: pd.DataFrame,
                  summary: pd.DataFrame | None) -> tuple[dict, pd.DataFrame | None]:
    """``tables/``: cells, the summary frame (``summary``, with a parity verdict per grid
    point) and the text summaries."""
    tables_dir, files = results.store.tables_dir, results.store.files
    tables = {"cells_csv": tables_dir / "cells.csv"}
    files.write(tables["cells_csv"], cells.to_csv(index=False))
    if not results.records:
        return tables, None
    points = point_verdicts(results, verdicts)
    if len(points.columns) > len(results.group_axes):  # a parity verdict per grid point (and plug-in)
        summary = summary.merge(points, on=results.group_axes, how="left") if results.group_axes \
            else summary.assign(**points.iloc[0].to_dict())
    files.write(tables_dir / "summary.csv", summary.to_csv(index=False))
    tables["summary_csv"] = tables_dir / "summary.csv"
    columns = results.summary_columns
    wide = grid_table(cells, verdicts, results.records, results.group_axes, results.task, wide=True, columns=columns)
    compact = grid_table(cells, verdicts, results.records, results.group_axes, results.task, columns=columns)
    for key, name, text in (("summary_md", "summary.md", wide.to_markdown(index=False)),
                            ("summary_txt", "summary.txt", table_text(compact, len(results.group_axes))),
                            ("summary_wide_txt", "summary_wide.txt", wide.to_markdown(index=False, tablefmt="simple"))):
        tables[key] = tables_dir / name
        files.write(tables[key], text + "\n")
    tables["frames"] = {"compact": compact, "wide": wide, "n_keys": len(results.group_axes)}
    return tables, compact


def _write_side_table(results: RunResults, tables: dict, stem: str, frame: pd.DataFrame) -> pd.DataFrame | None:
    """``tables/<stem>.{csv,md,txt}`` of ``frame``, or ``None`` (and no such files) when it is empty."""
    tables_dir, files = results.store.tables_dir, results.store.files
    if frame.empty:
        for ext in ("csv", "md", "txt"):  # of an earlier config that had them (only the runner's own)
            files.remove(tables_dir / f"{stem}.{ext}")
        return None
    for ext, text in (("csv", frame.to_csv(index=False)), ("md", frame.to_markdown(index=False) + "\n"),
                      ("txt", frame.to_markdown(index=False, tablefmt="simple") + "\n")):
        tables[f"{stem}_{ext}"] = files.write(tables_dir / f"{stem}.{ext}", text)
    return frame


def render_run(run_dir: str | Path, jobs: int = 1) -> RunOutputs:
    """Rebuild tables, plots and reports of the run in ``run_dir`` from its stored files.

    Call with the run's lock held (``run_lock``): lines of ``cells.jsonl`` that are not
    records are moved aside first. A folder that is not a run raises ``UserInputError``.
    ``jobs``: processes drawing the figures (joblib's current backend; 1: here, in turn).
    """
    results = RunResults(run_dir)
    results.store.adopt()  # a folder from before the manifest: list the runner's files first
    cells = results.cells_frame()
    all_verdicts = pair_verdicts(results)          # every implementation against torch
    verdicts = pair_agreement(all_verdicts)        # numpy's
    summary = summary_frame(cells, results.group_axes, results.task) if results.records else None
    tables, compact = _write_tables(results, cells, all_verdicts, summary)
    plots_dir, files = results.store.plots_dir, results.store.files
    files.folder(plots_dir)
    for rel in files.owned():  # the runner's figures of an earlier layout or grid (never the user's)
        if rel.startswith("plots/"):
            files.remove(results.store.root / rel)
    references = reference_table(results.references, results.records, results.group_axes, results.task)
    shown = set(BUILTIN) <= set(results.impls)  # the numpy-torch line; plug-ins have their columns
    content = ReportContent(results, cells, compact, verdict_line(verdicts, results.task) if shown else "",
                            _write_side_table(results, tables, "references", references),
                            _write_side_table(results, tables, "reload",
                                              reload_table(cells, results.group_axes, results.task)),
                            verdict_tone=verdict_tone(verdicts),
                            verdict_reasons=verdict_reasons(verdicts, results.records) if shown else [])
    kinds = figure_kinds(results)
    drawing = Drawing(results, Panels(results), summary, verdicts)
    if jobs == 1 or len(kinds) < 2:
        drawn = {kind: draw(drawing, kind) for kind in kinds}
    else:  # the slowest first, so that no worker is left with a slow one at the end
        order = sorted(kinds, key=lambda kind: -FIGURES[kind].cost)
        drawn = dict(zip(order, Parallel(n_jobs=min(jobs, len(kinds)))(delayed(draw)(drawing, kind)
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
    files.write(report_md, render_markdown(content, env))
    files.write(report_html, render_html(content, env))
    frames = tables.pop("frames", {})
    if content.references is not None:
        frames["references"] = content.references
    return RunOutputs(tables=tables, frames=frames, plots=[p for p, _, _ in content.figures], report_md=report_md,
                      report_html=report_html)
