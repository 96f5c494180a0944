"""scikit-learn estimators backed by the NumPy ``MLP``."""
from __future__ import annotations

from data_utils.training.estimator import MLPClassifierBase, MLPRegressorBase

from .model import MLP
from .trainer import train

__all__ = ["FCANN2Classifier", "FCANN2Regressor"]


class _FCANN2Network:
    """The two hooks of ``data_utils.training.estimator`` implemented with ``MLP``."""

    def _train_network(self, params, X, T, *, loss, schedule):
        network = MLP(params, activation=self.activation, loss=loss)
        result = train(network, X, T, lr=self._lr, weight_decay=self.weight_decay, schedule=schedule)
        return network, result

    def _network_output(self, X):
        net = self.network_
        return net.predict_proba(X) if net.loss_name == "cross_entropy" else net.forward(X)


class FCANN2Classifier(_FCANN2Network, MLPClassifierBase):
    """MLP classifier trained by the NumPy network (softmax cross-entropy, plain SGD).

    Fitted attributes: ``classes_``, ``network_`` (the ``MLP``), ``loss_curve_`` (per
    epoch), ``n_iter_`` (epochs run), ``t_`` (SGD steps), ``status_`` ("ok"/"diverged").
    """


class FCANN2Regressor(_FCANN2Network, MLPRegressorBase):
    """MLP regressor trained by the NumPy network (mean squared error, plain SGD)."""
