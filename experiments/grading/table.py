"""The teacher's view of the rows: a terminal line each, ``grades.csv`` and a
self-contained ``grades.html`` (thumbnails embedded as PNG data)."""
from __future__ import annotations

import csv
import html
from pathlib import Path

from .rows import COLUMNS

__all__ = ["terminal_line", "write_csv", "write_html", "summary_counts"]


def terminal_line(row: dict) -> str:
    acc = f"{row['accuracy']:.0%}" if isinstance(row.get("accuracy"), float) else "-"
    text = f"{row['submission']:<32} {row.get('form') or '-':<9} {row['verdict']:<11} acc {acc:>4}  {row['evidence']}"
    return text if len(text) <= 220 else text[:217] + "..."


def summary_counts(rows: list[dict]) -> dict[str, int]:
    counts = {}
    for row in rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    return counts


def write_csv(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


_STYLE = ("body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
          "padding:3px 6px;vertical-align:top;font-size:13px}.correct{background:#e6f5e6}.valid{background:#eef3ff}"
          ".bug{background:#fde8e8}.not-graded{background:#f3f3f3}")


def write_html(rows: list[dict], path: Path) -> None:
    counts = ", ".join(f"{n} {v}" for v, n in sorted(summary_counts(rows).items()))
    head = ["submission", "form", "verdict", "evidence", "loss", "classifier", "accuracy", "surface", "notes"]
    lines = [f"<!doctype html><html><head><meta charset='utf-8'><title>grades</title><style>{_STYLE}</style>"
             f"</head><body><h1>Grades</h1><p>{len(rows)} submissions: {html.escape(counts)}</p><table><tr>"
             + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for row in rows:
        acc = f"{row['accuracy']:.1%}" if isinstance(row.get("accuracy"), float) else ""
        img = f"<img alt='decision surface' src='data:image/png;base64,{row['thumbnail']}'>" \
            if row.get("thumbnail") else ""
        cells = [row["submission"], row.get("form", ""), row["verdict"], row["evidence"],
                 f"{row.get('loss', '')}: {row.get('loss_reason', '')}" if row.get("loss") else "",
                 f"{row.get('classify', '')}: {row.get('classify_reason', '')}" if row.get("classify") else "", acc]
        lines.append(f"<tr class='{row['verdict'].replace(' ', '-')}'>"
                     + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                     + f"<td>{img}</td><td>{html.escape(str(row.get('notes', '')))}</td></tr>")
    lines.append("</table></body></html>")
    path.write_text("\n".join(lines))
