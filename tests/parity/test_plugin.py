"""Bring your own network: the example plug-in passes; each classic backprop bug, injected
into a copy of it, fails with the right diagnosis; protocol violations get clear errors."""
import re
from pathlib import Path

import pytest

from experiments.cli import main

EXAMPLE = (Path(__file__).parents[2] / "examples" / "my_mlp.py").read_text()
PARITY = """
[data]
dataset = "blobs"
params = { n_samples = 120, n_classes = 3 }
standardize = true
[model]
hidden = [8, 8]
[train]
lr = 0.05
batch_size = 4
n_iter = 120
weight_decay = 1e-3
"""
LARGE_LOGITS = """
[data]
dataset = "blobs"
params = { n_samples = 120, n_classes = 3 }
standardize = false
[model]
hidden = [64, 64, 64]
init = "normal"
[train]
lr = 1e-5
batch_size = 8
n_iter = 50
"""

STEP_WITH_MOMENTUM = '''

class StepMLP(MyMLP):
    """Applies its own SGD with momentum (torch's rule: buf = g, then mu * buf + g)."""

    def step(self, grads, lr, mu=0.9):
        if not hasattr(self, "buf"):
            self.buf = [(dW.copy(), db.copy()) for dW, db in grads]
        else:
            self.buf = [(mu * bW + dW, mu * bb + db) for (bW, bb), (dW, db) in zip(self.buf, grads)]
        self.params = [(W - lr * bW, b - lr * bb) for (W, b), (bW, bb) in zip(self.params, self.buf)]
'''

# bug id -> (what to replace in examples/my_mlp.py, with what, config, class, what the verdict must say)
BUGS = {
    "l2 on biases": (
        "W, _ = self.params[k]", "W, b_k = self.params[k]", PARITY, "MyMLP",
        r"first over tolerance: step \d, b\d"),
    "softmax without max shift": (
        "shifted = out - out.max(axis=1, keepdims=True)", "shifted = out", LARGE_LOGITS, "MyMLP",
        r"diverged after 0 steps, torch ok after 50"),
    "relu mask from the wrong tensor": (
        "dz = dz * self.df(z)", "dz = dz * self.df(dz)", PARITY, "MyMLP",
        r"gradients at step 0 differ from autograd: W1, b1, W2, b2 \(first: W1"),
    "loss summed, not averaged": (
        "dz /= n ", "dz *= 1 ", PARITY, "MyMLP",
        r"gradients at step 0 differ from autograd: W1, b1, W2, b2, W3, b3 \(first: W1, max \|d\| = \S+, relative [34]\."),
    "bias gradient not summed over the batch": (
        "dz.sum(axis=0))", "dz[0])", PARITY, "MyMLP",
        r"gradients at step 0 differ from autograd: b1, b2, b3 \(first: b1"),
    "weight gradient transposed on a square layer": (
        "grads[k] = (dz.T @ h + weight_decay * W, dz.sum(axis=0))",
        "dW = h.T @ dz\n            dW = dW.T if dW.shape != W.shape else dW\n"
        "            grads[k] = (dW + weight_decay * W, dz.sum(axis=0))", PARITY, "MyMLP",
        r"gradients at step 0 differ from autograd: W2 \(first: W2"),
    "missing 1/N on one layer": (
        "grads[k] = (dz.T @ h + weight_decay * W,", "grads[k] = (dz.T @ h * (n if k == 0 else 1) + weight_decay * W,",
        PARITY, "MyMLP", r"gradients at step 0 differ from autograd: W1 \(first: W1, max \|d\| = \S+, relative [34]\."),
    "momentum buffer dampened (optimizer state)": (
        "self.buf = [(mu * bW + dW, mu * bb + db)", "self.buf = [(mu * bW + (1 - mu) * dW, mu * bb + (1 - mu) * db)",
        PARITY.replace("lr = 0.05", "lr = 0.05\nmomentum = 0.9"), "StepMLP", r"first over tolerance: step 1, "),
}


def _plugin(tmp_path, monkeypatch, module: str, source: str, config: str):
    (tmp_path / f"{module}.py").write_text(source)
    (tmp_path / "cfg.toml").write_text(config)
    monkeypatch.chdir(tmp_path)


def test_the_example_passes(tmp_path, monkeypatch, capsys):
    _plugin(tmp_path, monkeypatch, "good_mlp", EXAMPLE + STEP_WITH_MOMENTUM, PARITY)
    assert main(["parity", "cfg.toml", "--impl", "good_mlp:MyMLP", "--out", "out"]) == 0
    assert "PASS" in capsys.readouterr().out
    (tmp_path / "mom.toml").write_text(PARITY.replace("lr = 0.05", "lr = 0.05\nmomentum = 0.9"))
    assert main(["parity", "mom.toml", "--impl", "good_mlp:StepMLP", "--out", "out2"]) == 0


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_classic_bug_is_caught_and_named(tmp_path, monkeypatch, capsys, bug):
    old, new, config, cls, diagnosis = BUGS[bug]
    source = EXAMPLE + STEP_WITH_MOMENTUM
    assert source.count(old) == 1, f"the bug {bug!r} no longer applies to examples/my_mlp.py"
    if bug == "l2 on biases":
        new_source = source.replace(old, new).replace("dz.sum(axis=0))", "dz.sum(axis=0) + weight_decay * b_k)")
    else:
        new_source = source.replace(old, new)
    module = "buggy_" + re.sub(r"\W+", "_", bug)
    _plugin(tmp_path, monkeypatch, module, new_source, config)
    assert main(["parity", "cfg.toml", "--impl", f"{module}:{cls}", "--out", "out"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and re.search(diagnosis, out), out


@pytest.mark.parametrize("source, message", [
    ("class Net:\n    @classmethod\n    def from_params(cls, params, **kw):\n        return cls()\n",
     "does not meet the plug-in protocol: missing to_params, loss_and_grads"),
    (EXAMPLE.replace("return float(loss), grads", "return float(loss), grads[:-1]"),
     "loss_and_grads returned 2 (dW, db) pairs, expected 3"),
    (EXAMPLE.replace("grads[k] = (dz.T @ h + weight_decay * W, dz.sum(axis=0))",
                     "grads[k] = (h.T @ dz + weight_decay * W.T, dz.sum(axis=0))"),
     "loss_and_grads returned dW1 of shape (2, 8), expected (8, 2)"),
    ("raise ImportError('numpy too old')\n", "cannot import bad_net: ImportError: numpy too old"),
])
def test_protocol_violations_are_clear(tmp_path, monkeypatch, capsys, source, message):
    module = f"bad_net_{abs(hash(source)) % 10**8}"  # a fresh module per case (imports are cached)
    _plugin(tmp_path, monkeypatch, module, source, PARITY)
    message = message.replace("bad_net", module)
    assert main(["parity", "cfg.toml", "--impl", f"{module}:Net" if "class Net" in source else f"{module}:MyMLP",
                 "--out", "out"]) == 2
    assert message in capsys.readouterr().err


def test_a_plugin_in_a_sweep_gets_its_own_parity_column(tmp_path, monkeypatch):
    import pandas as pd
    _plugin(tmp_path, monkeypatch, "sweep_mlp", EXAMPLE, PARITY.replace("n_iter = 120", "epochs = 3")
            + '[sweep]\ntrain.lr = [0.05, 0.1]\nimpl = ["numpy", "torch", "sweep_mlp:MyMLP"]\n')
    assert main(["run", "cfg.toml", "--out", "run", "--quiet", "--jobs", "1"]) == 0
    summary = pd.read_csv(tmp_path / "run" / "tables" / "summary.csv")
    assert list(summary["parity"]) == ["agree", "agree"]
    assert list(summary["parity sweep_mlp:MyMLP"]) == ["agree", "agree"]
    assert (summary["final_dtheta sweep_mlp:MyMLP"] < 1e-12).all()
