"""The course grader on hand-written, course-style submissions: each form, each valid
convention, located bugs, and the isolation rows (README "Grade a folder of lab
submissions")."""
import csv

import pytest

from experiments.cli import main

FORMS = {"ana": "function", "dee": "function", "bo": "pytorch", "torch64": "pytorch", "cy": "layers",
         "my_mlp.py": "plugin"}


@pytest.mark.parametrize("name, form", sorted(FORMS.items()))
def test_each_form_is_found_and_graded_correct(graded, name, form):
    row = graded[0][name]
    # cy's layers are written as in the nnfs book: L2 as lambda*||W||^2, a valid convention
    expected = ("valid", "valid") if name == "cy" else ("correct", "correct")
    assert (row["form"], row["verdict"], row["params"]) == (form, *expected), row["evidence"]
    assert row["classify"] == "correct", row["classify_reason"]
    assert isinstance(row["accuracy"], float) and row["accuracy"] > 0.5
    assert row["thumbnail"]


def test_the_data_module_is_the_students(graded):
    """ana/fcann2.py does ``import data`` and its data.py sits next to it; the project's
    packages stay the project's (the grader's own imports would fail otherwise)."""
    assert graded[0]["ana"]["status"] == "graded"
    assert not list((graded[3] / "ana").glob("__pycache__")), "bytecode written into a student's folder"


@pytest.mark.parametrize("name, convention", [
    ("conv_sum", "loss summed over the batch"),
    ("conv_l2_lambda", "L2 written lambda*||W||^2"),
    ("conv_bias_reg", "biases regularised"),
    ("conv_torch_wd", "biases regularised"),
    ("conv_eps_log", "epsilon 0.001 inside the log"),
])
def test_valid_conventions_are_told_from_bugs(graded, name, convention):
    row = graded[0][name]
    assert row["verdict"] == "valid", row["evidence"]
    assert convention in row["evidence"]


def test_sum_loss_says_how_the_lr_acts(graded):
    assert "your lr acts N times larger" in graded[0]["conv_sum"]["evidence"]


def test_decay_written_as_a_factor_is_the_labs_step(graded):
    assert graded[0]["conv_decay"]["verdict"] == "correct"


# name -> (verdict part, step, the tensor named first, words of the reason)
BUGS = {
    "bug_l2_ignored": ("params", 0, "W2", "L2 term is missing"),
    "bug_torch_l2_ignored": ("params", 0, "W2", "L2 term is missing"),  # float32: found at step 0
    "bug_sigmoid": ("params", 0, "W2", "output layer's error"),
    "bug_dw_axis": ("params", 0, "W2", "6 times the lab's"),
    "bug_db_no_mean": ("params", 0, "b2", "30 times the lab's"),
    "bug_bias_sign": ("params", 0, "b1", "sign of its update is flipped"),
    "bug_relu_mask_nobias": ("params", 1, "W1", "backward pass through the hidden layer"),
    "bug_relu_mask_grad": ("params", 0, "W1", "backward pass through the hidden layer"),
    "bug_softmax_loss": ("params", 0, "W2", "output layer's error"),
    "bug_classify_rows": ("classify", None, None, "rows do not sum to 1"),
    "bug_loss_sign": ("loss", None, None, "printed loss is -"),
}


@pytest.mark.parametrize("name", sorted(BUGS))
def test_bugs_are_located(graded, name):
    part, step, tensor, words = BUGS[name]
    row = graded[0][name]
    assert row["verdict"] == "bug", row["evidence"]
    assert row[part] == "bug"
    assert words in row["evidence"], row["evidence"]
    if step is not None:
        assert row["step"] == step and row["tensor"].startswith(tensor), (row["step"], row["tensor"])


def test_loss_and_parameters_get_separate_verdicts(graded):
    row = graded[0]["bug_loss_sign"]
    assert (row["params"], row["loss"]) == ("correct", "bug")
    assert graded[0]["bug_sigmoid"]["classify"] == "bug"  # a sigmoid classifier is caught too


def test_a_missing_l2_is_not_rescued(graded):
    """The harness never adds the penalty the student left out."""
    row = graded[0]["bug_l2_ignored"]
    assert row["params"] == "bug" and "lambda ignored" in row["evidence"]


@pytest.mark.parametrize("name, words", [
    ("crash", "RuntimeError: half-finished lab"),
    ("exits", "sys.exit(3)"),
    ("asks", "input() called"),
    ("os_exit", "exit code 7"),
    ("greedy", "memory"),
    ("notes", "no fcann2_train"),
])
def test_student_failures_become_their_rows(graded, name, words):
    row = graded[0][name]
    assert row["verdict"] == "not graded" and words in row["evidence"], row["evidence"]


def test_plt_show_and_main_blocks_do_not_stop_grading(graded):
    """ana's ``__main__`` block calls plt.show() and raises; plt_show calls plt.show() at import."""
    assert graded[0]["plt_show"]["verdict"] == "correct"


def test_teacher_files(graded):
    rows, seconds, out, _ = graded
    with open(out / "grades.csv") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == len(rows) and {"submission", "form", "verdict", "evidence", "accuracy"} <= set(table[0])
    page = (out / "grades.html").read_text()
    assert page.count("data:image/png;base64,") >= len(FORMS) and "<script" not in page


def test_a_rerun_grades_only_what_changed(graded, capsys):
    rows, _, out, root = graded
    (root / "ana" / "fcann2.py").write_text((root / "ana" / "fcann2.py").read_text() + "\n# edited\n")
    lines = []
    from experiments.grading.grade import grade
    again = grade([str(root / "ana"), str(root / "dee")], out, jobs=1, echo=lines.append)
    assert lines[0].startswith("1 of 2 submissions unchanged")
    assert [r.get("reused", False) for r in again] == [False, True]


def test_the_grader_writes_only_into_its_own_folder(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep")
    sub = tmp_path / "s.py"
    sub.write_text("x = 1\n")
    assert main(["grade", str(sub), "--out", str(tmp_path)]) == 2
    assert "not made by the grader" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt", "s.py"]
    assert main(["grade", str(tmp_path / "missing.py"), "--out", str(tmp_path / "o")]) == 2
