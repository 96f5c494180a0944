"""The two object forms, graded by gradients at parameters the grader sets.

- **Layer objects** (``Layer_Dense(n_inputs, n_neurons)`` with ``forward``/``backward``,
  ``weights`` (in, out) or (out, in), ``biases``, ``dweights``/``dbiases``; a ReLU class;
  a fused softmax-cross-entropy class with ``forward(inputs, y_true)`` -> loss and
  ``backward(dvalues, y_true)`` -> ``dinputs``). The grader builds ``[2, 5, 3]``, sets the
  parameters, runs one forward and one backward pass, and reads the gradients. An L2
  regulariser is passed when the layer's constructor takes one (``weight_regularizer_l2``);
  otherwise L2 is not graded. The loss value is the fused object's data term.
- **The plug-in protocol** (``from_params``/``to_params``/``loss_and_grads``,
  ``experiments.implementations.plugin``): the gradients ``loss_and_grads`` returns, with
  ``weight_decay`` when it takes it - otherwise L2 is not graded (never added for it).

Gradients are read at two points: the initial parameters (biases zero) and the same with
random biases (so regularised biases show).
"""
from __future__ import annotations

import inspect

import numpy as np

from ..implementations.plugin import REQUIRED_METHODS
from .function_form import NotGradable
from .probe import SEED, Settings, StudentError, student_call, to_numpy
from . import reference as ref

__all__ = ["detect_layers", "detect_plugin", "probe_layers", "probe_plugin"]


def _classes(module, *words, methods=("forward", "backward")):
    found = []
    for name, obj in vars(module).items():
        if isinstance(obj, type) and getattr(obj, "__module__", None) == module.__name__ \
                and all(callable(getattr(obj, m, None)) for m in methods):
            if all(any(w in name.lower() for w in group) for group in words):
                found.append(obj)
    return found


def _layer_parts(module):
    dense = _classes(module, ("dense", "linear", "fc"))
    relu = _classes(module, ("relu",))
    fused = _classes(module, ("softmax",), ("loss", "entropy", "cross"))
    return dense, relu, fused


def detect_layers(module) -> bool:
    return all(_layer_parts(module))


def detect_plugin(module) -> bool:
    return any(all(callable(getattr(c, m, None)) for m in REQUIRED_METHODS)
               for c in vars(module).values() if isinstance(c, type))


def _points(D: int, H: int, C: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(SEED)
    theta = [rng.normal(0, 0.7, (H, D)), np.zeros(H), rng.normal(0, 0.7, (C, H)), np.zeros(C)]
    shifted = [theta[0], rng.normal(0, 0.3, H), theta[2], rng.normal(0, 0.3, C)]
    return [theta, shifted]


class _Net:
    """The student's layers as ``[2, H, C]``, parameters settable in the harness layout."""

    def __init__(self, module, file, sizes, lam):
        (self.Dense,), (self.ReLU,), (self.Fused,) = (parts[:1] for parts in _layer_parts(module))
        self.file = file
        params = inspect.signature(self.Dense.__init__).parameters
        l2 = next((p for p in params if "weight" in p.lower() and ("l2" in p.lower() or "reg" in p.lower())), None)
        self.l2_graded = l2 is not None
        kw = {l2: lam} if l2 else {}
        make = lambda: (self.Dense(sizes[0], sizes[1], **kw), self.ReLU(), self.Dense(sizes[1], sizes[2], **kw),  # noqa: E731
                        self.Fused())
        (self.l1, self.act, self.l2, self.loss), _ = student_call("building the layers", file, make)
        self.transposed = np.shape(self.l1.weights) == (sizes[0], sizes[1])

    def set(self, theta):
        for layer, W, b in ((self.l1, theta[0], theta[1]), (self.l2, theta[2], theta[3])):
            like_w, like_b = np.asarray(layer.weights), np.asarray(layer.biases)
            layer.weights = np.array(W.T if self.transposed else W, dtype=like_w.dtype)
            layer.biases = np.array(b, dtype=like_b.dtype).reshape(like_b.shape)

    def forward(self, X, y):
        def run():
            self.l1.forward(X)
            self.act.forward(self.l1.output)
            self.l2.forward(self.act.output)
            return self.loss.forward(self.l2.output, y)
        value, _ = student_call("forward", self.file, run)
        return value

    def backward(self, y):
        def run():
            self.loss.backward(self.loss.output, y)
            self.l2.backward(self.loss.dinputs)
            self.act.backward(self.l2.dinputs)
            self.l1.backward(self.act.dinputs)
        student_call("backward", self.file, run)
        grads = []
        for layer in (self.l1, self.l2):
            dW = np.asarray(layer.dweights, dtype=np.float64)
            grads += [dW.T if self.transposed else dW, np.asarray(layer.dbiases, dtype=np.float64).ravel()]
        return grads


def probe_layers(module, file: str, data: dict, s: Settings) -> dict:
    X, y, C = data["X"], data["y"], int(data["y"].max()) + 1
    sizes = [X.shape[1], s.hidden, C]
    net = _Net(module, file, sizes, s.lam)
    obs = {"form": "layers", "kind": "gradient", "lam": s.lam if net.l2_graded else 0.0, "points": [], "notes": [],
           "dtype": "float32" if np.asarray(net.l1.weights).dtype == np.float32 else "float64",
           "names": ["W1 = layer1.dweights", "b1 = layer1.dbiases", "W2 = layer2.dweights", "b2 = layer2.dbiases"]}
    if not net.l2_graded:
        obs["l2_graded"], obs["l2_note"] = False, "the dense layer takes no weight_regularizer_l2"
    for k, theta in enumerate(_points(*sizes)):
        net.set(theta)
        value = net.forward(X, y)
        logits = np.asarray(net.l2.output, dtype=np.float64)
        expected = ref.forward(theta, X)[2]
        if logits.shape != expected.shape or not np.allclose(logits, expected, rtol=1e-5, atol=1e-6):
            obs["forward_error"] = {"step": k, "tensor": "layer 2 output",
                                    "reason": "the forward output differs from relu(X W1 + b1) W2 + b2"}
        if k == 0:
            obs["loss"] = {"value": float(to_numpy(value)), "thetas": [theta], "lam": 0.0,
                           "where": "the loss object's forward"}
        obs["points"].append({"theta": theta, "grad": net.backward(y), "step": k})
        obs["classify"] = {"theta": theta, "probs": np.asarray(net.loss.output, dtype=np.float64), "error": None}
    obs["lab"] = _lab_layers(module, file, data, s)
    return obs


def _lab_layers(module, file, data, s) -> dict:
    try:
        Xl, yl = data["Xl"], data["yl"]
        sizes = [Xl.shape[1], s.hidden, int(yl.max()) + 1]
        net = _Net(module, file, sizes, s.lab_lam)
        theta = _points(*sizes)[0]
        for _ in range(s.lab_niter):
            net.set(theta)
            net.forward(Xl, yl)
            theta = [t - s.lab_lr * g for t, g in zip(theta, net.backward(yl))]
        out = {}
        for key in ("Xl", "grid"):
            net.set(theta)
            net.forward(data[key], np.zeros(len(data[key]), dtype=np.int64))
            out[key] = np.asarray(net.loss.output, dtype=np.float64)
        return out
    except StudentError as exc:
        return {"error": str(exc)}


def _plugin_class(module):
    return next(c for c in vars(module).values()
                if isinstance(c, type) and all(callable(getattr(c, m, None)) for m in REQUIRED_METHODS))


def _plugin_grads(cls, file, theta, X, y, lam, takes_wd):
    def run():
        net = cls.from_params([(W.copy(), b.copy()) for W, b in zip(theta[::2], theta[1::2])],
                              activation="relu", loss="cross_entropy")
        return net, (net.loss_and_grads(X, y, weight_decay=lam) if takes_wd else net.loss_and_grads(X, y))
    (net, (loss, grads)), _ = student_call(f"{cls.__name__}.loss_and_grads", file, run)
    flat = [np.asarray(g, dtype=np.float64) for pair in grads for g in pair]
    return net, float(loss), flat


def probe_plugin(module, file: str, data: dict, s: Settings) -> dict:
    X, y, C = data["X"], data["y"], int(data["y"].max()) + 1
    cls = _plugin_class(module)
    takes_wd = "weight_decay" in inspect.signature(cls.loss_and_grads).parameters
    lam = s.lam if takes_wd else 0.0
    obs = {"form": "plugin", "kind": "gradient", "lam": lam, "points": [], "notes": [], "dtype": "float64",
           "names": ["dW1", "db1", "dW2", "db2"]}
    if not takes_wd:
        obs["l2_graded"], obs["l2_note"] = False, "loss_and_grads takes no weight_decay"
    for k, theta in enumerate(_points(X.shape[1], s.hidden, C)):
        net, loss, grads = _plugin_grads(cls, file, theta, X, y, lam, takes_wd)
        if len(grads) != 4:
            raise NotGradable(f"loss_and_grads returned {len(grads)} tensors for a 2-layer network, expected 4")
        obs["points"].append({"theta": theta, "grad": grads, "step": k})
        if k == 0:
            obs["loss"] = {"value": loss, "thetas": [theta], "where": "loss_and_grads' loss"}
        if callable(getattr(net, "output", None)):
            logits, _ = student_call("output", file, net.output, X)
            logits = np.asarray(logits, dtype=np.float64)
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            obs["classify"] = {"theta": theta, "probs": e / e.sum(axis=1, keepdims=True), "error": None}
    obs["lab"] = _lab_plugin(cls, file, data, s, takes_wd)
    return obs


def _lab_plugin(cls, file, data, s, takes_wd) -> dict:
    try:
        Xl, yl = data["Xl"], data["yl"]
        theta = _points(Xl.shape[1], s.hidden, int(yl.max()) + 1)[0]
        for _ in range(s.lab_niter):
            _, _, grads = _plugin_grads(cls, file, theta, Xl, yl, s.lab_lam, takes_wd)
            theta = [t - s.lab_lr * g for t, g in zip(theta, grads)]
        return {key: ref.probabilities(theta, data[key]) for key in ("Xl", "grid")}
    except StudentError as exc:
        return {"error": str(exc)}
