"""Folders the program writes into (run folders, ``parity --out``, ``compare --out``): which
ones it may use, and writing into them without ever touching a file it did not write.

- ``check_out_path``: a path that can become a folder (no dangling link, no file on the
  way, names the file system accepts, a writable parent) - checked before anything is made.
- ``check_folder``: a folder is usable when it is new, empty, or carries the program's
  marker file; a pre-existing symlink at a name the program writes is refused.
- ``OwnedFolder``: every file is written to a fresh temporary file in its folder and moved
  into place (``os.replace`` replaces a symlink instead of writing through it), appends
  open with ``O_NOFOLLOW``, and each path written is recorded in ``MANIFEST`` (JSON lines),
  so that a clean-up (``run --fresh``, stale figures) removes exactly those files.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable

from ..errors import UserInputError

__all__ = ["FolderError", "MANIFEST", "check_out_path", "check_folder", "mark_folder", "OwnedFolder", "open_regular",
           "check_output_folder", "output_folder", "OUTPUT_FILES"]

MANIFEST = ".experiments-files.jsonl"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class FolderError(UserInputError):
    """An output folder that cannot be used as asked; nothing was written or removed."""


def _first_existing(path: Path) -> tuple[Path, list[str]]:
    """The deepest existing ancestor of ``path`` (``lexists``) and the names below it."""
    missing: list[str] = []
    while not os.path.lexists(path) and path != path.parent:
        missing.insert(0, path.name)
        path = path.parent
    return path, missing


def check_out_path(path: str | Path, option: str = "--out") -> Path:
    """``path`` if a folder can be made (or used) there, else ``FolderError`` naming it:
    a dangling symlink, a file on the way (``file.txt/sub``), a name longer than the file
    system allows, or a parent that is not writable (read-only file system, permissions)."""
    if "\0" in str(path):
        raise FolderError(f"{option} {str(path)!r}: a path cannot hold a NUL character")
    path = Path(path)
    base, missing = _first_existing(path.absolute())  # lexists: no error on a name too long
    if not missing and base.is_symlink() and not base.exists():
        raise FolderError(f"{option} {path}: is a symlink to {os.readlink(base)}, which does not exist")
    if not missing and not base.is_dir():
        return path  # an existing file: the caller says what it is
    if not base.is_dir():
        raise FolderError(f"{option} {path}: {base} is {'a symlink to nowhere' if base.is_symlink() else 'a file'}, "
                          "not a folder")
    try:
        limit = os.pathconf(base, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    for name in missing:
        if len(os.fsencode(name)) > limit:
            raise FolderError(f"{option} {path}: the name {name[:40]}... is {len(os.fsencode(name))} bytes long; "
                              f"the file system allows {limit}")
    if not os.access(base, os.W_OK | os.X_OK):
        raise FolderError(f"{option} {path}: cannot write in {base} (read-only file system or no permission)")
    return path


def check_folder(path: str | Path, marker: str, what: str, *, kind: str = "--out", option: str = "--out",
                 ignore: tuple[str, ...] = (), entries: tuple[str, ...] = (), targets: tuple[str, ...] = (),
                 nested: bool = False) -> Path:
    """``path`` as a folder the program (``what``: ``"this runner"``) may write into, or
    ``FolderError``; ``kind`` names the path in messages (``"run folder"``, ``"--out"``).

    Allowed: a new path (``check_out_path``), an empty folder (but for ``ignore``) or a
    folder holding ``marker`` (with ``nested``, also one holding only such folders). Refused:
    a file, a non-empty folder without the marker, a symlink at one of ``entries`` (the
    names the program writes at the top) or on the way to a ``targets`` file (relative
    path), and an existing ``targets`` file that the folder's ``MANIFEST`` does not list.
    """
    path = check_out_path(path, option)
    if path.exists() and not path.is_dir():
        raise FolderError(f"{kind} {path}{':' if kind.startswith('-') else ''} is a file, not a folder")
    if not path.is_dir():
        return path

    def ours(p: Path) -> bool:  # an ignored name, or (nested) a folder of the same program
        return p.name in ignore or (nested and p.is_dir() and not p.is_symlink() and (p / marker).is_file())

    marked = (path / marker).is_file() and not (path / marker).is_symlink()
    if not marked and not all(ours(p) for p in path.iterdir()):
        raise FolderError(f"{path} is not empty and was not made by {what} (no {marker} file); "
                          f"choose another {option} or an empty folder")
    prefixes = {Path(*Path(rel).parts[:k]) for rel in targets for k in range(1, len(Path(rel).parts) + 1)}
    for name in sorted({marker, MANIFEST, *entries, *map(str, prefixes)}):
        if (path / name).is_symlink():
            raise FolderError(f"{path / name} is a symlink; {what} writes a file of its own there - remove the "
                              f"link or choose another {option}")
    owned = OwnedFolder(path).owned()
    for rel in targets:
        if os.path.lexists(path / rel) and rel not in owned:
            raise FolderError(f"{path / rel} exists and was not written by {what}; move it or choose another {option}")
    return path


# the files ``parity`` and ``compare`` write into their ``--out`` folder (parity: per grid point)
OUTPUT_FILES = {"parity": ("parity.csv", "parity.png"), "compare": ("compare.csv", "compare.md")}


def check_output_folder(path: str | Path, command: str, subfolders: list[str] = ("",)) -> Path:
    """The ``--out`` folder of ``parity`` or ``compare`` (``command``), which will hold its
    ``OUTPUT_FILES`` in each of ``subfolders``: ``check_folder`` with the command's own
    marker; a folder holding only such folders (``results/parity``, a folder per config) is
    fine."""
    targets = tuple((Path(sub) / name).as_posix() for sub in subfolders for name in OUTPUT_FILES[command])
    return check_folder(path, f".experiments-{command}", command, kind="--out", targets=targets, nested=True)


def output_folder(path: str | Path, command: str) -> OwnedFolder:
    """The checked ``--out`` folder of ``command``, created and marked, to write into."""
    mark_folder(Path(path), f".experiments-{command}", {"made_by": f"python -m experiments {command}"})
    return OwnedFolder(path)


def mark_folder(path: Path, marker: str, info: dict) -> None:
    """Create ``path`` (if needed) and write its marker (once; an existing one is kept).
    A folder the system will not create (``/proc/x``, ``/sys/x``) raises ``FolderError``."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FolderError(f"cannot create the folder {path}: {exc.strerror or exc}") from None
    if not (path / marker).is_file():
        OwnedFolder(path).write(path / marker, json.dumps(info, indent=2) + "\n")


def open_regular(path: Path, flags: int) -> int:
    """``os.open(path, flags)`` without following a symlink at ``path``; ``FolderError``
    naming ``path`` when it is a symlink or not a regular file (a fifo, a device)."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FolderError(f"{path} is a symlink; refusing to open it (remove the link)") from None
        if exc.errno == errno.EISDIR:
            raise FolderError(f"{path} is a folder, not a regular file; remove it") from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FolderError(f"{path} is not a regular file; refusing to write into it")
    if info.st_nlink > 1:  # a hard link: writing would change the other name's file too
        os.close(fd)
        raise FolderError(f"{path} is a hard link ({info.st_nlink} names for one file); refusing to write into "
                          "it (remove this name)")
    return fd


def _inside(rel: str) -> bool:
    """Whether the manifest entry ``rel`` names a path inside its folder (relative, no ``..``)."""
    parts = Path(rel).parts
    return bool(parts) and not Path(rel).is_absolute() and ".." not in parts


class OwnedFolder:
    """Writes into the folder ``root`` that never follow a symlink at the written path and
    are recorded in ``root / MANIFEST``. Paths are given inside ``root`` (``root / "a.csv"``)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.manifest = self.root / MANIFEST
        self._cache: set[str] | None = None

    def _rel(self, path: str | Path) -> str:
        return Path(path).relative_to(self.root).as_posix()

    def _known(self) -> set[str]:
        if self._cache is None:  # read once; this object's own writes keep it current
            self._cache = set(self.owned())
        return self._cache

    def _log(self, kind: str, rel: str) -> None:
        fd = open_regular(self.manifest, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, (json.dumps({kind: rel}) + "\n").encode())
        finally:
            os.close(fd)
        if kind == "w":
            self._known().add(rel)
        else:
            self._known().discard(rel)

    def owned(self) -> list[str]:
        """Relative paths written here and not removed since, in first-written order."""
        if not self.manifest.is_file() or self.manifest.is_symlink():
            return []
        files: dict[str, None] = {}
        for line in self.manifest.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn line: its write may not have happened; the file is not ours
            if isinstance(entry, dict) and isinstance(entry.get("w"), str):
                if _inside(entry["w"]):  # a hand-edited entry pointing out of the folder is not ours
                    files.setdefault(entry["w"], None)
            elif isinstance(entry, dict) and isinstance(entry.get("rm"), str):
                files.pop(entry["rm"], None)
        return list(files)

    def record(self, paths) -> None:
        """Add ``paths`` (files the program wrote before it kept a manifest) to the manifest."""
        for rel in dict.fromkeys(self._rel(p) for p in paths):
            if rel not in self._known():
                self._log("w", rel)

    def folder(self, path: str | Path) -> Path:
        """The folder ``path`` (created if needed); a symlink there raises ``FolderError``."""
        path = Path(path)
        for part in [path, *path.parents]:
            if part == self.root or len(part.parts) < len(self.root.parts):
                break
            if part.is_symlink():
                raise FolderError(f"{part} is a symlink; refusing to write through it")
        path.mkdir(parents=True, exist_ok=True)
        return path

    def write_with(self, path: str | Path, fill: Callable[[Path], object]) -> Path:
        """Write the file ``path`` by calling ``fill(tmp)``, which writes a fresh temporary
        file in the same folder (with the same suffix), then move it into place."""
        path = Path(path)
        rel = self._rel(path)
        self.folder(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
        try:
            os.fchmod(fd, 0o666 & ~_UMASK)
            os.close(fd)
            fill(Path(tmp))
            fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if rel not in self._known():
            self._log("w", rel)
        return path

    def write(self, path: str | Path, data: bytes | str) -> Path:
        """Write ``data`` (text as UTF-8) to the file ``path``."""
        blob = data.encode() if isinstance(data, str) else data
        return self.write_with(path, lambda tmp: tmp.write_bytes(blob))

    def append(self, path: str | Path, text: str) -> None:
        """Append ``text`` to the file ``path`` (created if needed), fsynced."""
        rel = self._rel(path)
        self.folder(Path(path).parent)
        fd = open_regular(Path(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, text.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if rel not in self._known():
            self._log("w", rel)

    def truncate(self, path: str | Path, size: int) -> None:
        """Cut the file ``path`` to ``size`` bytes (not through a symlink)."""
        fd = open_regular(Path(path), os.O_WRONLY)
        try:
            os.ftruncate(fd, size)
        finally:
            os.close(fd)

    def remove(self, path: str | Path) -> bool:
        """Remove the file ``path`` if the manifest lists it; whether it was listed. Never
        outside the folder, never through a symlinked sub-folder."""
        rel = self._rel(path)
        if rel not in self._known() or not _inside(rel):
            return False
        for part in list(Path(path).parents):
            if part == self.root or len(part.parts) <= len(self.root.parts):
                break
            if part.is_symlink():
                raise FolderError(f"{part} is a symlink; refusing to remove {path} through it")
        if os.path.islink(path) or os.path.isfile(path):
            os.unlink(path)
        self._log("rm", rel)
        return True

    def move_aside(self, path: str | Path, dest: str | Path) -> None:
        """Move the regular file ``path`` (not a symlink) to ``dest`` inside the folder, where
        it is no longer the program's: the manifest drops it, so ``--fresh`` keeps it."""
        path, dest = Path(path), Path(dest)
        if path.is_symlink() or not path.is_file():
            raise FolderError(f"{path} is not a regular file; refusing to move it")
        self.folder(dest.parent)
        os.replace(path, dest)
        rel = self._rel(path)
        if rel in self._known():
            self._log("rm", rel)
