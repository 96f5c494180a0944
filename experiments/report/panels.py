"""The layout of a report's panel figures: rows are the values of the first swept key,
columns the values of the second - combined with every further swept key (``depth=2,
activation=tanh``), so that every grid point has its panel - and one seed is drawn where a
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
    """The panel layout of a figure: rows of ``results.group_axes[0]``, columns of the others
    combined (``col_axes``; ``col_axis`` is the first), over the run's records (errors left
    out). ``fixed`` is empty: every grid point has a panel."""

    def __init__(self, results: RunResults):
        records = [r for r in results.records if r["status"] != "error"]
        axes = results.group_axes
        self.row_axis = axes[0] if axes else None
        self.col_axis = axes[1] if len(axes) > 1 else None
        self.col_axes = list(axes[1:])
        self.names = short_axis_names(axes)
        self.rows = self._values(records, self.row_axis)
        self.cols = list(dict.fromkeys(self.col_of(r["keys"]) for r in records)) or [""]
        self.fixed: dict[str, str] = {}
        seeds = sorted({r["spec"]["seed"] for r in records})
        self.seed = seeds[0] if seeds else 0
        self.n_seeds = len(seeds)
        self.impls = results.impls  # display order: a panel shows the first one that has a record
        self._records = [r for r in records if all(self._label(r, a) == v for a, v in self.fixed.items())]

    @staticmethod
    def _label(rec, axis) -> str:
        return "" if axis is None else axis_label(rec["keys"].get(axis))

    def col_of(self, keys) -> str:
        """The column label of a grid point (``keys``: a record's keys or a summary row):
        the second key's value, or ``name=value, ...`` of every key after the first."""
        if len(self.col_axes) < 2:
            return axis_label(keys.get(self.col_axis)) if self.col_axis else ""
        return ", ".join(f"{self.names[a]}={axis_label(keys.get(a))}" for a in self.col_axes)

    @property
    def col_name(self) -> str:
        """The columns' axis label: the second key's short name, or "" when combined."""
        return self.names.get(self.col_axis, "") if len(self.col_axes) < 2 else ""

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
                and self.col_of(r["keys"]) == col]

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
        if len(self.col_axes) > 1:
            parts = [f"{self.names[self.row_axis]}={row}", col]
        return textwrap.fill(", ".join(parts), width=width, break_long_words=False, break_on_hyphens=False)

    def note(self, single_seed: bool = True) -> str:
        """What the panels hold fixed, as a clause for a caption ('' when nothing is)."""
        parts = [f"{self.names[a]} = {v}" for a, v in self.fixed.items()]
        if single_seed and self.n_seeds > 1:
            parts.append(f"seed {self.seed}")
        return ("Fixed: " + ", ".join(parts) + ".") if parts else ""
