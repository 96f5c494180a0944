"""A hand-written multilayer perceptron that the harness can grade.

This is the shape of network a student writes when learning backpropagation: plain NumPy,
one forward pass that keeps what the backward pass needs, one backward pass written out.
It satisfies the plug-in protocol (``from_params``, ``to_params``, ``loss_and_grads``), so

    python -m experiments parity --impl examples.my_mlp:MyMLP

trains it next to PyTorch with the same data, initial parameters, sample order and recipe,
checks its gradients at step 0 against autograd, and compares every parameter after every
step. Copy it, break it, and see where the harness says it broke.
"""
import numpy as np


def relu(z):
    return np.maximum(z, 0.0)


def relu_grad(z):
    return (z > 0).astype(z.dtype)


def tanh_grad(z):
    return 1.0 - np.tanh(z) ** 2


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)


ACTIVATIONS = {  # name -> (f, f')
    "relu": (relu, relu_grad),
    "tanh": (np.tanh, tanh_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "identity": (lambda z: z, np.ones_like),
}


class MyMLP:
    """``Linear -> act -> ... -> Linear`` with softmax cross-entropy or MSE on the output.

    Parameters: ``[(W, b), ...]``, ``W`` of shape (out, in), ``b`` (out,); a layer
    computes ``z = x @ W.T + b`` for a batch ``x`` of shape (n, in).
    """

    def __init__(self, params, activation="relu", loss="cross_entropy"):
        self.params = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]
        self.f, self.df = ACTIVATIONS[activation]
        self.loss_name = loss

    @classmethod
    def from_params(cls, params, activation="relu", loss="cross_entropy"):
        return cls(params, activation, loss)

    def to_params(self):
        return [(W.copy(), b.copy()) for W, b in self.params]

    def set_params(self, params):
        self.params = [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]

    def forward(self, X):
        """Outputs (n, out) and, per layer, its input and pre-activation."""
        cache, h = [], X
        for k, (W, b) in enumerate(self.params):
            z = h @ W.T + b
            cache.append((h, z))
            h = z if k == len(self.params) - 1 else self.f(z)
        return h, cache

    def output(self, X):
        return self.forward(X)[0]

    def loss_and_grads(self, X, y, weight_decay=0.0):
        """Mean loss over the batch plus ``weight_decay / 2 * sum ||W||^2``, and its
        gradients ``[(dW, db), ...]``."""
        n = X.shape[0]
        out, cache = self.forward(X)
        if self.loss_name == "cross_entropy":
            shifted = out - out.max(axis=1, keepdims=True)          # log-sum-exp, no overflow
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss = -log_probs[np.arange(n), y].mean()
            dz = np.exp(log_probs)
            dz[np.arange(n), y] -= 1.0
            dz /= n                                                  # d(mean loss) / d logits
        else:
            diff = out - y.reshape(out.shape)
            loss = np.mean(diff ** 2)
            dz = 2.0 * diff / diff.size                              # mean over all elements
        grads = [None] * len(self.params)
        for k in reversed(range(len(self.params))):
            h, z = cache[k]
            W, _ = self.params[k]
            if k < len(self.params) - 1:
                dz = dz * self.df(z)                                 # through this layer's activation
            grads[k] = (dz.T @ h + weight_decay * W, dz.sum(axis=0))
            dz = dz @ W                                              # to the layer below
        loss += 0.5 * weight_decay * sum(np.sum(W * W) for W, _ in self.params)
        return float(loss), grads
