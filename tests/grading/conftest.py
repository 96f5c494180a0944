"""One grading run over every hand-written submission (tests/grading/submissions) and its
variants - conventions and bugs injected into a copy of a course-style base, like
tests/parity/test_plugin.py does - shared by the grading tests."""
import shutil
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "submissions"
ANA = (HERE / "ana" / "fcann2.py").read_text()
BO = (HERE / "bo" / "pt_deep.py").read_text()
CY = (HERE / "cy" / "layers.py").read_text()

# name -> (base source, file name, [(old, new)])
VARIANTS = {
    # valid conventions
    "conv_sum": (ANA, "fcann2.py", [("Gs2 = (probs - Yoh_) / N", "Gs2 = probs - Yoh_")]),
    "conv_l2_lambda": (ANA, "fcann2.py", [("+ param_lambda * W2", "+ 2 * param_lambda * W2"),
                                          ("+ param_lambda * W1", "+ 2 * param_lambda * W1")]),
    "conv_bias_reg": (ANA, "fcann2.py", [("grad_b2 = np.sum(Gs2, axis=0, keepdims=True)",
                                          "grad_b2 = np.sum(Gs2, axis=0, keepdims=True) + param_lambda * b2"),
                                         ("grad_b1 = np.sum(Gs1, axis=0, keepdims=True)",
                                          "grad_b1 = np.sum(Gs1, axis=0, keepdims=True) + param_lambda * b1")]),
    "conv_decay": (ANA, "fcann2.py", [("+ param_lambda * W2", ""), ("+ param_lambda * W1", ""),
                                      ("        W1 += -param_delta * grad_W1",
                                       "        W1 *= 1 - param_delta * param_lambda\n"
                                       "        W2 *= 1 - param_delta * param_lambda\n"
                                       "        W1 += -param_delta * grad_W1")]),
    "conv_eps_log": (ANA, "fcann2.py", [("np.log(probs[range(N), Y_])", "np.log(probs[range(N), Y_] + 1e-3)")]),
    "conv_torch_wd": (BO, "pt_deep.py", [("lr=param_delta)", "lr=param_delta, weight_decay=param_lambda)"),
                                         ("model.get_loss(X, Yoh_) + param_lambda / 2 * sum(torch.sum(W ** 2) "
                                          "for W in model.weights)", "model.get_loss(X, Yoh_)")]),
    # other correct forms
    "torch64": (BO, "pt_deep.py", [("torch.float32", "torch.float64"),
                                   ("torch.randn(config[i], config[i + 1])",
                                    "torch.randn(config[i], config[i + 1], dtype=torch.float64)"),
                                   ("torch.zeros(config[i + 1])", "torch.zeros(config[i + 1], dtype=torch.float64)")]),
    "plt_show": (ANA.replace("import data\n", "import data\nplt.plot([0, 1]); plt.show()\n"), "fcann2.py", []),
    # bugs
    "bug_l2_ignored": (ANA, "fcann2.py", [("+ param_lambda * W2", ""), ("+ param_lambda * W1", "")]),
    "bug_sigmoid": (ANA, "fcann2.py", [("probs = stable_softmax(s2)", "probs = 1 / (1 + np.exp(-s2))"),
                                       ("return stable_softmax(h1 @ W2 + b2)", "return 1 / (1 + np.exp(-(h1 @ W2 + b2)))")]),
    "bug_dw_axis": (ANA, "fcann2.py", [("grad_W2 = h1.T @ Gs2", "grad_W2 = h1.T @ (probs - Yoh_) / hidden")]),
    "bug_db_no_mean": (ANA, "fcann2.py", [("grad_b2 = np.sum(Gs2, axis=0, keepdims=True)",
                                           "grad_b2 = np.sum(probs - Yoh_, axis=0, keepdims=True)")]),
    "bug_bias_sign": (ANA, "fcann2.py", [("b1 += -param_delta * grad_b1", "b1 += param_delta * grad_b1")]),
    "bug_classify_rows": (ANA, "fcann2.py", [("return stable_softmax(h1 @ W2 + b2)", "return np.exp(h1 @ W2 + b2)")]),
    "bug_relu_mask_nobias": (ANA, "fcann2.py", [("Gs1 = Gh1 * (s1 > 0)", "Gs1 = Gh1 * (X @ W1 > 0)")]),
    "bug_loss_sign": (ANA, "fcann2.py", [("loss = -np.mean", "loss = np.mean")]),
    "bug_softmax_loss": (BO, "pt_deep.py", [("loss = model.get_loss(X, Yoh_)",
                                             "loss = torch.nn.functional.cross_entropy(model(X), Yoh_.argmax(1))")]),
    "bug_torch_l2_ignored": (BO, "pt_deep.py", [(" + param_lambda / 2 * sum(torch.sum(W ** 2) for W in model.weights)",
                                                 "")]),
    "bug_relu_mask_grad": (CY, "layers.py", [("self.dinputs[self.inputs <= 0] = 0", "self.dinputs[dvalues <= 0] = 0")]),
    # isolation
    "crash": (ANA.replace("import data\n", "import data\nraise RuntimeError('half-finished lab')\n"), "fcann2.py", []),
    "exits": (ANA.replace("import data\n", "import data\nimport sys\nsys.exit(3)\n"), "fcann2.py", []),
    "asks": (ANA.replace("import data\n", "import data\nname = input('your name: ')\n"), "fcann2.py", []),
    "os_exit": (ANA, "fcann2.py", [("    N, D = X.shape", "    import os\n    os._exit(7)\n    N, D = X.shape")]),
    "greedy": (ANA, "fcann2.py", [("    N, D = X.shape", "    big = np.ones(10 ** 11)\n    N, D = X.shape")]),
}


def write_variants(root: Path) -> None:
    for name in ("ana", "bo", "cy", "dee", "notes"):
        shutil.copytree(HERE / name, root / name)
    for name, (source, file, edits) in VARIANTS.items():
        for old, new in edits:
            if old not in source:
                raise ValueError(f"variant {name}: {old!r} not in its base")
            source = source.replace(old, new)
        (root / name).mkdir()
        (root / name / file).write_text(source)
        if "import data" in source:
            shutil.copy(HERE / "ana" / "data.py", root / name / "data.py")


@pytest.fixture(scope="session")
def graded(tmp_path_factory):
    """``(rows by submission folder, seconds, out folder, submissions folder)``."""
    from experiments.grading.grade import grade
    root = tmp_path_factory.mktemp("submissions")
    write_variants(root)
    out = tmp_path_factory.mktemp("grades")
    t0 = time.perf_counter()
    rows = grade([str(root), str(Path(__file__).parents[2] / "examples" / "my_mlp.py")], out, jobs=2,
                 timeout=90, memory_mb=2048, echo=lambda line: None)
    seconds = time.perf_counter() - t0
    return {r["submission"].split("/")[0]: r for r in rows}, seconds, out, root
