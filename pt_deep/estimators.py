"""scikit-learn estimators backed by ``PTDeep`` (autograd + ``torch.optim``)."""
from __future__ import annotations

from data_utils.training.estimator import MLPClassifierBase, MLPRegressorBase

from .model import PTDeep
from .trainer import train

__all__ = ["PTDeepClassifier", "PTDeepRegressor"]


class PTDeepClassifier(MLPClassifierBase):
    """MLP classifier trained by PyTorch; same hyperparameters and attributes as
    ``fcann2.FCANN2Classifier``."""

    _model = PTDeep
    _train = staticmethod(train)


class PTDeepRegressor(MLPRegressorBase):
    """MLP regressor trained by PyTorch; mirrors ``fcann2.FCANN2Regressor``."""

    _model = PTDeep
    _train = staticmethod(train)
