"""The course's functional API on top of ``MLP``: ``fcann2_train`` and ``fcann2_classify``.

Without ``rng``, ``fcann2_train`` draws its seed from NumPy's global state, so the lab's
``np.random.seed(100)`` makes a whole script reproducible."""
from __future__ import annotations

import logging

import numpy as np

from data_utils.datasets.course import course_rng
from data_utils.validation import as_generator, check_features, check_labels

from .model import MLP
from .trainer import train

__all__ = ["fcann2_train", "fcann2_classify"]

log = logging.getLogger(__name__)


def fcann2_train(X, Y_, param_niter=1e5, param_delta=0.05, param_lambda=1e-3, hidden: int = 5, *,
                 activation: str = "relu", init: str = "lecun_normal", rng=None,
                 batch_size: int | None = None):
    """Train a 2-layer network ``[D, hidden, C]`` by full-batch gradient descent.

    Parameters
    ----------
    X : ndarray of shape (N, D); Y_ : int labels (N,) in 0..C-1.
    param_niter : number of gradient steps; param_delta : learning rate;
    param_lambda : L2 penalty on weights; hidden : hidden width.
    rng : Generator or seed for the initial weights and sample order; None draws a seed
        from NumPy's global state (``np.random.seed`` reproduces).
    batch_size : None (the course's full batch) or a minibatch size.

    Returns
    -------
    params : ``[(W1, b1), (W2, b2)]``, ``W1`` (hidden, D), ``W2`` (C, hidden).
    """
    X = check_features(X)
    Y_ = check_labels(Y_, n_samples=X.shape[0], name="Y_")
    if rng is None:
        rng = int(course_rng(None).randint(2**31 - 1))
    init_rng, schedule_rng = as_generator(rng).spawn(2)
    model = MLP.from_sizes([X.shape[1], int(hidden), int(Y_.max()) + 1], activation=activation,
                           init=init, rng=init_rng)
    result = train(model, X, Y_, lr=param_delta, weight_decay=param_lambda, n_iter=param_niter,
                   batch_size=batch_size, seed=int(schedule_rng.integers(2**31 - 1)))
    if result.status != "ok":
        log.warning("fcann2_train diverged at step %s; returning the last finite parameters",
                    result.diverged_at)
    return model.to_params()


def fcann2_classify(X, *params, activation: str = "relu") -> np.ndarray:
    """Class probabilities (N, C) on ``X`` (N, D) of the network with parameters given as
    ``fcann2_train`` returns them (``fcann2_classify(X, params)``) or as the lab's separate
    arrays (``fcann2_classify(X, W1, b1, W2, b2)``, ``W`` of shape (out, in))."""
    if len(params) == 2 and isinstance(params[1], str):  # the former (X, params, activation)
        params, activation = params[:1], params[1]
    if len(params) == 1:
        layers = params[0]
    elif len(params) >= 2 and len(params) % 2 == 0:
        layers = list(zip(params[::2], params[1::2]))
    else:
        raise TypeError(f"fcann2_classify takes (X, params) or (X, W1, b1, W2, b2, ...), got {len(params)} "
                        "arrays after X")
    return MLP(layers, activation=activation).predict_proba(X)
