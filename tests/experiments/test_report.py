"""The report as a consumer of the run folder: its structure (sections, every image
referenced exists or is embedded, no network URLs), the compact terminal summary, the
animation, and rendering a copied folder without torch or the dataset loaders."""
import base64
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.report.summary import COMPACT_WIDTH, fit_to_width, grid_table

SECTIONS = ("What ran", "Summary", "The grid at a glance", "Decision surfaces", "Hidden units", "Loss curves",
            "Confusion matrix", "Training animation")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs, self.urls, self.headings, self._in_h2 = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if key in attrs:
                (self.srcs if tag == "img" else self.urls).append(attrs[key])
        self._in_h2 = tag == "h2"

    def handle_data(self, data):
        if self._in_h2:
            self.headings.append(data)
            self._in_h2 = False


@pytest.fixture(scope="module")
def animated_run(tmp_path_factory):
    """A tiny 2-D sweep with one cell animated (2 seeds: mean ± std and bands)."""
    root = tmp_path_factory.mktemp("report")
    cfg = root / "tiny.toml"
    cfg.write_text('name = "tiny"\n[data]\ndataset = "gauss"\nparams = { C = 3, N = 20 }\n[model]\nhidden = [4]\n'
                   '[train]\nlr = 0.1\nbatch_size = 8\nepochs = 4\n[output]\nplot_resolution = 30\n'
                   'animation = true\nanimation_cell = { "train.lr" = 0.5 }\nanimation_frames = 5\n'
                   '[sweep]\ntrain.lr = [0.1, 0.5]\nseed = [0, 1]\nimpl = ["numpy", "torch"]\n')
    out = root / "run"
    assert main(["run", str(cfg), "--out", str(out), "--quiet", "--jobs", "1"]) == 0
    return out


def test_report_structure(animated_run):
    page = _Page()
    page.feed((animated_run / "report.html").read_text())
    assert [h for h in page.headings if h in SECTIONS] == list(SECTIONS)  # present and in reading order
    assert page.srcs and all(s.startswith(("data:image/png;base64,", "data:image/gif;base64,")) for s in page.srcs)
    for src in page.srcs:  # every embedded image is a real PNG or GIF
        head = base64.b64decode(src.split(",", 1)[1])[:6]
        assert head.startswith(b"\x89PNG") or head in (b"GIF89a", b"GIF87a")
    html = (animated_run / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?https?:|@import""", html)
    assert "numpy and torch agree on all 4 pairs" in html and "sortable" in html
    md = (animated_run / "report.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(images) == len(page.srcs) and all((animated_run / p).is_file() for p in images)
    assert "Shared by every cell (not swept):" in md and "train.lr =" not in md.split("Shared by every cell")[1].split("\n")[0]


def test_animation_comes_from_the_chosen_cell(animated_run):
    from PIL import Image
    from experiments.store.cells import RunStore
    store = RunStore(animated_run)
    animated = [r for r in store.records() if store.frames(r["id"])]
    assert len(animated) == 1 and animated[0]["impl"] == "numpy" and animated[0]["keys"]["train.lr"] == 0.5
    frames = store.frames(animated[0]["id"])
    assert frames["step"][-1] == animated[0]["n_steps"] and len(frames["step"]) >= 5
    with Image.open(animated_run / "plots" / "animation.gif") as gif:
        assert gif.n_frames == len(frames["step"])


def test_compact_summary_fits_and_formats(animated_run, capsys):
    table = (animated_run / "tables" / "summary.txt").read_text()
    assert max(len(line) for line in table.splitlines()) <= COMPACT_WIDTH
    assert "±" in table and "agree" in table  # two seeds: mean ± std
    wide = (animated_run / "tables" / "summary_wide.txt").read_text()
    assert "µs/step numpy" in wide and max(len(line) for line in wide.splitlines()) > COMPACT_WIDTH
    cells = pd.DataFrame({"id": ["a", "b", "c", "d"], "impl": ["numpy", "torch"] * 2, "lr": ["0.1", "0.1", "9", "9"],
                          "seed": 0, "status": ["ok", "ok", "diverged", "diverged"], "diverged_at": [None, None, 7, 7],
                          "test_acc": [0.5, 0.5, np.inf, np.nan], "train_acc": 0.5, "final_loss": 1.0,
                          "us_per_step": 1.0, "time_engine": "cells"})
    records = [{"id": i, "pair": p} for i, p in zip("abcd", "ppqq")]
    verdicts = pd.DataFrame({"pair": ["p", "q"], "parity": ["agree", "agree"], "final_dtheta": [1e-16, np.nan],
                             "prediction_agreement": [1.0, np.nan]})
    text = grid_table(cells, verdicts, records, ["lr"], "classification")
    assert text["test acc numpy"].tolist() == ["0.5000", "diverged@7"]  # one seed: no "± 0.0000"
    assert text["status"].tolist() == ["ok", "2 diverged@7"] and text["agreement"].tolist()[0] == "agree 1e-16"


def test_report_of_a_copied_folder_needs_neither_torch_nor_the_data(animated_run, tmp_path):
    copy = tmp_path / "copied"
    shutil.copytree(animated_run, copy)
    for p in (copy / "plots").iterdir():
        p.unlink()
    (copy / "report.html").unlink()
    script = (
        "import sys\n"
        "import data_utils.datasets.registry as reg\n"
        "def boom(*a, **k): raise RuntimeError('the report loaded a dataset')\n"
        "reg.load_dataset = boom\n"
        "from experiments.cli import main\n"
        f"code = main(['report', {str(copy)!r}])\n"
        "assert code == 0, code\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "print('ok')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr
    for name in ("decision_surfaces.png", "decision_difference.png", "hidden_units.png", "animation.gif"):
        assert (copy / "plots" / name).is_file(), name
    assert "Decision surfaces" in (copy / "report.html").read_text()


def test_compare_joins_runs_and_shows_differences(animated_run, tmp_path, capsys):
    import json
    other = tmp_path / "changed"
    shutil.copytree(animated_run, other)
    lines = (other / "cells.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    for rec in records:
        if rec["impl"] == "numpy" and rec["keys"]["train.lr"] == 0.1:
            rec["metrics"]["test"]["accuracy"] = 0.9  # "my change helped" at lr 0.1, numpy only
    (other / "cells.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "cmp"
    assert main(["compare", str(animated_run), str(other), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Δ changed numpy" in printed and "wrote" in printed
    table = pd.read_csv(out / "compare.csv")
    assert list(table["lr"]) == [0.1, 0.5]
    before = table.loc[0, "run numpy"]
    assert table.loc[0, "Δ changed numpy"] == pytest.approx(0.9 - before)
    assert table.loc[1, "Δ changed numpy"] == 0 and (table["Δ changed torch"] == 0).all()
    assert (out / "compare.md").read_text().startswith("Test accuracy per grid point")
    assert main(["compare", str(animated_run), str(tmp_path)]) == 2  # not a run folder


def test_summary_text_is_cut_into_blocks_that_fit_the_terminal():
    table = pd.DataFrame({"hidden": ["5", "50"], "lr": ["0.1", "0.01"],
                          **{f"a long extra column {k}": [f"0.{k}000 / 0.{k}111"] * 2 for k in range(6)}})
    text = fit_to_width(table, n_keys=2)
    blocks = text.split("\n\n")
    assert len(blocks) > 1
    assert all(len(line) <= COMPACT_WIDTH for line in text.splitlines())
    assert all(block.startswith("hidden") and "0.01" in block for block in blocks)  # the grid point leads each block
    assert all(text.count(column) == 1 for column in table.columns[2:])           # every other column once
    narrow = table.iloc[:, :3]
    assert fit_to_width(narrow, n_keys=2) == narrow.to_markdown(index=False, tablefmt="simple", disable_numparse=True)
