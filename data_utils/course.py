"""The course lab's ``data.py`` as one module: ``import data_utils.course as data`` or
``from data_utils.course import *`` gives what the lab's file gave.

Its functions with the lab's signatures, defaults and return values (the generators draw
from NumPy's global state in the lab's order, so ``np.random.seed(100)`` gives the lab's
data), and ``np`` / ``plt``, which ``from data import *`` brought along because the lab's
file imported them. ``python -m data_utils.course_kit init LAB_DIR`` writes a one-line
``data.py`` into a lab folder, so that the lab's ``import data`` works unchanged;
``python -m data_utils.course`` runs the lab file's own demo.
"""
import matplotlib.pyplot as plt
import numpy as np

from .datasets.course import Random2DGaussian, class_to_onehot, sample_gauss_2d, sample_gmm, sample_gmm_2d
from .metrics import eval_AP, eval_perf_binary, eval_perf_multi
from .plots.surfaces import graph_data, graph_surface

__all__ = ["np", "plt", "Random2DGaussian", "sample_gauss_2d", "sample_gmm_2d", "sample_gmm",
           "graph_surface", "graph_data", "class_to_onehot", "eval_perf_binary", "eval_perf_multi",
           "eval_AP", "myDummyDecision"]


def myDummyDecision(X):  # noqa: N802 - the lab's name
    """The lab's demo classifier: scores ``x0 + x1 - 5`` of points ``X`` (n, 2), shape (n,)."""
    X = np.asarray(X)
    return X[:, 0] + X[:, 1] - 5


def _demo() -> None:
    """The lab file's ``__main__``: a dummy decision surface over ``sample_gmm_2d(4, 2, 30)``."""
    np.random.seed(100)
    X, Y_ = sample_gmm_2d(4, 2, 30)
    Y = myDummyDecision(X) > 0.5
    rect = (np.min(X, axis=0), np.max(X, axis=0))
    graph_surface(myDummyDecision, rect, offset=0)
    graph_data(X, Y_, Y, special=[])
    plt.show()


if __name__ == "__main__":
    _demo()
