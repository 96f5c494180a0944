"""Reference models (``[[references]]``): validation at config load (exit 2, nothing
written), a run that trains each reference once per data spec and records it, the
summary rows and surfaces the report draws from the folder alone (without torch), resume
and ``--fresh``."""
import json
import shutil
import subprocess
import sys

import pytest

from experiments.cli import main
from experiments.config import ConfigError, parse_config
from experiments.parity.grid import pair_verdicts
from experiments.store.results import RunResults

BASE = """
name = "refs"
[data]
dataset = "moons"
params = { n_samples = 120 }
[model]
hidden = [4]
[train]
epochs = 3
[sweep]
impl = ["numpy", "torch"]
model.hidden = [[3], [4]]
"data.seed" = [0, 1]
"""
REFS = """
[[references]]
name = "rbf svm"
model = "svc"
params = { kernel = "rbf", C = 2.0 }
[[references]]
name = "logreg"
model = "logistic_regression"
"""


def _write(tmp_path, text):
    path = tmp_path / "refs.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("refs, message", [
    ('[[references]]\nname = "a"\nmodel = "svc"\nparams = { kernell = "rbf" }\n',
     "references[0].params.kernell: unknown parameter of svc (SVC)"),
    ('[[references]]\nname = "a"\nmodel = "svc"\nparams = { C = -1.0 }\n',
     "references[0].params.C: The 'C' parameter of SVC must be"),
    ('[[references]]\nname = "a"\nmodel = "random_svm"\n', "references[0].model: must be one of"),
    ('[[references]]\nname = "a"\nmodel = "svr"\n', "references[0].model: 'svr' is a regression model"),
    ('[[references]]\nname = "a"\nmodel = "svc"\n[[references]]\nname = "a"\nmodel = "svc"\n',
     "two references are named 'a'"),
])
def test_invalid_references_exit_2_before_anything_is_written(tmp_path, capsys, refs, message):
    path = _write(tmp_path, BASE + refs)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_references_cannot_be_swept():
    with pytest.raises(ConfigError, match="sweep.references: cannot sweep over references"):
        parse_config({"sweep": {"references": [[]]}})


def test_a_config_without_references_does_not_import_sklearn(tmp_path):
    path = _write(tmp_path, BASE)
    script = ("import sys\nfrom experiments.config import load_config\n"
              f"load_config({str(path)!r})\nprint(sorted(m for m in sys.modules if m.startswith('sklearn')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stderr


@pytest.fixture(scope="module")
def ref_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("refs")
    path = _write(tmp, BASE + REFS)
    assert main(["run", str(path), "--out", str(tmp / "run"), "--jobs", "1", "--quiet"]) == 0
    return path, tmp / "run"


def test_each_reference_runs_once_per_data_spec(ref_run):
    _, run = ref_run
    records = [json.loads(line) for line in (run / "references.jsonl").read_text().splitlines()]
    assert len(records) == 4  # 2 references x 2 data seeds, not x 8 cells
    assert {(r["reference"]["name"], r["data"]["seed"]) for r in records} == {
        (n, s) for n in ("rbf svm", "logreg") for s in (0, 1)}
    for rec in records:
        assert rec["status"] == "ok" and 0.5 < rec["metrics"]["test"]["accuracy"] <= 1
        assert (run / "outputs" / f"{rec['id']}.npz").is_file()
    results = RunResults(run)
    assert len(results.references) == 4 and len(results.records) == 8
    assert not any(r["id"].startswith("ref-") for r in results.records)
    assert set(pair_verdicts(results)["pair"]) == {r["pair"] for r in results.records}  # no reference paired


def test_summary_and_report_show_the_references(ref_run):
    _, run = ref_run
    text = (run / "tables" / "references.txt").read_text()
    assert "ref: rbf svm" in text and "ref: logreg" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "ref:" not in (run / "tables" / "summary.txt").read_text()
    report = (run / "report.md").read_text()
    assert "## Reference models" in report and "plots/reference_surfaces.png" in report
    assert (run / "plots" / "reference_surfaces.png").is_file()


def test_copied_folder_report_draws_references_without_torch(ref_run, tmp_path):
    _, run = ref_run
    copy = tmp_path / "copied"
    shutil.copytree(run, copy)
    for p in (copy / "plots").iterdir():
        p.unlink()
    script = ("import sys\nfrom experiments.cli import main\n"
              f"assert main(['report', {str(copy)!r}]) == 0\n"
              "assert 'torch' not in sys.modules and 'sklearn.svm' not in sys.modules\nprint('ok')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip().endswith("ok"), done.stderr
    assert (copy / "plots" / "reference_surfaces.png").is_file()


def test_resume_reuses_finished_references_and_fresh_reruns_them(ref_run, tmp_path):
    path, run = ref_run
    copy = tmp_path / "again"
    shutil.copytree(run, copy)
    before = (copy / "references.jsonl").read_text()
    assert main(["run", str(path), "--out", str(copy), "--jobs", "1", "--quiet"]) == 0
    assert (copy / "references.jsonl").read_text() == before
    lines = before.splitlines()
    (copy / "references.jsonl").write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20])  # torn by a kill
    assert main(["run", str(path), "--out", str(copy), "--jobs", "1", "--quiet"]) == 0
    after = (copy / "references.jsonl").read_text().splitlines()
    assert after[:-1] == lines[:-1] and json.loads(after[-1])["id"] == json.loads(lines[-1])["id"]
    assert main(["run", str(path), "--out", str(copy), "--jobs", "1", "--quiet", "--fresh"]) == 0
    assert len((copy / "references.jsonl").read_text().splitlines()) == 4
