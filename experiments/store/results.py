"""A finished (or partly finished) run, read from its folder alone: the stored config
(as plain TOML, not re-validated: its data may be elsewhere), the grid's cell records in
grid order, and each cell's curves, parameters, outputs and drawn data. Neither the
datasets nor the implementations are loaded, so this works on a copied folder without
torch."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

from ..config.keys import flatten
from ..implementations import ordered
from ..errors import UserInputError
from ..config.baselines import reference_id
from .cells import RunStore, data_key
from ..config.columns import SUMMARY_COLUMNS
from .frames import axis_label, cells_frame, metric_names

__all__ = ["RunResults", "short_axis_names"]


def _lookup(spec: dict, path: str):
    value = spec
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def short_axis_names(axes: list[str]) -> dict[str, str]:
    """``train.lr`` -> ``lr``, unless two axes end alike (then the full path)."""
    last = [a.split(".")[-1] for a in axes]
    return {a: (s if last.count(s) == 1 else a) for a, s in zip(axes, last)}


class RunResults:
    """The records and side files of the run in ``run_dir``; ``repair`` (which needs the
    run's lock) sets damaged cells aside first, else unusable lines are only skipped.

    Attributes: ``store``, ``config`` (the stored TOML as a dict), ``name``,
    ``description``, ``sweep`` (flattened ``{axis: values}``), ``axes`` (grid axes without
    ``impl``), ``group_axes`` (without ``seed`` either), ``records`` (grid order), ``n_cells``
    (cells in the grid), ``references`` (the reference models' records: per reference of
    the config and data spec of the grid, in that order), ``task``, ``test_metric`` and
    ``summary_columns`` (the ``[output] columns`` asked for), ``set_aside`` (ids of grid
    cells without a record whose line is in ``cells.rejected.jsonl``: damaged, to be rerun).
    """

    def __init__(self, run_dir: str | Path, repair: bool = True):
        self.store = RunStore(run_dir)
        if not self.store.config_path.is_file():
            raise UserInputError(f"{run_dir} is not a run folder (no config.toml)")
        if repair:  # with the run's lock: set damaged cells aside (``RunStore.repair``)
            self.store.repair()
        self._data: dict[str, dict] = {}
        try:
            self.config = tomllib.loads(self.store.config_path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise UserInputError(f"{self.store.config_path}: not the run's TOML config ({exc}); "
                                 "it was damaged or replaced") from None
        self.name = self.config.get("name") or Path(run_dir).name
        self.description = self.config.get("description", "")
        self.sweep = flatten(self.config.get("sweep", {}))
        variants = self.config.get("variants") or []
        grid_axes = (["variant"] if variants else []) + list(self.sweep)
        self.axes = [a for a in grid_axes if a != "impl"]
        self.group_axes = [a for a in self.axes if a != "seed"]
        self.records, self.n_cells = self._grid_records()
        finished = {r["id"] for r in self.records}
        rejected = self.store.rejected_ids()
        self.set_aside = [i for i in (self.store.grid_ids() or []) if i not in finished and i in rejected]
        self.references = self._reference_records()
        self.task = self._task()
        self.test_metric = metric_names(self.task)[0]
        columns = (self.config.get("output") or {}).get("columns") or []
        self.summary_columns = tuple(c for c in columns if c in SUMMARY_COLUMNS)

    def _grid_records(self) -> tuple[list[dict], int]:
        records = self.store.records()
        ids = self.store.grid_ids()
        if ids is None:  # a folder from before grid.json: every record, sorted by grid values
            return sorted(records, key=lambda r: json.dumps([r["keys"].get(a) for a in self.axes])), len(records)
        by_id = {r["id"]: r for r in records}
        return [by_id[i] for i in ids if i in by_id], len(ids)

    def _reference_records(self) -> list[dict]:
        by_id = {r["id"]: r for r in self.store.reference_records()}
        data_specs = {data_key(r["spec"]["data"]): r["spec"]["data"] for r in self.records}.values()
        ids = [reference_id(ref, data) for ref in self.config.get("references") or [] for data in data_specs]
        return [by_id[i] for i in ids if i in by_id]

    def _task(self) -> str:
        for rec in self.records:
            task = self.data(rec).get("task")
            if task is not None:
                return str(task)
            if rec.get("loss"):
                return "classification" if rec["loss"] == "cross_entropy" else "regression"
        return "regression" if self.config.get("model", {}).get("loss") == "mse" else "classification"

    @property
    def impls(self) -> list[str]:
        """The implementations of the run's records, in display order (``implementations.ordered``)."""
        return ordered(r["impl"] for r in self.records)

    @property
    def base_keys(self) -> dict:
        """The stored config's keys that are not swept (what every cell shares)."""
        skip = {"sweep", "variants", "references", "output", "limits", "name", "description"}
        flat = flatten({k: v for k, v in self.config.items() if k not in skip})
        varied = set(self.sweep)
        for variant in self.config.get("variants") or []:
            varied |= set(flatten({k: v for k, v in variant.items() if k != "label"}))
        return {k: v for k, v in flat.items() if k not in varied}

    def cells_frame(self):
        """``store.frames.cells_frame`` of the grid's records."""
        return cells_frame(self.records, self.axes, self.task)

    def resolved(self, rec: dict, axes: list[str]) -> dict[str, str]:
        """Labels of ``axes`` for ``rec``: its grid value, else the value its spec used."""
        return {a: axis_label(rec["keys"][a] if a in rec["keys"] else _lookup(rec["spec"], a)) for a in axes}

    def curves(self, rec: dict) -> dict:
        return self.store.curves(rec["id"])

    def outputs(self, rec: dict) -> dict:
        return self.store.outputs(rec["id"])

    def params(self, rec: dict):
        return self.store.params(rec["id"])

    def frames(self, rec: dict) -> dict:
        return self.store.frames(rec["id"])

    def data(self, rec: dict) -> dict:
        """The drawn data of ``rec`` (``plot_data``; a cell or a reference record), read once
        per data spec."""
        spec = rec["data"] if rec.get("kind") == "reference" else rec["spec"]["data"]
        key = json.dumps(spec, sort_keys=True)
        if key not in self._data:
            self._data[key] = self.store.data(spec)
        return self._data[key]
