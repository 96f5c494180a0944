"""Comparing runs ("did my change help?"): each run's per-grid-point test metric (mean over
seeds, per implementation) side by side, joined on the runs' swept keys - a key swept in
one run and fixed in another joins on the value the other run used - with the difference
of every run from the first, and each run's parity verdict per point (``parity.verdict``,
the worst over seeds and implementations: the words the run's own report shows)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import UserInputError
from ..implementations import ordered
from ..parity.grid import pair_verdicts
from ..parity.verdict import VERDICT_ORDER
from ..store.frames import metric_key
from ..store.owned import check_output_folder, output_folder
from ..store.results import RunResults, short_axis_names
from .summary import fit_to_width

__all__ = ["compare_runs", "write_comparison", "format_comparison"]


def _labels(results: list[RunResults]) -> list[str]:
    """Config names; folder names when those clash; numbered when both do."""
    for names in ([r.name for r in results], [r.store.root.name for r in results]):
        if len(set(names)) == len(names):
            return names
    return [f"{n}#{k + 1}" for k, n in enumerate(names)]


def _per_point(results: RunResults, axes: list[str]) -> pd.DataFrame:
    rows = []
    metric = metric_key(results.task)
    for rec in results.records:
        test = ((rec.get("metrics") or {}).get("test") or {}) if rec["status"] == "ok" else {}
        rows.append({**results.resolved(rec, axes), "impl": rec["impl"], "value": test.get(metric, float("nan"))})
    frame = pd.DataFrame(rows, columns=[*axes, "impl", "value"])
    table = frame.groupby([*axes, "impl"], sort=False)["value"].mean().unstack("impl")
    return table[ordered(table.columns)]


def _worst(words) -> str:
    return max(words, key=VERDICT_ORDER.index)


def _parity_per_point(results: RunResults, axes: list[str]):
    """The worst parity verdict over seeds and implementations per point of ``axes`` (a
    Series), or of the one point (a word; ``None`` without verdicts)."""
    words = pair_verdicts(results).groupby("pair")["parity"].agg(_worst)
    rows = [{**results.resolved(rec, axes), "parity": words.get(rec["pair"])} for rec in results.records]
    frame = pd.DataFrame(rows, columns=[*axes, "parity"]).dropna(subset=["parity"])
    if not axes:
        return _worst(frame["parity"]) if len(frame) else None
    return frame.groupby(axes, sort=False)["parity"].agg(_worst)


def compare_runs(run_dirs: list[str | Path]) -> pd.DataFrame:
    """One row per point of the union of the runs' swept keys (seed averaged out):
    ``<run> <impl>`` mean test metric of each run, ``parity <run>`` (the worst verdict of
    ``parity.verdict.decide`` over its seeds and implementations, runs with more than one
    implementation), then ``Δ <run> <impl>`` (that run minus the first) for every later run; ``attrs["metric"]`` names the metric. Raises ``UserInputError`` for a folder that is not a
    run or runs of different tasks."""
    if len(run_dirs) < 2:
        raise UserInputError("compare: give at least two run folders")
    results = [RunResults(d, repair=False) for d in run_dirs]  # no lock: read only
    tasks = {r.task for r in results}
    if len(tasks) > 1:
        raise UserInputError(f"compare: the runs mix tasks ({', '.join(sorted(tasks))}); their metrics differ")
    axes = list(dict.fromkeys(a for r in results for a in r.group_axes))
    labels = _labels(results)
    parts = []
    for label, r in zip(labels, results):
        part = _per_point(r, axes)
        part.columns = [f"{label} {impl}" for impl in part.columns]
        parts.append(part)
    table = pd.concat(parts, axis=1, join="outer")
    for label, r in zip(labels, results):
        if len(r.impls) > 1:
            words = _parity_per_point(r, axes)
            table[f"parity {label}"] = words.reindex(table.index) if axes else words
    impls = ordered(impl for r in results for impl in r.impls)
    for label in labels[1:]:
        for impl in impls:
            if f"{label} {impl}" in table and f"{labels[0]} {impl}" in table:
                table[f"Δ {label} {impl}"] = table[f"{label} {impl}"] - table[f"{labels[0]} {impl}"]
    table = (table.reset_index() if axes else table.reset_index(drop=True)).rename(columns=short_axis_names(axes))
    table.attrs["metric"] = metric_key(tasks.pop())
    table.attrs["n_keys"] = len(axes)
    return table


def write_comparison(table: pd.DataFrame, out: Path) -> dict[str, Path]:
    """``compare.csv`` (numbers) and ``compare.md`` (rounded) in ``out``: a new or empty
    folder, or one ``compare`` made; a file there that ``compare`` did not write is refused
    (``FolderError``) and nothing is written."""
    files = output_folder(check_output_folder(out, "compare"), "compare")
    out = Path(out)
    paths = {"csv": out / "compare.csv", "md": out / "compare.md"}
    files.write(paths["csv"], table.to_csv(index=False))
    files.write(paths["md"], f"Test {table.attrs.get('metric', 'metric')} per grid point (mean over seeds); "
                             "Δ = run minus the first run.\n\n" + format_comparison(table, "github") + "\n")
    return paths


def format_comparison(table: pd.DataFrame, tablefmt: str = "simple", width: int | None = None) -> str:
    """The table with numbers rounded (4 decimals everywhere - never re-read as numbers, so
    ``0.7600`` stays ``0.7600``; differences signed, in scientific form when tiny) and
    missing values as ``—``; with ``width``, cut into blocks of at most ``width`` columns,
    each led by the grid keys (``summary.fit_to_width``)."""
    def cell(v, delta: bool) -> str:
        if pd.isna(v):
            return "—"
        if not delta:
            return f"{v:.4f}"
        return f"{v:+.4f}" if v == 0 or abs(v) >= 1e-4 else f"{v:+.1e}"

    shown = table.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = [cell(v, col.startswith("Δ")) for v in shown[col]]
    shown = shown.astype(str)
    if width is not None:
        return fit_to_width(shown, table.attrs.get("n_keys", 0), width)
    return shown.to_markdown(index=False, tablefmt=tablefmt, disable_numparse=True)
