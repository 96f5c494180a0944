"""The report as a page that reads top to bottom: what ran (with counts and one verdict
line on numpy-torch agreement), a sortable summary, the figures by section with sentence
captions, problems, every cell and the environment. ``report.html`` embeds its images
and its few lines of script, so it opens offline; ``report.md`` links ``plots/``."""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

__all__ = ["render_html", "render_markdown", "SECTIONS"]

SECTIONS = {  # section key -> heading, in page order
    "heatmaps": "The grid at a glance",
    "surfaces": "Decision surfaces",
    "units": "Hidden units",
    "weights": "Weights",
    "curves": "Loss curves",
    "regression": "Regression fit",
    "confusion": "Confusion matrix",
    "hardest": "Hardest test examples",
    "animation": "Training animation",
}
_SORT_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach((th, col) => th.addEventListener('click', () => {
  const body = th.closest('table').tBodies[0], asc = th.dataset.dir !== 'asc';
  th.closest('tr').querySelectorAll('th').forEach(h => delete h.dataset.dir);
  th.dataset.dir = asc ? 'asc' : 'desc';
  const key = tr => { const t = tr.cells[col].textContent.trim(), v = parseFloat(t); return isNaN(v) ? t : v; };
  [...body.rows].sort((a, b) => { const x = key(a), y = key(b);
    const c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === 'number' ? -1 : 1);
    return asc ? c : -c; }).forEach(tr => body.appendChild(tr));
}));
"""
_STYLE = ("body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
          "table{border-collapse:collapse;font-size:13px;margin:.5em 0}td,th{padding:3px 10px;border-bottom:1px solid #ddd;"
          "text-align:right;white-space:nowrap}th{background:#f4f4f4;white-space:normal;vertical-align:bottom}table.sortable th{cursor:pointer}"
          "table.sortable th:after{content:' \\2195';color:#aaa}img{max-width:100%;height:auto}"
          "figure{margin:1.2em 0}figcaption{font-size:14px;color:#444;max-width:900px}"
          ".verdict{font-size:17px;padding:.5em .8em;background:#eef6ee;border-left:4px solid #2a7a2a}"
          ".verdict.warn{background:#fdf5e6;border-left-color:#c98a00}.verdict.bad{background:#fbeaea;border-left-color:#b22}"
          ".reasons{font-size:13px;color:#444}"
          ".counts span{margin-right:1.2em}details{margin:1em 0}.scroll{overflow-x:auto}")


def _counts(content) -> dict[str, int]:
    return content.cells["status"].value_counts().to_dict() if len(content.cells) else {}


def _what_ran(content) -> list[str]:
    r = content.results
    base = ", ".join(f"{k} = {json.dumps(v)}" for k, v in r.base_keys.items())
    sweep = "; ".join(f"{k} = {json.dumps(v)}" for k, v in r.sweep.items())
    variants = [v.get("label", "?") for v in r.config.get("variants") or []]
    counts = _counts(content)
    lines = [f"Swept: {sweep}." if sweep else "Nothing was swept."]
    if variants:
        lines.append(f"Variants: {', '.join(variants)}.")
    lines.append(f"Shared by every cell (not swept): {base}." if base else "")
    lines.append(f"{len(r.records)} of {r.n_cells} cells finished: {counts.get('ok', 0)} ok, "
                 f"{counts.get('diverged', 0)} diverged, {counts.get('error', 0)} error.")
    if r.set_aside:
        lines.append(f"{len(r.set_aside)} cell(s) were set aside as damaged ({', '.join(r.set_aside[:5])}"
                     f"{' ...' if len(r.set_aside) > 5 else ''}: lines in cells.rejected.jsonl, damaged files in "
                     "rejected/): run the config again to train them again.")
    stacked = int((content.cells["time_engine"] == "stacked").sum()) if len(content.cells) else 0
    if stacked:
        lines.append(f"{stacked} cells trained in stacks (--engine stacked): their times are the stack's time per "
                     "step divided by its models (µs per model-step).")
    hidden = r.config.get("model", {}).get("hidden")
    if hidden == [] or [] in r.sweep.get("model.hidden", []):
        lines.append("hidden = [] (shown as 'none') means no hidden layer: logistic (softmax) regression.")
    return [line for line in lines if line]


def _problems(content) -> list[str]:
    rows = []
    for _, c in content.cells[content.cells["status"] != "ok"].iterrows() if len(content.cells) else []:
        what = (c["error"] or "no message") if c["status"] == "error" else (
            "non-finite loss" + ("" if pd.isna(c["diverged_at"]) else f" at step {int(c['diverged_at'])}"))
        rows.append(f"{c['impl']} {c['id']}: {c['status']}: {what}")
    return rows


def _by_section(content):
    for key, heading in SECTIONS.items():
        figures = [(p, cap) for p, cap, s in content.figures if s == key]
        if figures:
            yield heading, figures


def _env_line(env: dict) -> str:
    return (f"Python {env.get('python')}, {env.get('cpu')} ({env.get('cpu_count')} cores), git "
            f"{env.get('git_commit') or 'unknown'}; "
            + ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items() if v))


_REFERENCES_NOTE = ("scikit-learn baselines declared in the config's [[references]], each trained once per data "
                    "spec; they are references, not implementations, and take no part in the agreement verdicts.")
_RELOAD_NOTE = ("[output] reload_check: every trained model was written to a model file by its own implementation "
                "(fcann2.save_model, pt_deep.save_npz), read back into both implementations (fcann2.load_model, "
                "pt_deep.load_npz) and scored on the test set; max |Δout| is the largest difference of a reloaded "
                "model's test outputs (probabilities, or predictions) from the trained model's.")


def _side_tables(content):
    """(heading, note, stem, frame) of the tables shown after the summary."""
    for heading, note, stem, frame in (("Reference models", _REFERENCES_NOTE, "references", content.references),
                                       ("Saved weights reloaded", _RELOAD_NOTE, "reload", content.reload)):
        if frame is not None:
            yield heading, note, stem, frame


def render_markdown(content, env: dict) -> str:
    """``report.md``: the same sections, images linked from ``plots/``."""
    r = content.results
    lines = [f"# {r.name}", ""] + ([r.description, ""] if r.description else [])
    lines += ["## What ran", ""] + [f"{line}\n" for line in _what_ran(content)]
    if content.verdict:
        lines += [f"**{content.verdict}**", ""] + [f"- {line}" for line in content.verdict_reasons]
        lines += [""] if content.verdict_reasons else []
    if content.summary is not None:
        lines += ["## Summary", "", (r.store.tables_dir / "summary.md").read_text(), ""]
    for heading, note, stem, _ in _side_tables(content):
        lines += [f"## {heading}", "", note, "", (r.store.tables_dir / f"{stem}.md").read_text(), ""]
    problems = _problems(content)
    if problems:
        lines += ["## Cells that did not finish normally", ""] + [f"- {p}" for p in problems] + [""]
    for heading, figures in _by_section(content):
        lines += [f"## {heading}", ""]
        for path, caption in figures:
            lines += [f"![{path.stem}]({path.relative_to(r.store.root).as_posix()})", "", caption, ""]
    if env:
        lines += ["## Environment", "", _env_line(env), ""]
    return "\n".join(lines)


def _img(path: Path, caption: str) -> str:
    mime = "image/gif" if path.suffix == ".gif" else "image/png"
    data = base64.b64encode(path.read_bytes()).decode()
    return (f'<figure><img alt="{html.escape(path.stem)}" src="data:{mime};base64,{data}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def render_html(content, env: dict) -> str:
    """``report.html``: self-contained (images as data URIs, inline style and script)."""
    e, r = html.escape, content.results
    parts = [f"<h1>{e(r.name)}</h1>"] + ([f"<p>{e(r.description)}</p>"] if r.description else [])
    parts += ["<h2>What ran</h2>"] + [f"<p>{e(line)}</p>" for line in _what_ran(content)]
    if content.verdict:
        parts.append(f'<p class="verdict {content.verdict_tone}">{e(content.verdict)}</p>')
        if content.verdict_reasons:
            parts.append('<ul class="reasons">' + "".join(f"<li>{e(r)}</li>" for r in content.verdict_reasons) + "</ul>")
    if content.summary is not None:
        parts += ["<h2>Summary</h2>", "<p>One row per grid point; click a column header to sort. "
                  + ("Metrics are mean ± std over seeds. " if r.axes != r.group_axes else "")
                  + "Agreement gives the verdict and the largest max |Δθ| of the final parameters."
                  + (" Added columns (macro: the unweighted mean over classes) show one value when numpy and torch "
                     "agree to the digits shown, 'numpy / torch' otherwise." if r.summary_columns else "")
                  + (" Reloaded: how many saved models, each reloaded into both implementations, score like the "
                     "trained one (see below)." if content.reload is not None else "") + "</p>",
                  '<div class="scroll">' + content.summary.to_html(index=False, border=0, classes="sortable") + "</div>"]
    for heading, note, _, frame in _side_tables(content):
        parts += [f"<h2>{e(heading)}</h2>", f"<p>{e(note)}</p>",
                  '<div class="scroll">' + frame.to_html(index=False, border=0, classes="sortable") + "</div>"]
    problems = _problems(content)
    if problems:
        parts += ["<h2>Cells that did not finish normally</h2><ul>"] + [f"<li>{e(p)}</li>" for p in problems] + ["</ul>"]
    for heading, figures in _by_section(content):
        parts += [f"<h2>{e(heading)}</h2>"] + [_img(path, caption) for path, caption in figures]
    if len(content.cells):
        table = content.cells.drop(columns=["error"]).to_html(index=False, border=0, classes="sortable",
                                                              float_format=lambda v: f"{v:.4g}")
        parts += ["<details><summary>All cells</summary>", f'<div class="scroll">{table}</div>', "</details>"]
    if env:
        parts += ["<details><summary>Environment</summary>", f"<p>{e(_env_line(env))}</p>",
                  f"<pre>{e(json.dumps(env, indent=2))}</pre></details>"]
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(r.name)}</title><style>{_STYLE}</style>"
            f"</head><body>{''.join(parts)}<script>{_SORT_SCRIPT}</script></body></html>\n")
