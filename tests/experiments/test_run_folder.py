"""The runner writes only into its own folders, and ``--fresh`` removes only what it made."""
import pytest

from experiments.cli import main
from experiments.store.folder import MARKER, RunFolderError, check_run_folder, clear_run_folder


def _snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.read_bytes() if p.is_file() else None)
                  for p in folder.rglob("*"))


def _not_a_run(tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "module.py").write_text("print('precious')\n")
    (src / "config.toml").write_text("# the user's own config, not ours\n")
    return src


@pytest.mark.parametrize("fresh", [True, False])
def test_a_folder_that_is_not_a_run_is_refused_and_untouched(tiny_config, tmp_path, capsys, fresh):
    src = _not_a_run(tmp_path)
    before = _snapshot(src)
    argv = ["run", str(tiny_config()), "--out", str(src), "--quiet", "--jobs", "1"] + (["--fresh"] if fresh else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert str(src) in err and "not made by this runner" in err
    assert _snapshot(src) == before


def test_out_naming_a_file_is_refused(tiny_config, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    assert main(["run", str(tiny_config()), "--out", str(target), "--quiet", "--fresh"]) == 2
    assert f"run folder {target} is a file" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_fresh_removes_only_the_runners_entries(tiny_config, tmp_path, capsys):
    out = tmp_path / "run"
    cfg = str(tiny_config(epochs=1))
    assert main(["run", cfg, "--out", str(out), "--quiet", "--jobs", "1", "--set", "sweep.seed=[0]"]) == 0
    assert (out / MARKER).is_file()
    (out / "my_notes.md").write_text("observations")
    (out / "analysis").mkdir()
    (out / "analysis" / "fig.png").write_bytes(b"\x89PNG")
    assert main(["run", cfg, "--out", str(out), "--jobs", "1", "--set", "sweep.seed=[0]", "--fresh"]) == 0
    assert "(0 reused from an earlier run)" in capsys.readouterr().out
    assert (out / "my_notes.md").read_text() == "observations"
    assert (out / "analysis" / "fig.png").read_bytes() == b"\x89PNG"


def test_an_empty_folder_may_become_a_run(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check_run_folder(empty) == empty
    assert clear_run_folder(empty) == []
    assert clear_run_folder(tmp_path / "new") == []


def test_clear_refuses_an_unmarked_folder(tmp_path):
    src = _not_a_run(tmp_path)
    with pytest.raises(RunFolderError, match="not made by this runner"):
        clear_run_folder(src)
    assert (src / "pkg" / "module.py").exists()


@pytest.mark.parametrize("name", ["..", ".", "../up", "a/b", "/abs", ".hidden"])
def test_run_names_are_plain(tiny_config, tmp_path, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    keep = tmp_path / "keep.txt"
    keep.write_text("x")
    assert main(["run", str(tiny_config()), "--set", f'name="{name}"', "--fresh", "--quiet"]) == 2
    assert "name: must be a plain name" in capsys.readouterr().err
    assert keep.read_text() == "x" and not (tmp_path / "results").exists()
