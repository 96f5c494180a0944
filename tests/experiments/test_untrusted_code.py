"""Reading a run folder or checking a config never imports user code; ``run`` and
``parity`` import a plug-in module only when they use it, and say so (issue 19)."""
import json

import pytest

from experiments.cli import build_parser, main
from experiments.config import load_config

SIDEFX = "from pathlib import Path\nPath({marker!r}).write_text('ran')\n\nclass Net:\n    pass\n"


@pytest.fixture
def sidefx(tmp_path, monkeypatch):
    """A module ``sidefx`` in the working directory that leaves a marker file when imported."""
    marker = tmp_path / "IMPORTED"
    (tmp_path / "sidefx.py").write_text(SIDEFX.format(marker=str(marker)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield marker
    import sys
    sys.modules.pop("sidefx", None)


def _plant_record(run):
    lines = (run / "cells.jsonl").read_text().splitlines()
    rec = json.loads(lines[0])
    rec.update(id="0123456789abcdef", impl="sidefx:Net")
    rec["spec"]["impl"] = "sidefx:Net"
    (run / "cells.jsonl").write_text("\n".join([*lines, json.dumps(rec)]) + "\n")


def test_report_and_compare_import_no_module_a_record_names(finished_run, sidefx, tmp_path, monkeypatch):
    _plant_record(finished_run)
    monkeypatch.chdir(finished_run)
    (finished_run / "sidefx.py").write_text((tmp_path / "sidefx.py").read_text())
    assert main(["report", "."]) == 0
    assert main(["compare", ".", str(finished_run), "--out", str(tmp_path / "cmp")]) == 0
    assert not sidefx.exists()


def test_checking_a_config_imports_no_plugin(tmp_path, sidefx):
    cfg = tmp_path / "plug.toml"
    cfg.write_text('impl = "sidefx:Net"\n[sweep]\nimpl = ["numpy", "sidefx:Net"]\n')
    assert load_config(cfg).impl == "sidefx:Net"
    assert not sidefx.exists()


def test_run_imports_the_plugin_it_uses_before_writing(tmp_path, sidefx, capsys):
    cfg = tmp_path / "plug.toml"
    cfg.write_text('[sweep]\nimpl = ["numpy", "sidefx:Net"]\n')
    assert main(["run", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert sidefx.exists()  # imported: the class does not meet the protocol, refused before anything is written
    assert "sweep.impl: sidefx:Net: Net does not meet the plug-in protocol" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command, option", [("run", None), ("parity", "--impl")])
def test_help_says_a_plugin_module_runs(command, option):
    sub = build_parser()._subparsers._group_actions[0].choices[command]
    text = sub.format_help().replace("\n", " ")
    assert "runs its code" in " ".join(text.split())
