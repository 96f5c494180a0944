"""The report's figure kinds, declared once: how each is drawn, for which tasks, and what it
costs (the slowest are drawn first when kinds are drawn in parallel processes). The page
shows them in this order."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from data_utils.plots import save_figure

from .charts import confusion_plot, heatmap_plot, loss_curve_plot, regression_plot
from .images import hardest_examples_plot, weight_image_plot
from .panels import Panels, Plot
from .surfaces import difference_plot, hidden_unit_plot, reference_surface_plot, surface_plot
from ..store.results import RunResults
from .ranking import best_cell, worst_cell

__all__ = ["Drawing", "FigureKind", "FIGURES", "figure_kinds", "draw"]


@dataclass
class Drawing:
    """What every figure is drawn from, built once per report: the run, its panel layout,
    the summary frame (``store.frames.summary_frame``) and the pair verdicts shown."""
    results: RunResults
    panels: Panels
    summary: pd.DataFrame | None
    verdicts: pd.DataFrame


@dataclass(frozen=True)
class FigureKind:
    """One kind of figure: ``draw(drawing) -> [Plot | None]``, the ``tasks`` it is drawn
    for, and ``cost`` (CPU seconds measured on the default sweep: the drawing order)."""
    draw: Callable[[Drawing], list[Plot | None]]
    tasks: tuple[str, ...]
    cost: float


def _hidden_units(d: Drawing) -> list[Plot | None]:
    """The first layer's units at the best grid point and, when it is another cell, at the
    worst (``ranking``: one rule with the confusion matrix), where dead units show."""
    drawn = [r for r in d.results.records if r["impl"] == "numpy" and r["status"] == "ok"
             and "grid_rect" in d.results.outputs(r)]
    best, worst = best_cell(drawn), worst_cell(drawn)
    if best is None:
        return []
    plots = [hidden_unit_plot(d.results, best, "best")]
    if worst is not None and worst["id"] != best["id"]:
        plots.append(hidden_unit_plot(d.results, worst, "worst"))
    return plots


_BOTH, _CLASSIFICATION = ("classification", "regression"), ("classification",)
FIGURES = {  # page order
    "heatmaps": FigureKind(lambda d: [heatmap_plot(d.results, d.panels, d.summary, d.verdicts)], _BOTH, 0.4),
    "surfaces": FigureKind(lambda d: [surface_plot(d.results, d.panels)], _CLASSIFICATION, 0.5),
    "difference": FigureKind(lambda d: [difference_plot(d.results, d.panels)], _CLASSIFICATION, 0.5),
    "reference_surface": FigureKind(lambda d: [reference_surface_plot(d.results)], _CLASSIFICATION, 0.05),
    "hidden_units": FigureKind(_hidden_units, _CLASSIFICATION, 0.5),
    "weight_images": FigureKind(lambda d: [weight_image_plot(d.results, d.panels)], _CLASSIFICATION, 0.45),
    "loss_curves": FigureKind(lambda d: [loss_curve_plot(d.results, d.panels)], _BOTH, 0.9),
    "regression": FigureKind(lambda d: [regression_plot(d.results, d.panels)], ("regression",), 0.45),
    "confusion": FigureKind(lambda d: [confusion_plot(d.results)], _CLASSIFICATION, 0.1),
    "hardest_examples": FigureKind(lambda d: [hardest_examples_plot(d.results)], _CLASSIFICATION, 0.2),
}


def figure_kinds(results: RunResults) -> list[str]:
    """The kinds drawn for ``results`` in page order (none when every cell failed)."""
    if not any(r["status"] != "error" for r in results.records):
        return []
    return [kind for kind, spec in FIGURES.items() if results.task in spec.tasks]


def draw(drawing: Drawing, kind: str) -> list[tuple[Path, str, str]]:
    """Build and save the figures of ``kind``: ``(png, caption, section)`` each."""
    plots = [p for p in FIGURES[kind].draw(drawing) if p is not None]
    store = drawing.results.store
    return [(store.files.write_with(store.plots_dir / f"{p.name}.png", lambda tmp, fig=p.figure: save_figure(fig, tmp)),
             p.caption, p.section) for p in plots]
