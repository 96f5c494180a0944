"""scikit-learn estimators backed by the NumPy ``MLP``."""
from __future__ import annotations

from data_utils.training.estimator import MLPClassifierBase, MLPRegressorBase

from .model import MLP
from .trainer import train

__all__ = ["FCANN2Classifier", "FCANN2Regressor"]


class FCANN2Classifier(MLPClassifierBase):
    """MLP classifier trained by the NumPy network (softmax cross-entropy).

    Fitted attributes: ``classes_``, ``network_`` (the ``MLP``), ``loss_curve_`` (per
    epoch), ``validation_scores_`` (accuracy per epoch with early stopping, else None),
    ``best_epoch_``, ``n_iter_`` (epochs run), ``t_`` (steps), ``status_`` ("ok"/"diverged").
    """

    _model = MLP
    _train = staticmethod(train)


class FCANN2Regressor(MLPRegressorBase):
    """MLP regressor trained by the NumPy network (mean squared error); ``validation_scores_``
    holds R^2 per epoch with early stopping."""

    _model = MLP
    _train = staticmethod(train)
