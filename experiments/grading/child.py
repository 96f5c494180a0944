"""The child process that runs one submission file: ``python -m experiments.grading.child
FILE DATA OUT``. It imports the file under a private module name (so its
``if __name__ == "__main__":`` block does not run), finds the form it can grade, probes it
and writes what it observed to ``OUT`` (data only: ``result_file``, tagged JSON of arrays,
numbers and strings; the parent builds no object from it).

The student's folder serves the student's own modules (``import data`` finds their
``data.py``) through a finder placed first on ``sys.meta_path`` - but never a name of the
standard library or of this project (``fcann2``, ``pt_deep``, ``data_utils``,
``experiments``), which stay the project's; the folder itself is not put on ``sys.path``.
``input()`` raises, ``sys.exit`` is caught, plots go to the non-interactive Agg backend
(``plt.show()`` returns at once) and nothing is written as bytecode.
"""
from __future__ import annotations

import builtins
import hashlib
import importlib.abc
import importlib.util
import sys
import time
from pathlib import Path

PROTECTED = frozenset({"fcann2", "pt_deep", "data_utils", "experiments"})


class StudentFinder(importlib.abc.MetaPathFinder):
    """Top-level modules from the submission's folder, but for the protected names."""

    def __init__(self, folder: Path):
        self.folder = folder

    def find_spec(self, fullname, path=None, target=None):
        if path is not None or fullname in PROTECTED or fullname in sys.stdlib_module_names:
            return None
        package = self.folder / fullname / "__init__.py"
        if package.is_file():
            return importlib.util.spec_from_file_location(fullname, package,
                                                          submodule_search_locations=[str(package.parent)])
        module = self.folder / f"{fullname}.py"
        if module.is_file():
            return importlib.util.spec_from_file_location(fullname, module)
        return None


def _no_input(*_args, **_kwargs):
    raise RuntimeError("input() called: the grader has no keyboard")


def _load(file: Path):
    name = "_submission_" + hashlib.sha256(str(file).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run(file: Path, data_path: Path) -> dict:
    """What the submission ``file`` shows (see ``experiments.grading.judge``), or
    ``{"status": "error", "stage": ..., "message": ...}``."""
    import numpy as np

    from .function_form import NotGradable
    from .forms import FORMS, found_forms
    from .probe import Settings, StudentError, student_call

    sys.dont_write_bytecode = True
    builtins.input = _no_input
    sys.meta_path.insert(0, StudentFinder(file.parent))
    with np.load(data_path) as npz:
        data = {k: npz[k] for k in npz.files}
    t0 = time.perf_counter()
    try:
        module, _ = student_call(f"importing {file.name}", str(file), _load, file)
    except StudentError as exc:
        return {"status": "error", "stage": "import", "message": str(exc)}
    import_time = time.perf_counter() - t0
    forms = found_forms(module)
    if not forms:
        return {"status": "nothing", "message": "no fcann2_train, PTDeep + train, layer classes (Dense, ReLU, "
                                                "softmax-cross-entropy) or plug-in class found"}
    form = forms[0]
    try:
        obs = FORMS[form][1](module, str(file), data, Settings())
    except NotGradable as exc:
        return {"status": "not graded", "form": form, "message": str(exc)}
    except StudentError as exc:
        return {"status": "error", "form": form, "stage": "probe", "message": str(exc)}
    if len(forms) > 1:
        obs["notes"].append(f"also found: {', '.join(forms[1:])} (one form graded per file)")
    obs["status"] = "graded"
    obs["import_seconds"] = import_time
    return obs


def main(argv=None) -> int:
    file, data_path, out = (Path(a) for a in (argv or sys.argv[1:]))
    try:
        result = run(file.resolve(), data_path)
    except MemoryError:
        result = {"status": "error", "stage": "probe", "message": "out of memory (the grader's memory limit)"}
    from .result_file import dump_result
    try:
        dump_result(result, out)
    except (TypeError, ValueError) as exc:  # something in the result is not plain data
        dump_result({"status": "error", "stage": "probe", "message": f"the observations cannot be stored: {exc}"},
                    out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
