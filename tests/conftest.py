import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

# Tiny networks gain nothing from intra-op threads, and two xdist workers would oversubscribe.
torch.set_num_threads(1)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def gmm_data():
    """The course's sample_gmm_2d(6, 2, 10) with a fixed seed."""
    from data_utils import sample_gmm_2d
    return sample_gmm_2d(6, 2, 10, rng=7)
