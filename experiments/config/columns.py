"""Columns a config may add to its summary table (``[output] columns``), by name: the
``cells.csv`` column each one summarises, its header, the task it belongs to (``None``:
any) and how it is printed. Imports nothing heavy: the config schema checks names here."""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["SummaryColumn", "SUMMARY_COLUMNS", "WIDE_COLUMNS"]


class SummaryColumn(NamedTuple):
    cells_column: str       # a column of tables.cells_frame
    header: str
    task: str | None        # "classification", "regression", or None for both
    decimals: int = 4       # 0: an integer count


SUMMARY_COLUMNS = {
    "precision": SummaryColumn("test_precision_macro", "test precision (macro)", "classification"),
    "recall": SummaryColumn("test_recall_macro", "test recall (macro)", "classification"),
    "ap": SummaryColumn("test_ap_macro", "test AP (macro)", "classification"),
    "f1": SummaryColumn("test_macro_f1", "test F1 (macro)", "classification"),
    "log_loss": SummaryColumn("test_log_loss", "test log-loss", "classification"),
    "r2": SummaryColumn("test_r2", "test R²", "regression"),
    "initial_loss": SummaryColumn("initial_test_loss", "untrained test loss", None),
    "n_params": SummaryColumn("n_params", "parameters", None, decimals=0),
}
WIDE_COLUMNS = ("initial_loss", "n_params")  # always in the wide summary
