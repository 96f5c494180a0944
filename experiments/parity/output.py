"""How a parity result is shown: a printed table, a CSV and a plot of max |dTheta| per step."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from data_utils import new_figure, save_figure

from ..store.owned import OwnedFolder, check_output_folder, output_folder
from .lockstep import ParityResult

__all__ = ["print_parity", "write_parity", "table_rows"]


def table_rows(result: ParityResult, rows: int = 12):
    """About ``rows`` steps, log-spaced so early and late steps both show, plus the last
    and always the first step over tolerance."""
    table = result.steps
    if len(table) <= rows:
        return table
    idx = [np.geomspace(1, len(table), max(rows - 1, 1)).astype(int) - 1, [len(table) - 1]]
    first = result.first_divergence()
    if first is not None:
        idx.append([first["index"]])
    return table.iloc[np.unique(np.concatenate(idx))]


def print_parity(result: ParityResult, rows: int = 12) -> None:
    cfg = result.config
    print(f"parity: dataset {cfg['data']['dataset']}, hidden {cfg['model']['hidden']}, {cfg['model']['activation']}, "
          f"batch {cfg['train']['batch_size']}, lr {cfg['train']['lr']}, weight decay {cfg['train']['weight_decay']}, "
          f"{result.dtype}")
    shown = table_rows(result, rows)
    if len(shown):
        cols = ["step"] + [c for c in shown.columns if c.startswith("d") and c not in ("dloss", "dtheta", "dtheta_scaled")] + ["dloss"]
        first = result.first_divergence()
        shown = shown.assign(**{" ": ["<- first over tolerance" if first and s == first["step"] else ""
                                      for s in shown["step"]]})
        cols.append(" ")
        print(shown[cols].to_string(index=False, float_format=lambda v: f"{v:.2e}"))
    f = result.final
    agree = f["test_class_agreement"]
    print(f"test outputs: max |diff| {f['test_output_max_diff']:.2e}"
          + ("" if np.isnan(agree) else f", predicted classes agree on {agree:.1%} of test points"))
    print(result.verdict())


def write_parity(result: ParityResult, out: str | Path, files: OwnedFolder | None = None) -> dict:
    """``parity.csv`` (every step) and ``parity.png`` (max |dTheta| per layer vs step, log
    scale) in ``out``, through ``files`` (the checked, marked ``--out`` folder holding
    ``out``; by default ``out`` itself, checked here: see ``owned_folder.check_output_folder``)."""
    out = Path(out)
    if files is None:
        files = output_folder(check_output_folder(out, "parity"), "parity")
    csv = files.write(out / "parity.csv", result.steps.to_csv(index=False))
    fig, ax = new_figure(panel_size=(7, 4))
    table = result.steps
    if len(table):
        n_layers = sum(1 for c in table.columns if c.startswith("dW"))
        floor = np.finfo(result.dtype).tiny
        for k in range(1, n_layers + 1):
            worst = np.maximum(table[f"dW{k}"], table[f"db{k}"])
            ax.plot(table["step"] + 1, np.maximum(worst, floor), label=f"layer {k}")
        if result.drift is not None:
            ax.plot(table["step"].iloc[:len(result.drift.baseline)] + 1, np.maximum(result.drift.baseline, floor),
                    color="black", linestyle="--", label="baseline: reference vs itself, one ulp apart")
        ax.axhline(result.tolerance, color="red", linestyle=":", label=f"tolerance {result.tolerance:.0e}")
        ax.set_yscale("log")
        ax.legend(fontsize=8)
    ax.set_xlabel("step")
    a, b = result.names
    ax.set_ylabel(f"max |dTheta| ({a} vs {b})")
    ax.set_title(result.verdict().split("\n")[0], fontsize=7, wrap=True)
    plot = files.write_with(out / "parity.png", lambda tmp: save_figure(fig, tmp))
    return {"csv": csv, "plot": plot}
