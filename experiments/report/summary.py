"""Readable per-grid-point summaries as text: a compact one that fits a terminal (swept
keys, test metric of every implementation, each candidate's agreement with the reference, status) and a wide one with every
column; and the reference models' rows. A metric reads ``mean ± std`` only over more than one seed; a grid point whose
cells all diverged reads ``diverged@STEP``."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .agreement import agreement_text, pair_agreement
from ..store.results import short_axis_names
from ..config.columns import SUMMARY_COLUMNS, WIDE_COLUMNS
from ..store.frames import axis_label, metric_key, metric_names, metric_short
from ..implementations import REFERENCE, candidates, ordered, suffix
from ..parity.tolerance import DEFAULT_TOLERANCE

__all__ = ["grid_table", "reference_table", "reload_table", "COMPACT_WIDTH", "fit_to_width", "table_text"]

COMPACT_WIDTH = 100  # columns the compact table is meant to fit


def _number(value: float, decimals: int) -> str:
    """Fixed point for ordinary magnitudes, scientific beyond (a blown-up MSE stays short);
    ``decimals = 0`` is a count (``199,210``)."""
    if decimals == 0:
        return f"{value:,.0f}"
    return f"{value:.{decimals}f}" if abs(value) < 1e5 else f"{value:.{decimals - 1}e}"


def _metric_text(sub: pd.DataFrame, column: str, decimals: int = 4) -> str:
    ok = sub.loc[sub["status"] == "ok", column].astype(float)
    ok = ok[np.isfinite(ok)]
    diverged = sub[sub["status"] == "diverged"]
    if ok.empty:
        if len(diverged):
            steps = sorted({int(s) for s in diverged["diverged_at"].dropna()})
            return "diverged@" + ",".join(map(str, steps)) if steps else "diverged"
        return "error" if (sub["status"] == "error").any() else "—"
    text = _number(ok.mean(), decimals) + (f" ± {_number(ok.std(ddof=0), decimals)}" if len(ok) > 1 else "")
    return text + (f" ({len(diverged)} div)" if len(diverged) else "")


def _collapse_text(sub: pd.DataFrame) -> str:
    """The diagnosis of the grid point's finished cells (``training.diagnosis``): its most
    common text, led by how many cells it is when not all (``2/4 collapsed: ...``)."""
    if "collapse" not in sub.columns:
        return ""
    ok = sub.loc[sub["status"] == "ok", "collapse"].fillna("").astype(str)
    said = ok[ok != ""]
    if said.empty:
        return ""
    text = said.value_counts().index[0]
    return text if len(said) == len(ok) and (said == text).all() else f"{len(said)}/{len(ok)} {text}"


def _status_text(sub: pd.DataFrame) -> str:
    counts = sub["status"].value_counts()
    collapse = _collapse_text(sub)
    if set(counts.index) <= {"ok"}:
        return collapse or "ok"
    parts = [collapse] if collapse else []
    if counts.get("diverged"):
        steps = sorted({int(s) for s in sub.loc[sub["status"] == "diverged", "diverged_at"].dropna()})
        parts.append(f"{counts['diverged']} diverged" + (f"@{steps[0]}" if len(steps) == 1 else ""))
    if counts.get("error"):
        parts.append(f"{counts['error']} error")
    return ", ".join(parts)


def _time_label(engines: pd.Series, impl: str) -> str:
    """The time column's heading: µs per step of a cell, or per model-step of a stack."""
    kinds = set(engines)
    if kinds == {"stacked"}:
        return f"µs/model-step {impl} (stacked)"
    return f"µs/step {impl}" + (" (some stacked, per model-step)" if "stacked" in kinds else "")


def _shared_text(sub: pd.DataFrame, column: str, impls: list[str], decimals: int) -> str:
    """One value when every implementation's text is the same, else one per implementation
    (``numpy / torch``)."""
    texts = [_metric_text(sub[sub["impl"] == impl], column, decimals) for impl in impls]
    return " / ".join(dict.fromkeys(texts))


def _reload_text(sub: pd.DataFrame, task: str, tolerance: float) -> str:
    """How many reloaded models (each cell into each implementation) score exactly like
    the trained one with outputs within ``tolerance``, and the largest output difference."""
    test_m, short = metric_names(task)[0], metric_short(task)
    same = total = 0
    worst = 0.0
    for _, cell in sub[sub["status"] == "ok"].iterrows():
        for impl in _reloaded_into(sub):
            value, diff = cell.get(f"reload_{impl}_{short}", np.nan), cell.get(f"reload_max_diff_{impl}", np.nan)
            if pd.isna(value):
                continue
            total += 1
            worst = max(worst, float(diff))
            # accuracy counts predictions: exact; an MSE may round differently in the other implementation
            same += bool(diff <= tolerance and (task != "classification" or value == cell[test_m]))
    return f"{same}/{total} same, |Δout| ≤ {worst:.0e}" if total else "—"


def _reloaded_into(cells: pd.DataFrame) -> list[str]:
    """The implementations the reload check read models back into (``reload_max_diff_<impl>``)."""
    prefix = "reload_max_diff_"
    return ordered(c[len(prefix):] for c in cells.columns if c.startswith(prefix))


def fit_to_width(table: pd.DataFrame, n_keys: int, width: int = COMPACT_WIDTH) -> str:
    """``table`` as plain text ("simple" markdown) in blocks no wider than ``width`` where
    it can: the first ``n_keys`` columns (the grid point) start every block, the others go
    to the first block they fit in, in order; blocks are separated by a blank line."""
    def text(columns):
        return table[columns].to_markdown(index=False, tablefmt="simple", disable_numparse=True)

    def fits(columns):
        return max(map(len, text(columns).splitlines())) <= width

    keys, rest = list(table.columns[:n_keys]), list(table.columns[n_keys:])
    blocks = [[]]
    for column in rest:
        if blocks[-1] and not fits(keys + blocks[-1] + [column]):
            blocks.append([])
        blocks[-1].append(column)
    return "\n\n".join(text(keys + block) for block in blocks)


def table_text(table: pd.DataFrame, n_keys: int, width: int = COMPACT_WIDTH, where: str = "at every grid point") -> str:
    """``table`` for a terminal ``width`` columns wide: a column other than the first
    ``n_keys`` with one value in every row (``status`` ``ok`` everywhere) becomes a line
    under the table (``status: ok at every grid point``) instead of a block of its own;
    the rest is cut into blocks by ``fit_to_width``."""
    if table.empty:
        return ""
    same = [c for c in table.columns[n_keys:] if len(table) > 1 and table[c].astype(str).nunique() == 1]
    kept = table.drop(columns=same)
    text = fit_to_width(kept, n_keys, width) if len(kept.columns) > n_keys or not same else ""
    notes = [f"{c}: {table[c].iloc[0]} {where}" for c in same]
    return "\n".join([text, *notes] if text else notes)


def grid_table(cells: pd.DataFrame, verdicts: pd.DataFrame, records: list[dict], group_axes: list[str],
               task: str, wide: bool = False, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per grid point (``group_axes``), values as short strings.

    ``cells`` is ``store.frames.cells_frame``; ``verdicts`` is ``parity.grid.pair_verdicts``
    (joined through the records' ``pair``). Compact columns: the swept keys (short names),
    test metric per implementation, the ``columns`` asked for (``config.columns``: one
    value when the implementations agree to the digits shown, ``numpy / torch`` otherwise),
    ``reloaded`` (with ``output.reload_check``), ``agreement`` per candidate against the
    reference implementation (numpy's unsuffixed, ``agreement <impl>`` for others), ``status``;
    ``wide`` adds the untrained test loss, parameter count, train metric, final loss, time per
    step (per model-step, said in the heading, for cells the stacked engine trained), one time
    ratio per candidate (``torch/<impl> time``: the reference's time over the candidate's) and
    runs per implementation. Implementations appear in ``implementations.ordered`` order.
    """
    test_m, train_m = metric_names(task)
    label = test_m.replace("_", " ")
    names = short_axis_names(group_axes)
    pair_of = {r["id"]: r["pair"] for r in records}
    cells = cells.assign(pair=cells["id"].map(pair_of))
    impls = ordered(cells["impl"])
    checked = {i: pair_agreement(verdicts, i) for i in candidates(impls)} if REFERENCE in impls else {}
    time_label = {impl: _time_label(cells.loc[cells["impl"] == impl, "time_engine"], impl) for impl in impls}
    extra = list(dict.fromkeys([*columns, *(WIDE_COLUMNS if wide else ())]))
    extra = [SUMMARY_COLUMNS[name] for name in extra if SUMMARY_COLUMNS[name].cells_column in cells.columns]
    reloaded = any(c.startswith("reload_max_diff_") for c in cells.columns)
    dtype = {r["id"]: r["spec"]["train"].get("dtype", "float64") for r in records} if reloaded else {}
    groups = cells.groupby(group_axes, sort=False) if group_axes else [((), cells)]
    rows = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = {names[a]: v for a, v in zip(group_axes, key)}
        for impl in impls:
            row[f"{label} {impl}"] = _metric_text(sub[sub["impl"] == impl], test_m)
        for col in extra:
            row[col.header] = _shared_text(sub, col.cells_column, impls, col.decimals)
        if reloaded:
            tolerance = DEFAULT_TOLERANCE[dtype.get(sub["id"].iloc[0], "float64")]
            row["reloaded"] = _reload_text(sub, task, tolerance)
        if wide:
            for impl in impls:
                row[f"{train_m.replace('_', ' ')} {impl}"] = _metric_text(sub[sub["impl"] == impl], train_m)
            for impl in impls:
                loss = sub.loc[(sub["impl"] == impl) & (sub["status"] == "ok"), "final_loss"].astype(float)
                row[f"final loss {impl}"] = f"{loss.mean():.4g}" if len(loss) else "—"
            for impl in impls:
                us = sub.loc[sub["impl"] == impl, "us_per_step"].astype(float).mean()
                row[time_label[impl]] = "—" if pd.isna(us) else f"{us:.1f}"
            for impl in checked:
                ratio = row[time_label[REFERENCE]], row[time_label[impl]]
                row[f"{REFERENCE}/{impl} time"] = "—" if "—" in ratio else f"{float(ratio[0]) / float(ratio[1]):.1f}x"
            for impl in impls:
                row[f"runs {impl}"] = str(int((sub["impl"] == impl).sum()))
        for impl, rows_of in checked.items():
            row[f"agreement{suffix(impl)}"] = agreement_text(rows_of[rows_of["pair"].isin(set(sub["pair"]))])
        row["status"] = _status_text(sub)
        rows.append(row)
    return pd.DataFrame(rows)


def reload_table(cells: pd.DataFrame, group_axes: list[str], task: str) -> pd.DataFrame:
    """One row per cell with a reload check (``output.reload_check``): its grid labels and
    seed, the implementation that trained it, its test metric, the test metric of the model
    reloaded into each implementation and the largest |output difference| from the trained
    model. Empty without reload checks."""
    if not any(c.startswith("reload_max_diff_") for c in cells.columns):
        return pd.DataFrame()
    test_m, short = metric_names(task)[0], metric_short(task)
    label = test_m.replace("_", " ")
    names = short_axis_names(group_axes)
    into = _reloaded_into(cells)
    rows = []
    for _, cell in cells[cells[[f"reload_max_diff_{impl}" for impl in into]].notna().any(axis=1)].iterrows():
        row = {names[a]: cell[a] for a in group_axes}
        row.update({"seed": cell["seed"], "trained by": cell["impl"], f"{label} trained": _number(cell[test_m], 4)})
        for impl in into:
            row[f"reloaded into {impl}"] = _number(cell[f"reload_{impl}_{short}"], 4)
        for impl in into:
            row[f"max |Δout| {impl}"] = f"{cell[f'reload_max_diff_{impl}']:.1e}"
        rows.append(row)
    return pd.DataFrame(rows)


def _trained_on(rec: dict) -> str:
    """The training points a reference fitted: ``10,000 of 60,000`` when subsampled
    (``max_train``), else their count (``—`` for records without it)."""
    n, used = rec.get("n_train"), rec.get("n_used")
    if n is None or used is None:
        return "—"
    return f"{used:,} of {n:,}" if used < n else f"{n:,}"


def reference_table(references: list[dict], records: list[dict], group_axes: list[str], task: str) -> pd.DataFrame:
    """One row per reference model (``RunResults.references``) and data label: ``reference``
    (``ref: NAME``), ``model`` (estimator and parameters), the grid axes that choose the data
    (``variant``, ``data.*``; the labels of the grid ``records`` trained on the same data, or
    ``all`` when every grid point's are), ``trained on`` (the training points fitted: a
    subsample above ``max_train``), the test and train metric (mean ± std over the rest, e.g. data seeds) and ``status``."""
    test_m, train_m = metric_names(task)
    metric = {test_m: ("test", metric_key(task)), train_m: ("train", metric_key(task))}
    names = short_axis_names(group_axes)
    data_cols = [names[a] for a in group_axes if a == "variant" or a.startswith("data.")]
    rows = []
    for rec in references:
        ref = rec["reference"]
        params = ", ".join(f"{k}={v}" for k, v in ref.get("params", {}).items())
        row = {"reference": f"ref: {ref['name']}", "model": f"{ref['model']}({params})",
               "trained on": _trained_on(rec)}
        same = [r for r in records if r["spec"]["data"] == rec["data"]]
        for axis in (a for a in group_axes if names[a] in data_cols):
            labels = list(dict.fromkeys(axis_label(r["keys"].get(axis)) for r in same))
            every = dict.fromkeys(axis_label(r["keys"].get(axis)) for r in records)
            row[names[axis]] = "all" if len(labels) > 1 and set(labels) == set(every) else ", ".join(labels)
        for name in (test_m, train_m):
            split, key = metric[name]
            row[name] = (((rec.get("metrics") or {}).get(split)) or {}).get(key, np.nan)
        rows.append({**row, "status": rec["status"], "diverged_at": None})
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows).astype({test_m: float, train_m: float})
    out = []
    for key, sub in frame.groupby(["reference", "model", "trained on", *data_cols], sort=False, dropna=False):
        row = dict(zip(["reference", "model", "trained on", *data_cols], key))
        row[test_m.replace("_", " ")] = _metric_text(sub, test_m)
        row[train_m.replace("_", " ")] = _metric_text(sub, train_m)
        row["status"] = _status_text(sub)
        out.append(row)
    return pd.DataFrame(out)
