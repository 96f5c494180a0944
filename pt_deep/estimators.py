"""scikit-learn estimators backed by ``PTDeep`` (autograd + ``torch.optim.SGD``)."""
from __future__ import annotations

from data_utils.training.estimator import MLPClassifierBase, MLPRegressorBase

from .model import PTDeep
from .trainer import train

__all__ = ["PTDeepClassifier", "PTDeepRegressor"]


class _PTDeepNetwork:
    """The two hooks of ``data_utils.training.estimator`` implemented with ``PTDeep``."""

    def _train_network(self, params, X, T, *, loss, schedule):
        network = PTDeep.from_params(params, activation=self.activation, loss=loss)
        result = train(network, X, T, lr=self._lr, weight_decay=self.weight_decay, schedule=schedule)
        return network, result

    def _network_output(self, X):
        if self.network_.loss_name == "cross_entropy":
            return self.network_.predict_proba(X)
        return self.network_.output(X)


class PTDeepClassifier(_PTDeepNetwork, MLPClassifierBase):
    """MLP classifier trained by PyTorch; same hyperparameters and attributes as
    ``fcann2.FCANN2Classifier``."""


class PTDeepRegressor(_PTDeepNetwork, MLPRegressorBase):
    """MLP regressor trained by PyTorch; mirrors ``fcann2.FCANN2Regressor``."""
