"""No file of the user's is truncated, overwritten or deleted by run, report, parity or
compare (symlinks planted at the lock or at the report, user files inside the runner's
sub-folders, a user's parity.csv/compare.csv), and no folder the program cannot use is
half-made (issue 19)."""
import json
import os
import stat

import pytest

from experiments.cli import main
from experiments.store.owned import MANIFEST, FolderError, OwnedFolder, check_out_path
from experiments.store.folder import LOCK_FILE
from experiments.store.lock import run_lock



def _snapshot(folder):
    return sorted((p.relative_to(folder).as_posix(), p.read_bytes() if p.is_file() and not p.is_symlink() else
                   os.readlink(p) if p.is_symlink() else None) for p in folder.rglob("*"))


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "victim.txt"
    path.write_bytes(b"the user's precious file\n")
    return path


def test_a_symlinked_lock_is_refused_by_run_and_victim_kept(tiny_config, tmp_path, victim, capsys, small):
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).symlink_to(victim)
    assert main(["run", str(tiny_config(epochs=1)), "--out", str(out), *small]) == 2
    assert str(out / LOCK_FILE) in capsys.readouterr().err
    assert victim.read_bytes() == b"the user's precious file\n"
    assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE]


def test_a_symlinked_lock_is_refused_by_report_and_victim_kept(finished_run, victim, capsys):
    (finished_run / LOCK_FILE).unlink()
    (finished_run / LOCK_FILE).symlink_to(victim)
    before = _snapshot(finished_run)
    assert main(["report", str(finished_run)]) == 2
    assert str(finished_run / LOCK_FILE) in capsys.readouterr().err
    assert victim.read_bytes() == b"the user's precious file\n"
    assert _snapshot(finished_run) == before


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_the_lock_is_opened_without_following_links(tmp_path, victim, kind):
    folder = tmp_path / "run"
    folder.mkdir()
    lock = folder / LOCK_FILE
    {"symlink": lambda: lock.symlink_to(victim), "fifo": lambda: os.mkfifo(lock), "folder": lock.mkdir}[kind]()
    with pytest.raises(FolderError, match=str(lock)):
        with run_lock(folder):
            pass
    assert victim.read_bytes() == b"the user's precious file\n"


def test_report_refuses_a_symlinked_report_html(finished_run, victim, capsys):
    (finished_run / "report.html").unlink()
    (finished_run / "report.html").symlink_to(victim)
    assert main(["report", str(finished_run)]) == 2
    assert str(finished_run / "report.html") in capsys.readouterr().err
    assert victim.read_bytes() == b"the user's precious file\n"


def test_a_write_replaces_a_symlink_instead_of_writing_through_it(tmp_path, victim):
    files = OwnedFolder(tmp_path / "run")
    (tmp_path / "run" / "plots").mkdir(parents=True)
    (tmp_path / "run" / "plots" / "x.png").symlink_to(victim)
    files.write(tmp_path / "run" / "plots" / "x.png", b"figure")
    files.append(tmp_path / "run" / "cells.jsonl", "{}\n")
    assert victim.read_bytes() == b"the user's precious file\n"
    assert (tmp_path / "run" / "plots" / "x.png").read_bytes() == b"figure"
    assert files.owned() == ["plots/x.png", "cells.jsonl"]
    (tmp_path / "run" / "log.jsonl").symlink_to(victim)
    with pytest.raises(FolderError, match="symlink"):
        files.append(tmp_path / "run" / "log.jsonl", "{}\n")
    assert victim.read_bytes() == b"the user's precious file\n"


def test_writes_never_go_through_a_symlinked_sub_folder(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "plots").symlink_to(elsewhere)
    with pytest.raises(FolderError, match="symlink"):
        OwnedFolder(tmp_path / "run").write(tmp_path / "run" / "plots" / "a.png", b"x")
    assert list(elsewhere.iterdir()) == []


USER_FILES = {"tables/my_notes.txt": b"notes", "plots/my_figure.png": b"\x89PNG mine", "data/my_dataset.csv": b"a,b\n1,2\n",
              "curves/keep.json": b"[1, 2, 3]"}


def _add_user_files(run):
    for rel, data in USER_FILES.items():
        (run / rel).parent.mkdir(exist_ok=True)
        (run / rel).write_bytes(data)


def _user_files_kept(run):
    return all((run / rel).read_bytes() == data for rel, data in USER_FILES.items())


def test_fresh_and_report_remove_only_the_runners_files(tiny_config, finished_run, capsys, small):
    _add_user_files(finished_run)
    (finished_run / "outputs" / "extra").mkdir()  # a user's sub-folder inside a runner's folder
    assert main(["report", str(finished_run)]) == 0
    assert _user_files_kept(finished_run)
    ours = OwnedFolder(finished_run).owned()
    assert "tables/cells.csv" in ours and any(p.startswith("curves/") for p in ours)
    assert main(["run", str(tiny_config(epochs=1)), "--out", str(finished_run), *small, "--fresh"]) == 0
    assert _user_files_kept(finished_run)
    assert (finished_run / "outputs" / "extra").is_dir()
    assert (finished_run / "report.html").is_file() and (finished_run / "tables" / "cells.csv").is_file()
    assert "plots/my_figure.png" not in OwnedFolder(finished_run).owned()


def test_fresh_on_a_run_folder_from_before_the_manifest(tiny_config, finished_run, small):
    """Such a folder adopts only the files it can name as the runner's (the records' side
    files, the fixed tables and top-level files, the figures report.md links)."""
    (finished_run / MANIFEST).unlink()
    _add_user_files(finished_run)
    (finished_run / "curves" / "not_a_cell.json").write_text("{}")
    assert main(["run", str(tiny_config(epochs=1)), "--out", str(finished_run), *small, "--fresh"]) == 0
    assert _user_files_kept(finished_run)
    assert (finished_run / "curves" / "not_a_cell.json").read_text() == "{}"
    owned = OwnedFolder(finished_run).owned()
    assert "config.toml" in owned and not any("my_" in p or "keep" in p or "not_a_cell" in p for p in owned)


@pytest.mark.parametrize("command", ["parity", "compare"])
def test_parity_and_compare_never_overwrite_a_users_file(finished_run, tiny_config, tmp_path, capsys, command):
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{command}.csv").write_text("the user's own table\n")
    before = _snapshot(out)
    argv = (["parity", str(tiny_config(epochs=1)), "--steps", "2", "--out", str(out)] if command == "parity" else
            ["compare", str(finished_run), str(finished_run), "--out", str(out)])
    assert main(argv) == 2
    assert str(out) in capsys.readouterr().err
    assert _snapshot(out) == before
    fresh = tmp_path / "fresh"
    argv[argv.index(str(out))] = str(fresh)
    assert main(argv) == 0 and main(argv) == 0  # a folder it made: written again
    assert (fresh / f".experiments-{command}").is_file() and f"{command}.csv" in OwnedFolder(fresh).owned()
    (fresh / f"{command}.csv").unlink()
    (fresh / f"{command}.csv").symlink_to(out / f"{command}.csv")  # planted at a name it writes
    assert main(argv) == 2
    assert _snapshot(out) == before


def _bad_out(kind, tmp_path):
    if kind == "dangling-symlink":
        (tmp_path / "link").symlink_to(tmp_path / "missing")
        return tmp_path / "link"
    if kind == "under-a-file":
        (tmp_path / "file.txt").write_text("x")
        return tmp_path / "file.txt" / "sub"
    if kind == "long-name":
        return tmp_path / ("n" * 300)
    parent = tmp_path / "readonly"
    parent.mkdir()
    parent.chmod(0o555)
    if os.access(parent, os.W_OK):
        pytest.skip("running as root: a 0o555 folder stays writable (see the os.access test below)")
    return parent / "out"


def _argv(command, out, cfg, run, small):
    return {"run": ["run", cfg, "--out", str(out), *small],
            "parity": ["parity", cfg, "--steps", "2", "--out", str(out)],
            "compare": ["compare", run, run, "--out", str(out)]}[command]


@pytest.mark.parametrize("kind", ["dangling-symlink", "under-a-file", "long-name", "read-only"])
@pytest.mark.parametrize("command", ["run", "parity", "compare"])
def test_an_out_path_that_cannot_be_a_folder_exits_2(tiny_config, tmp_path, capsys, monkeypatch, small, command, kind):
    cfg = str(tiny_config(epochs=1))
    run = tmp_path / "a_run"
    (run / "curves").mkdir(parents=True)  # compare refuses --out before reading its runs
    out = _bad_out(kind, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    assert main(_argv(command, out, cfg, str(run), small)) == 2
    assert str(out) in capsys.readouterr().err
    assert _snapshot(tmp_path) == before


def test_a_long_run_name_creates_no_results_folder(tiny_config, tmp_path, capsys, monkeypatch, small):
    monkeypatch.chdir(tmp_path)
    cfg = str(tiny_config(epochs=1))
    before = _snapshot(tmp_path)
    assert main(["run", cfg, "--set", f"name={'n' * 300}", *small]) == 2
    assert "n" * 40 in capsys.readouterr().err
    assert _snapshot(tmp_path) == before and not (tmp_path / "results").exists()


def test_a_read_only_parent_is_refused(tmp_path, monkeypatch):
    """What a read-only file system (EROFS) looks like to ``os.access``, also as root."""
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(tmp_path) else real(p, mode, **kw))
    with pytest.raises(FolderError, match=f"{tmp_path}.*read-only"):
        check_out_path(tmp_path / "new" / "deeper")
    assert not (tmp_path / "new").exists()


def test_a_manifest_entry_outside_the_folder_is_never_removed(tmp_path):
    """A hand-edited (or crafted) manifest line naming ``../x`` or an absolute path is not the
    runner's: ``--fresh`` removes nothing outside the run folder."""
    from experiments.store.folder import MARKER, clear_run_folder
    run, outside = tmp_path / "run", tmp_path / "outside"
    run.mkdir(), outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me")
    (run / MARKER).write_text("{}")
    (run / MANIFEST).write_text(json.dumps({"w": "../outside/victim.txt"}) + "\n"
                                + json.dumps({"w": str(victim)}) + "\n")
    removed = clear_run_folder(run)
    assert victim.read_text() == "keep me" and "../outside/victim.txt" not in removed


def test_removal_never_goes_through_a_symlinked_sub_folder(tmp_path):
    run, elsewhere = tmp_path / "run", tmp_path / "elsewhere"
    run.mkdir(), elsewhere.mkdir()
    (elsewhere / "a.csv").write_text("user data")
    files = OwnedFolder(run)
    files.write(run / "tables" / "a.csv", "runner's")
    (run / "tables" / "a.csv").unlink(), (run / "tables").rmdir()
    (run / "tables").symlink_to(elsewhere)
    with pytest.raises(FolderError):
        files.remove(run / "tables" / "a.csv")
    assert (elsewhere / "a.csv").read_text() == "user data"


def test_a_hard_linked_lock_or_manifest_is_refused_and_the_other_file_kept(tmp_path, tiny_config, small):
    """A hard link is a second name for a user's file: writing through it would change the
    user's bytes (truncating the lock emptied it), so the runner refuses it."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious " * 50)
    out = tmp_path / "out"
    out.mkdir()
    os.link(victim, out / LOCK_FILE)
    assert main(["run", str(tiny_config), "--out", str(out), *small]) == 2
    assert victim.read_text() == "precious " * 50


@pytest.mark.parametrize("out", ["/proc/experiments_out", "bad\0name"])
def test_an_out_the_system_will_not_create_exits_2(tmp_path, tiny_config, small, out, capsys):
    assert main(["run", str(tiny_config), "--out", out, *small]) == 2
    assert "error:" in capsys.readouterr().err


def test_report_of_a_folder_whose_config_is_not_toml_exits_2(finished_run, capsys):
    (finished_run / "config.toml").write_text("this is = = not toml")
    assert main(["report", str(finished_run)]) == 2
    assert "config.toml: not the run's TOML config" in capsys.readouterr().err


def test_a_point_value_smuggling_toml_exits_2(tmp_path, capsys):
    assert main(["parity", "spiral", "--point", "train.lr=0.1\nx = 1", "--out", str(tmp_path / "p")]) == 2
    assert "more TOML after a line break" in capsys.readouterr().err and not (tmp_path / "p").exists()
