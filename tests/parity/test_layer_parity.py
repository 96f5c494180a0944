"""Every layer, activation and loss of fcann2 against torch autograd in float64.

Convention at the kinks (shared with PyTorch): relu'(0) = 0, leaky_relu'(0) = negative_slope.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

from fcann2 import functional as F
from pt_deep.model import TORCH_ACTIVATIONS

RTOL, ATOL = 1e-10, 1e-14
SLOPE = 0.05

shapes = st.tuples(st.integers(1, 9), st.integers(1, 9))
seeds = st.integers(0, 2**31 - 1)


def _t(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _close(actual, expected, what):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL, err_msg=what)


@pytest.mark.parametrize("name", sorted(F.ACTIVATIONS))
@settings(max_examples=40, deadline=None)
@given(shape=shapes, seed=seeds, zeros=st.booleans())
def test_activation_forward_and_backward(name, shape, seed, zeros):
    r = np.random.default_rng(seed)
    x = r.standard_normal(shape) * 3
    if zeros:  # exact zeros exercise the derivative convention at the kink
        x[r.random(shape) < 0.3] = 0.0
    dout = r.standard_normal(shape)
    fwd, bwd = F.ACTIVATIONS[name]
    kwargs = {"negative_slope": SLOPE} if name == "leaky_relu" else {}
    y = fwd(x, **kwargs)
    xt = _t(x)
    yt = TORCH_ACTIVATIONS[name](xt, SLOPE)
    _close(y, yt.detach().numpy(), f"{name} forward")
    (gt,) = torch.autograd.grad(yt, xt, torch.tensor(dout), allow_unused=True)
    gt = torch.tensor(dout) if gt is None else gt  # identity
    _close(bwd(dout, x, y, **kwargs), gt.numpy(), f"{name} backward")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 9), dims=shapes, seed=seeds)
def test_linear_forward_and_backward(n, dims, seed):
    """fcann2 works feature-major (columns are samples): compare with transposes."""
    r = np.random.default_rng(seed)
    i, o = dims
    x, W, b, dout = r.standard_normal((n, i)), r.standard_normal((o, i)), r.standard_normal(o), r.standard_normal((n, o))
    xt, Wt, bt = _t(x), _t(W), _t(b)
    yt = TF.linear(xt, Wt, bt)
    _close(F.linear_forward(x.T, W, b).T, yt.detach().numpy(), "linear forward")
    gx, gW, gb = torch.autograd.grad(yt, (xt, Wt, bt), torch.tensor(dout))
    dx, dW, db = F.linear_backward(dout.T, x.T, W)
    _close(dx.T, gx.numpy(), "dx")
    _close(dW, gW.numpy(), "dW")
    _close(db, gb.numpy(), "db")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 9), C=st.integers(2, 9), seed=seeds, scale=st.sampled_from([0.1, 1.0, 30.0]))
def test_cross_entropy(n, C, seed, scale):
    r = np.random.default_rng(seed)
    z, y = r.standard_normal((n, C)) * scale, r.integers(0, C, n)
    zt = _t(z)
    lt = TF.cross_entropy(zt, torch.tensor(y))
    loss, dz = F.softmax_cross_entropy(z.T.copy(), y)
    _close(loss, lt.item(), "cross-entropy value")
    (gz,) = torch.autograd.grad(lt, zt)
    _close(dz.T, gz.numpy(), "cross-entropy gradient")
    _close(F.log_softmax(z.T).T, TF.log_softmax(torch.tensor(z), dim=1).numpy(), "log_softmax")
    _close(F.softmax(z.T).T, TF.softmax(torch.tensor(z), dim=1).numpy(), "softmax")


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 9), k=st.integers(1, 4), seed=seeds)
def test_mse(n, k, seed):
    r = np.random.default_rng(seed)
    out, target = r.standard_normal((n, k)), r.standard_normal((n, k))
    ot = _t(out)
    lt = TF.mse_loss(ot, torch.tensor(target))
    loss, dout = F.mse_loss(out, target)
    _close(loss, lt.item(), "mse value")
    (go,) = torch.autograd.grad(lt, ot)
    _close(dout, go.numpy(), "mse gradient")


def test_broken_relu_mask_is_caught():
    """A mask that lets the gradient through at exactly 0 differs from torch there."""
    x = np.array([[-1.0, 0.0, 2.0]])
    dout = np.ones_like(x)
    broken = dout * (x >= 0)
    xt = _t(x)
    (g,) = torch.autograd.grad(TF.relu(xt), xt, torch.tensor(dout))
    with pytest.raises(AssertionError):
        _close(broken, g.numpy(), "broken relu")
    _close(F.relu_backward(dout, x, F.relu(x)), g.numpy(), "relu")
