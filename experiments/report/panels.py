"""The layout of a report's panel figures: rows and columns are the values of the two main
swept keys; further keys are fixed to their first value, and one seed is drawn where a
panel shows a single run (curves use every seed)."""
from __future__ import annotations

import textwrap

from dataclasses import dataclass

from matplotlib.figure import Figure

from ..store.results import RunResults, short_axis_names
from ..store.frames import axis_label

__all__ = ["Panels", "Plot"]


@dataclass
class Plot:
    """One figure of the report: file stem, the Figure, a caption (sentences), its section."""
    name: str
    figure: Figure
    caption: str
    section: str


class Panels:
    """The panel layout of a figure: rows x columns of ``results.group_axes[:2]`` over the
    run's records (errors left out). Not the sweep's grid: further axes are fixed here."""

    def __init__(self, results: RunResults):
        records = [r for r in results.records if r["status"] != "error"]
        axes = results.group_axes
        self.row_axis = axes[0] if axes else None
        self.col_axis = axes[1] if len(axes) > 1 else None
        self.names = short_axis_names(axes)
        self.rows = self._values(records, self.row_axis)
        self.cols = self._values(records, self.col_axis)
        self.fixed = {a: self._values(records, a)[0] for a in axes[2:]}
        seeds = sorted({r["spec"]["seed"] for r in records})
        self.seed = seeds[0] if seeds else 0
        self.n_seeds = len(seeds)
        self.impls = results.impls  # display order: a panel shows the first one that has a record
        self._records = [r for r in records if all(self._label(r, a) == v for a, v in self.fixed.items())]

    @staticmethod
    def _label(rec, axis) -> str:
        return "" if axis is None else axis_label(rec["keys"].get(axis))

    @staticmethod
    def _values(records, axis) -> list[str]:
        out = []
        for rec in records:
            label = Panels._label(rec, axis)
            if label not in out:
                out.append(label)
        return out or [""]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.cols)

    def all_seeds(self, row: str, col: str, impl: str) -> list[dict]:
        """Records of one grid point and implementation, every seed."""
        return [r for r in self._records if r["impl"] == impl and self._label(r, self.row_axis) == row
                and self._label(r, self.col_axis) == col]

    def get(self, row: str, col: str, impl: str) -> dict | None:
        """The record drawn for one grid point and implementation (the first seed)."""
        return next((r for r in self.all_seeds(row, col, impl) if r["spec"]["seed"] == self.seed), None)

    def first(self, row: str, col: str) -> dict | None:
        """The drawn record of the first implementation (display order) that has one here."""
        return next((r for r in (self.get(row, col, impl) for impl in self.impls) if r), None)

    def first_seeds(self, row: str, col: str) -> list[dict]:
        """Every seed's record of the first implementation (display order) that has any here."""
        return next((recs for recs in (self.all_seeds(row, col, impl) for impl in self.impls) if recs), [])

    def label(self, row: str, col: str, width: int = 34) -> str:
        """``hidden=20, lr=0.3`` for a panel title, wrapped at ``width`` characters so a
        title never runs past its panel."""
        parts = [f"{self.names[a]}={v}" for a, v in ((self.row_axis, row), (self.col_axis, col)) if a]
        return textwrap.fill(", ".join(parts), width=width, break_long_words=False, break_on_hyphens=False)

    def note(self, single_seed: bool = True) -> str:
        """What the panels hold fixed, as a clause for a caption ('' when nothing is)."""
        parts = [f"{self.names[a]} = {v}" for a, v in self.fixed.items()]
        if single_seed and self.n_seeds > 1:
            parts.append(f"seed {self.seed}")
        return ("Fixed: " + ", ".join(parts) + ".") if parts else ""
