"""The course lab's ``pt_deep.py`` namespace: ``from pt_deep.course import *`` gives a lab
driver script (its ``if __name__ == "__main__":`` block) what the lab's file had.

``PTDeep``, ``train``, ``eval``, ``count_params`` (this project's, with the lab's
signatures), the lab file's imports ``torch``, ``nn``, ``optim``, ``np``, ``plt`` and
``data`` (the course's ``data.py``: ``data_utils.course``). A script using it must not
itself be called ``pt_deep.py``: it would hide this package.
"""
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn, optim

import data_utils.course as data

from .course_api import count_params, eval, train  # noqa: A004 - the lab's names
from .model import PTDeep

__all__ = ["PTDeep", "train", "eval", "count_params", "torch", "nn", "optim", "np", "plt", "data"]
