"""PTDeep: the PyTorch network with fcann2's spec, built from ``nn.Linear`` layers."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from data_utils.training.initializers import check_sizes
from data_utils.validation import as_float_dtype, check_features, check_loss_targets

__all__ = ["PTDeep", "TORCH_ACTIVATIONS", "TORCH_LOSSES", "torch_dtype", "to_tensor"]



def _relu(x, slope):
    return F.relu(x)


def _leaky_relu(x, slope):
    return F.leaky_relu(x, slope)


def _sigmoid(x, slope):
    return torch.sigmoid(x)


def _tanh(x, slope):
    return torch.tanh(x)


def _identity(x, slope):
    return x


# Module-level functions (not lambdas) so that models pickle.
TORCH_ACTIVATIONS = {"relu": _relu, "leaky_relu": _leaky_relu, "sigmoid": _sigmoid, "tanh": _tanh,
                     "identity": _identity}
# The course passes activations as torch callables (``PTDeep([2, 10, 2], torch.relu)``).
_CALLABLE_NAMES = {torch.relu: "relu", F.relu: "relu", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid",
                   torch.tanh: "tanh", F.tanh: "tanh", F.leaky_relu: "leaky_relu"}


def activation_name(activation) -> str:
    """The name of ``activation``: a key of ``TORCH_ACTIVATIONS`` or one of the torch
    callables ``torch.relu``, ``torch.sigmoid``, ``torch.tanh`` (or their ``F.`` forms)."""
    if isinstance(activation, str):
        if activation not in TORCH_ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; known: {', '.join(TORCH_ACTIVATIONS)}")
        return activation
    if callable(activation) and activation in _CALLABLE_NAMES:
        return _CALLABLE_NAMES[activation]
    raise ValueError(f"unsupported activation {activation!r}; pass a name ({', '.join(TORCH_ACTIVATIONS)}) "
                     "or torch.relu, torch.sigmoid, torch.tanh")


# Both reductions are PyTorch's defaults: mean over the batch / over all elements.
TORCH_LOSSES = {"cross_entropy": F.cross_entropy, "mse": F.mse_loss}


def to_tensor(array: np.ndarray, device="cpu") -> torch.Tensor:
    """A tensor sharing ``array``'s memory (a copy when it is read-only, which torch cannot share)."""
    return torch.from_numpy(array if array.flags.writeable else array.copy()).to(device)


def torch_dtype(dtype) -> torch.dtype:
    """``float32``/``float64`` (NumPy name, dtype or torch dtype) as a torch dtype."""
    if isinstance(dtype, torch.dtype):
        dtype = str(dtype).removeprefix("torch.")
    return {np.float32: torch.float32, np.float64: torch.float64}[as_float_dtype(dtype).type]


class PTDeep(nn.Module):
    """``Linear -> act -> ... -> Linear`` with outputs (``logits``) fed to ``F.cross_entropy``
    or ``F.mse_loss``; ``forward`` gives the lab's probabilities.

    Parameters
    ----------
    sizes : ``[D, H1, ..., C]``; layer ``k`` is ``nn.Linear(sizes[k], sizes[k+1])`` with
        weight (out, in) and bias (out,) - fcann2's layout.
    activation : relu, leaky_relu, sigmoid, tanh or identity, or the callables
        ``torch.relu``, ``torch.sigmoid``, ``torch.tanh`` (stored by name, so models pickle).
    loss : "cross_entropy" or "mse".
    dtype : float32 or float64.
    negative_slope : leaky_relu slope.
    device : torch device (CPU by default; nothing requires a GPU).

    Initialisation is PyTorch's default; pass explicit parameters with ``from_params``.
    """

    def __init__(self, sizes: Sequence[int], activation="relu", loss: str = "cross_entropy",
                 dtype=torch.float64, negative_slope: float = 0.01, device="cpu"):
        super().__init__()
        sizes = check_sizes(sizes)
        activation = activation_name(activation)
        if loss not in TORCH_LOSSES:
            raise ValueError(f"unknown loss {loss!r}; known: {', '.join(TORCH_LOSSES)}")
        dt = torch_dtype(dtype)
        self.layers = nn.ModuleList(nn.Linear(i, o, dtype=dt, device=device)
                                    for i, o in zip(sizes[:-1], sizes[1:]))
        self.activation, self.loss_name, self.negative_slope = activation, loss, float(negative_slope)
        self._act = TORCH_ACTIVATIONS[activation]
        self._loss_fn = TORCH_LOSSES[loss]

    @classmethod
    def from_params(cls, params, activation="relu", loss: str = "cross_entropy",
                    negative_slope: float = 0.01, device="cpu") -> "PTDeep":
        """A model holding copies of NumPy ``params`` ``[(W, b), ...]``; dtype follows them."""
        if len(params) < 1:
            raise ValueError("params must hold at least one (W, b) pair")
        sizes = [np.shape(params[0][0])[1]] + [np.shape(W)[0] for W, _ in params]
        model = cls(sizes, activation, loss, np.asarray(params[0][0]).dtype, negative_slope, device)
        model.set_params(params)
        return model

    def set_params(self, params) -> None:
        """Copy NumPy ``params`` into the layers (shapes must match)."""
        if len(params) != len(self.layers):
            raise ValueError(f"got {len(params)} layers of parameters, model has {len(self.layers)}")
        with torch.no_grad():
            for k, (layer, (W, b)) in enumerate(zip(self.layers, params)):
                if tuple(np.shape(W)) != tuple(layer.weight.shape) or tuple(np.shape(b)) != tuple(layer.bias.shape):
                    raise ValueError(f"layer {k}: got W {np.shape(W)}, b {np.shape(b)}; expected "
                                     f"{tuple(layer.weight.shape)}, {tuple(layer.bias.shape)}")
                layer.weight.copy_(torch.as_tensor(np.asarray(W)))
                layer.bias.copy_(torch.as_tensor(np.asarray(b)))

    def to_params(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Copies of the parameters as NumPy ``[(W, b), ...]``."""
        return [(layer.weight.detach().cpu().numpy().copy(), layer.bias.detach().cpu().numpy().copy())
                for layer in self.layers]

    @property
    def sizes(self) -> list[int]:
        return [self.layers[0].in_features] + [layer.out_features for layer in self.layers]

    @property
    def dtype(self) -> torch.dtype:
        return self.layers[0].weight.dtype

    @property
    def np_dtype(self) -> np.dtype:
        return np.dtype(str(self.dtype).removeprefix("torch."))

    def count_params(self, file=None) -> tuple[int, dict[str, tuple[int, ...]]]:
        """Print each parameter's name and shape, then the total (as the course's
        ``count_params`` does) to ``file`` (stdout by default); return the total and the
        shapes. ``file=False`` prints nothing."""
        shapes = {name: tuple(p.shape) for name, p in self.named_parameters()}
        total = sum(p.numel() for p in self.parameters())
        if file is not False:
            for name, shape in shapes.items():
                print(f"{name}: {list(shape)}", file=file)
            print(f"total parameters: {total}", file=file)
        return total, shapes

    def extra_repr(self) -> str:
        return f"activation={self.activation!r}, loss={self.loss_name!r}"

    @property
    def weights(self) -> nn.ParameterList:
        """The layers' weights (out, in), as the lab's ``PTDeep.weights`` (the same Parameters)."""
        return nn.ParameterList([layer.weight for layer in self.layers])

    @property
    def biases(self) -> nn.ParameterList:
        """The layers' biases (out,), as the lab's ``PTDeep.biases`` (the same Parameters)."""
        return nn.ParameterList([layer.bias for layer in self.layers])

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """(n, D) -> (n, C) raw outputs: logits for cross-entropy, predictions for MSE.

        The project's training, parity and evaluation path. ``x`` of another dtype (the
        lab's float32 tensors) is cast to the model's."""
        if x.dtype != self.dtype:
            x = x.to(self.dtype)
        for layer in self.layers[:-1]:
            x = self._act(layer(x), self.negative_slope)
        return self.layers[-1](x)

    def forward(self, x) -> torch.Tensor:
        """(n, D) -> (n, C) as the lab's ``PTDeep.forward``: class probabilities (softmax of
        the logits) for cross-entropy, the outputs for MSE. ``x``: a tensor of any float
        dtype, or an array."""
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(np.asarray(x), device=self._device())
        out = self.logits(x)
        return torch.softmax(out, dim=1) if self.loss_name == "cross_entropy" else out

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean loss of the batch (no penalty); ``y`` int labels (n,) or MSE targets."""
        return self._loss_fn(self.logits(x), y)

    def get_loss(self, X, Yoh_, param_lambda: float = 0.0) -> torch.Tensor:
        """The lab's ``get_loss``: mean cross-entropy of one-hot ``Yoh_`` (n, C) (or int
        labels (n,)) - MSE for MSE models - plus ``(param_lambda / 2) * sum ||W||^2``.
        ``X``, ``Yoh_``: tensors of any dtype, or arrays."""
        x = X if isinstance(X, torch.Tensor) else torch.as_tensor(np.asarray(X), device=self._device())
        y = Yoh_ if isinstance(Yoh_, torch.Tensor) else torch.as_tensor(np.asarray(Yoh_), device=self._device())
        out = self.logits(x)
        if self.loss_name == "cross_entropy" and y.ndim == 2:
            value = -(y.to(out.dtype) * torch.log_softmax(out, dim=1)).sum(dim=1).mean()
        elif self.loss_name == "cross_entropy":
            value = F.cross_entropy(out, y.long())
        else:
            value = F.mse_loss(out, y.to(out.dtype).reshape(out.shape))
        if param_lambda:
            value = value + 0.5 * param_lambda * sum(W.pow(2).sum() for W in self.weights)
        return value

    # -- NumPy boundary ---------------------------------------------------------------
    def check_X(self, X) -> np.ndarray:
        return check_features(X, n_features=self.sizes[0], dtype=self.np_dtype)

    def check_y(self, y, n_samples: int) -> np.ndarray:
        return check_loss_targets(y, self.loss_name, n_samples=n_samples, n_outputs=self.sizes[-1],
                                  dtype=self.np_dtype)

    def _device(self):
        return self.layers[0].weight.device

    @torch.inference_mode()
    def output(self, X) -> np.ndarray:
        """Network outputs for NumPy ``X`` (n, D) as NumPy (n, C); no graph is kept."""
        x = to_tensor(self.check_X(X), self._device())
        return self.logits(x).cpu().numpy()

    @torch.inference_mode()
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, C) as NumPy; cross-entropy models only."""
        if self.loss_name != "cross_entropy":
            raise ValueError("predict_proba needs a cross_entropy model; use predict for regression")
        x = to_tensor(self.check_X(X), self._device())
        return torch.softmax(self.logits(x), dim=1).cpu().numpy()

    def predict(self, X) -> np.ndarray:
        """Class labels (n,) for cross-entropy models, outputs (n, k) for regression."""
        out = self.output(X)
        return out.argmax(axis=1) if self.loss_name == "cross_entropy" else out
