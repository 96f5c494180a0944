"""Direct API calls on tiny problems run on one thread; big ones keep the library's pools."""
import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

import fcann2
import pt_deep
from data_utils.training.threads import choose_threads


def _blas_threads():
    return max(lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas")


def test_tiny_problems_run_single_threaded_in_both_trainers(rng):
    X, y = rng.standard_normal((60, 2)), rng.integers(0, 2, 60)
    seen = []
    fcann2.train(fcann2.MLP.from_sizes([2, 5, 2], rng=0), X, y, lr=0.1, n_iter=2,
                 callback=lambda *_: seen.append(_blas_threads()))
    pt_deep.train(pt_deep.PTDeep.from_params(fcann2.MLP.from_sizes([2, 5, 2], rng=0).to_params()), X, y,
                  lr=0.1, n_iter=2, callback=lambda *_: seen.append(torch.get_num_threads()))
    assert seen == [1, 1, 1, 1]


def test_thread_choice_by_size():
    assert choose_threads("auto", [2, 50, 3], 1000) == 1                        # course full batch
    assert choose_threads("auto", [784, 250, 250, 10], 60000, batch_size=64) is None  # MNIST minibatch
    assert choose_threads(3, [2, 5, 2], 10) == 3 and choose_threads(None, [2, 5, 2], 10) is None
    with pytest.raises(ValueError, match="n_threads"):
        choose_threads(0, [2, 5, 2], 10)
