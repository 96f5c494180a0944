"""Measurements. Each function runs inside a worker process dedicated to one
implementation (see ``harness``) and returns seconds for one unit of work."""
from __future__ import annotations

import time
import warnings

import numpy as np

MNIST_SIZES = [784, 250, 250, 10]


def _data(n, d, c, dtype=np.float64, seed=0):
    r = np.random.default_rng(seed)
    return r.standard_normal((n, d)).astype(dtype), r.integers(0, c, n)


def train_seconds_per_step(impl: str, sizes, n: int, batch_size, steps: int, dtype="float64") -> float:
    """Seconds per SGD step of ``impl`` training ``sizes`` on ``n`` random samples."""
    import data_utils as du
    X, y = _data(n, sizes[0], sizes[-1], np.dtype(dtype))
    params = du.init_params(sizes, "he_normal", 0, dtype=np.dtype(dtype))
    schedule = du.make_schedule(n, batch_size=batch_size, n_iter=steps, seed=1)
    from experiments.implementations.registry import get_impl
    implementation = get_impl(impl)
    model = implementation.model.from_params(params, "relu", "cross_entropy")
    result = implementation.train(model, X, y, lr=1e-3, schedule=schedule)
    return result.wall_time / result.n_steps


def sklearn_seconds_per_step(hidden: int, n: int, epochs: int) -> float:
    """scikit-learn MLPClassifier, per-sample SGD without momentum: seconds per step."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    X, y = _data(n, 2, 2)
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), solver="sgd", batch_size=1, momentum=0.0,
                        learning_rate_init=1e-3, max_iter=epochs, tol=0, n_iter_no_change=10**9,
                        shuffle=True, random_state=0, alpha=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(X, y)
        elapsed = time.perf_counter() - start
    return elapsed / (clf.n_iter_ * n)


def numpy_floor_per_step(hidden: int, n: int, steps: int) -> float:
    """fcann2's per-sample step (``fcann2.lean``) written straight-line, no classes, no
    training loop: the floor its structure is measured against. 11 NumPy calls on 1-D
    buffers - forward: 2 gemv, bias add, relu; backward, the deltas written into the bias
    gradients: the output weight gradient as an outer product, 1 gemv, the relu mask (2
    calls), the first layer's weight gradient (as ``fcann2.lean`` chooses); update:
    ``theta -= lr * g`` (2 calls) - and the two-class softmax cross-entropy in Python floats
    (1 scalar ``np.exp``, 1 ``np.log``)."""
    import data_utils as du
    from fcann2.lean import _outer_product
    X, y = _data(n, 2, 2)
    (W1, b1), (W2, b2) = du.init_params([2, hidden, 2], "he_normal", 0)
    theta = np.concatenate([W1.ravel(), W2.ravel(), b1, b2])
    grad, work = np.zeros_like(theta), np.empty_like(theta)
    o1, o2 = W1.size, W1.size + W2.size
    W1, W2 = theta[:o1].reshape(W1.shape), theta[o1:o2].reshape(W2.shape)
    b1, b2 = theta[o2:o2 + hidden], theta[o2 + hidden:]
    dW1, dW2 = grad[:o1].reshape(W1.shape), grad[o1:o2].reshape(W2.shape)
    db1, db2 = grad[o2:o2 + hidden], grad[o2 + hidden:]
    dW1_outer = _outer_product(dW1, db1)                  # as fcann2.lean chooses
    db1_column, db2_column, W2T, x_rows = db1[:, None], db2[:, None], W2.T, X[:, None, :]
    z1, h1, z2, mask = np.empty(hidden), np.empty(hidden), np.empty(2), np.empty(hidden, bool)
    h1_row, labels = h1[None, :], y.tolist()
    order = np.random.default_rng(1).integers(0, n, steps).tolist()
    dot, exp, log, lr = getattr(np.dot, "_implementation", np.dot), np.exp, np.log, 1e-3
    start = time.perf_counter()
    for i in order:
        x = X[i]
        dot(W1, x, out=z1)
        z1 += b1
        np.maximum(z1, 0.0, out=h1)
        dot(W2, h1, out=z2)
        (u0, u1), (c0, c1) = z2.tolist(), b2.tolist()
        u0, u1 = u0 + c0, u1 + c1
        m = u0 if u0 >= u1 else u1
        e0 = 1.0 if u0 == m else float(exp(u0 - m))
        e1 = 1.0 if u1 == m else float(exp(u1 - m))
        s = e0 + e1
        loss = float(log(s)) - ((u1 if labels[i] else u0) - m)
        db2[0], db2[1] = e0 / s - (labels[i] == 0), e1 / s - (labels[i] == 1)
        np.multiply(db2_column, h1_row, out=dW2)
        dot(W2T, db2, out=db1)
        np.multiply(db1, np.greater(h1, 0.0, out=mask), out=db1)
        dW1_outer(db1_column, x_rows[i], out=dW1)
        if loss != loss:
            break
        theta -= np.multiply(grad, lr, out=work)
    return (time.perf_counter() - start) / steps


def mnist_epoch_seconds(impl: str, batch_size: int, n: int = 60000) -> float:
    """One epoch of minibatch SGD on ``n`` random MNIST-shaped float32 samples."""
    steps = -(-n // batch_size)
    return train_seconds_per_step(impl, MNIST_SIZES, n, batch_size, steps, "float32") * steps


def mnist_matmul_seconds(batch_size: int, n: int = 60000) -> float:
    """Only the matrix products of that epoch (3 forward, 3 weight gradients, 2 input
    gradients per step): the lower bound any implementation pays."""
    r = np.random.default_rng(0)
    Ws = [r.standard_normal((o, i)).astype(np.float32) for i, o in zip(MNIST_SIZES[:-1], MNIST_SIZES[1:])]
    x = r.standard_normal((MNIST_SIZES[0], batch_size)).astype(np.float32)
    acts = [x] + [np.empty((W.shape[0], batch_size), np.float32) for W in Ws]
    grads = [np.empty_like(W) for W in Ws]
    steps = -(-n // batch_size)
    start = time.perf_counter()
    for _ in range(steps):
        for k, W in enumerate(Ws):
            np.matmul(W, acts[k], out=acts[k + 1])
        d = acts[-1]
        for k in range(len(Ws) - 1, -1, -1):
            np.matmul(d, acts[k].T, out=grads[k])
            if k:
                d = Ws[k].T @ d
    return time.perf_counter() - start


def mnist_flops(batch_size: int, n: int = 60000) -> float:
    """Floating-point operations of the matmuls of one epoch."""
    pairs = list(zip(MNIST_SIZES[:-1], MNIST_SIZES[1:]))
    per_sample = sum(2 * i * o for i, o in pairs) * 2 + sum(2 * i * o for i, o in pairs[1:])
    return per_sample * n


def matmul_peak_gflops(size: int = 2048, repeat: int = 10) -> float:
    """Measured float32 GEMM throughput of this machine (best of ``repeat``)."""
    r = np.random.default_rng(0)
    A, B = r.random((size, size), dtype=np.float32), r.random((size, size), dtype=np.float32)
    C = np.empty_like(A)
    np.matmul(A, B, out=C)
    best = min(_timed(lambda: np.matmul(A, B, out=C)) for _ in range(repeat))
    return 2 * size**3 / best / 1e9


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def general_seconds_per_step(sizes, n: int, steps: int) -> float:
    """fcann2's general stepper (``fcann2.trainer.NumpyStepper``) forced on per-sample SGD,
    where ``fcann2.train`` picks the lean one: seconds per step."""
    import data_utils as du
    from data_utils.training.loop import run_training
    from fcann2 import MLP
    from fcann2.trainer import NumpyStepper
    X, y = _data(n, sizes[0], sizes[-1])
    model = MLP.from_params(du.init_params(sizes, "he_normal", 0))
    schedule = du.make_schedule(n, batch_size=1, n_iter=steps, seed=1)
    result = run_training(NumpyStepper, model, X, y, lr=1e-3, schedule=schedule)
    return result.wall_time / result.n_steps


def stacked_seconds_per_model_step(impl: str, k: int, steps: int, sizes=(2, 20, 3), n: int = 300) -> float:
    """``train_stacked`` of ``impl`` (``fcann2.stacked_trainer`` or ``pt_deep.stacked_trainer``)
    on ``k`` per-sample models (own seed, own learning rate): the stack's seconds per step
    divided by ``k``."""
    import data_utils as du
    from experiments.implementations.registry import get_impl
    implementation = get_impl(impl)
    X, y = _data(n, sizes[0], sizes[-1])
    models = [implementation.model.from_params(du.init_params(list(sizes), "he_normal", i)) for i in range(k)]
    options = [{"lr": 1e-3 * (1 + i % 7), "batch_size": 1, "n_iter": steps, "seed": i} for i in range(k)]
    results = implementation.train_stacked(models, X, y, options)
    return results[0].wall_time / results[0].n_steps  # wall_time is already the stack's time / k


def cli_startup_seconds() -> float:
    """Wall time of ``python -m experiments --help`` in a fresh interpreter."""
    import subprocess
    import sys
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "experiments", "--help"], check=True, capture_output=True)
    return time.perf_counter() - start
