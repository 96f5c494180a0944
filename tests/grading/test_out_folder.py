"""``grade --out`` is kept like ``parity --out`` (experiments/store/owned.py): a new, empty
or grader-marked folder, never written through a symlink, never over a file the grader
did not write, every file listed in its manifest."""
import os
from pathlib import Path

from experiments.cli import main
from experiments.grading.grade import MARKER
from experiments.store.owned import MANIFEST, OwnedFolder


def _submission(tmp_path: Path) -> Path:
    sub = tmp_path / "subs" / "s.py"
    sub.parent.mkdir()
    sub.write_text("x = 1\n")  # no gradable form: a row without a child process
    return sub


def test_every_file_is_listed_and_a_symlinked_page_is_never_written_through(tmp_path, capsys):
    sub, out = _submission(tmp_path), tmp_path / "out"
    assert main(["grade", str(sub), "--out", str(out)]) == 0
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {MANIFEST}
    assert written and written <= set(OwnedFolder(out).owned()), written
    assert {"grades.csv", "grades.html", MARKER} <= written and any(w.startswith("rows/") for w in written)
    target = tmp_path / "elsewhere.html"
    target.write_text("the teacher's own page")
    (out / "grades.html").unlink()
    os.symlink(target, out / "grades.html")
    capsys.readouterr()
    assert main(["grade", str(sub), "--out", str(out)]) == 2
    assert "grades.html is a symlink" in capsys.readouterr().err
    assert target.read_text() == "the teacher's own page" and (out / "grades.html").is_symlink()


def test_a_users_grades_csv_is_never_overwritten(tmp_path, capsys):
    sub = _submission(tmp_path)
    mine = b"student,mark\nana,5\n"
    for name, marked in (("plain", False), ("marked", True)):
        out = tmp_path / name
        out.mkdir()
        (out / "grades.csv").write_bytes(mine)
        if marked:  # a marker, but grades.csv is not in the grader's manifest
            (out / MARKER).write_text("{}\n")
        before = sorted(p.name for p in out.iterdir())
        assert main(["grade", str(sub), "--out", str(out)]) == 2, name
        assert "grades.csv" in capsys.readouterr().err or not marked
        assert (out / "grades.csv").read_bytes() == mine
        assert sorted(p.name for p in out.iterdir()) == before, name


def test_a_dangling_symlink_out_is_refused(tmp_path, capsys):
    sub, out = _submission(tmp_path), tmp_path / "out"
    os.symlink(tmp_path / "nowhere", out)
    assert main(["grade", str(sub), "--out", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists() and out.is_symlink()
