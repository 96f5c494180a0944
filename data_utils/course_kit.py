"""``python -m data_utils.course_kit init LAB_DIR``: make the lab's ``import data`` work in
one folder, without a top-level ``data`` package in the environment.

It writes ``LAB_DIR/data.py``, one line (``from data_utils.course import *``), so the lab's
scripts in that folder - ``import data`` / ``from data import *`` - get the lab's
``data.py`` API (see ``data_utils.course``). A ``data.py`` it did not write is never
overwritten: the command refuses (exit 2) and names the file. Exit 0 when the shim is
written or already there.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["SHIM", "init", "main"]

SHIM = "from data_utils.course import *  # noqa: F401,F403 - the course's data.py (python -m data_utils.course_kit)\n"


def init(lab_dir: str | Path) -> Path:
    """Write the one-line ``data.py`` shim into ``lab_dir`` (created if missing).

    Returns the shim's path. Raises ``FileExistsError`` when ``lab_dir/data.py`` exists
    with other contents, ``NotADirectoryError`` when ``lab_dir`` is a file.
    """
    lab_dir = Path(lab_dir)
    if lab_dir.exists() and not lab_dir.is_dir():
        raise NotADirectoryError(f"{lab_dir}: not a folder")
    shim = lab_dir / "data.py"
    if shim.exists() or shim.is_symlink():
        if shim.is_file() and shim.read_text(errors="replace") == SHIM:
            return shim
        raise FileExistsError(f"{shim} exists and is not this kit's shim; left unchanged (remove or rename "
                              "it, or use `import data_utils.course as data` in your scripts)")
    lab_dir.mkdir(parents=True, exist_ok=True)
    shim.write_text(SHIM)
    return shim


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_utils.course_kit",
                                     description="Make the course lab's `import data` work in a folder.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="write a one-line data.py (the course's data module) into LAB_DIR")
    p.add_argument("lab_dir", metavar="LAB_DIR")
    args = parser.parse_args(argv)
    try:
        shim = init(args.lab_dir)
    except (FileExistsError, NotADirectoryError, PermissionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{shim}: `import data` and `from data import *` in {shim.parent} now give the course's data.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
