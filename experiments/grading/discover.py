"""What to grade in the paths a teacher names: a file is one submission; in a folder
(one student's, or a folder of students' folders, at any depth) every ``.py`` file that
defines a gradeable form (``fcann2_train``, ``class PTDeep``, a class with ``forward`` and
``backward``, a plug-in class) is one row, named by its path below the folder; a folder
with Python files but nothing gradeable is one "nothing to grade" row. Found by reading
the source (``ast``), without running it. Hidden folders, ``__pycache__`` and virtual
environments are skipped."""
from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserInputError

__all__ = ["Entry", "find_entries", "gradeable"]

_SKIP = {"__pycache__", "site-packages", "node_modules", "venv", ".venv", "env"}
_PLUGIN = {"from_params", "to_params", "loss_and_grads"}


@dataclass(frozen=True)
class Entry:
    """One row: ``name`` (shown), the ``file`` to grade (None: a folder with nothing) and
    the content hash of the file and its folder's other Python files."""

    name: str
    file: Path | None
    folder: Path
    digest: str


def gradeable(source: str) -> bool:
    """Does ``source`` define something the grader can try? A file that does not parse
    counts (its row says why it fails)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "fcann2_train":
            return True
        if isinstance(node, ast.ClassDef):
            methods = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
            if node.name == "PTDeep" or {"forward", "backward"} <= methods or _PLUGIN <= methods:
                return True
    return False


def _digest(file: Path | None, folder: Path, salt: str) -> str:
    h = hashlib.sha256(salt.encode())
    if file is not None:
        h.update(b"file:" + file.name.encode() + b"\0" + file.read_bytes())
    for other in sorted(folder.glob("*.py")):
        h.update(other.name.encode() + b"\0" + other.read_bytes())
    return h.hexdigest()


def _python_folders(root: Path):
    stack = [root]
    while stack:
        folder = stack.pop()
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".py")
        if files:
            yield folder, files
        stack += sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
                         and p.name not in _SKIP), reverse=True)


def find_entries(paths: list[str], salt: str) -> list[Entry]:
    """The rows to grade, in the order given; ``UserInputError`` for a path that does not
    exist or holds no Python file."""
    entries = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            if path.suffix != ".py":
                raise UserInputError(f"{raw}: not a Python file")
            entries.append(Entry(path.name, path.resolve(), path.resolve().parent,
                                 _digest(path, path.parent, salt)))
            continue
        if not path.is_dir():
            raise UserInputError(f"{raw}: no such file or folder")
        found = False
        for folder, files in _python_folders(path):
            found = True
            label = folder.relative_to(path).as_posix()
            prefix = "" if label == "." else label + "/"
            chosen = [f for f in files if gradeable(f.read_text(errors="replace"))]
            for f in chosen:
                entries.append(Entry(f"{path.resolve().name}/{prefix}{f.name}" if not prefix else prefix + f.name,
                                     f.resolve(), folder.resolve(), _digest(f, folder, salt)))
            if not chosen:
                entries.append(Entry(label if prefix else path.resolve().name, None, folder.resolve(),
                                     _digest(None, folder, salt)))
        if not found:
            raise UserInputError(f"{raw}: no Python files in this folder")
    return entries
