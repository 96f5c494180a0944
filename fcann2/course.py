"""The course lab's ``fcann2.py`` namespace: ``from fcann2.course import *`` gives a lab
driver script (its ``if __name__ == "__main__":`` block) what the lab's file had.

``fcann2_train``, ``fcann2_classify`` (this project's, with the lab's hyperparameters as
defaults) and the lab file's imports ``np``, ``plt`` and ``data`` (the course's
``data.py``: ``data_utils.course``). A script using it must not itself be called
``fcann2.py``: it would hide this package.
"""
import matplotlib.pyplot as plt
import numpy as np

import data_utils.course as data

from .course_api import fcann2_classify, fcann2_train

__all__ = ["fcann2_train", "fcann2_classify", "np", "plt", "data"]
