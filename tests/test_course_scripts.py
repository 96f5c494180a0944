"""Course-style driver scripts (``tests/course_scripts/``, written here in the lab's style)
run as the student runs them: in a lab folder with the kit's ``data.py`` shim, each script
as ``python SCRIPT.py`` with only the course imports, ``MPLBACKEND=Agg`` (``plt.show()``
returns at once)."""
import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from data_utils.course_kit import init

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "tests" / "course_scripts").glob("*.py"))
# the lab files' own imports, and the course imports that replace the student's definitions
ALLOWED = {"numpy", "matplotlib.pyplot", "torch", "torch.nn", "torch.optim", "data", "fcann2.course",
           "pt_deep.course"}
EXPECTED = {  # a line of each script's output that shows it computed what the lab computes
    "data_demo.py": "sample shape (100, 2)",
    "fcann2_gmm.py": "accuracy",
    "fcann2_star_import.py": "confusion matrix",
    "pt_deep_relu.py": "class counts [80 80]",  # the lab's data for seed 100 (was [0 160])
    "pt_deep_logreg_3class.py": "parameters 9",
    "pt_deep_own_loop.py": "biases [(5,), (2,)]",
}


def test_every_script_is_listed():
    assert sorted(p.name for p in SCRIPTS) == sorted(EXPECTED)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_uses_only_course_imports(script):
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module]
        else:
            continue
        assert set(names) <= ALLOWED, f"{script.name}: import of {names}"


@pytest.fixture(scope="module")
def lab_dir(tmp_path_factory):
    lab = tmp_path_factory.mktemp("lab1")
    init(lab)
    for script in SCRIPTS:
        shutil.copy(script, lab / script.name)
    return lab


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_runs_as_the_student_runs_it(script, lab_dir):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, script.name], cwd=lab_dir, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert EXPECTED[script.name] in proc.stdout, proc.stdout[-2000:]
    assert "Traceback" not in proc.stderr
