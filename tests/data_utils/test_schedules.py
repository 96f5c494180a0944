import numpy as np
import pytest

from data_utils import Schedule, make_schedule


def test_epoch_schedule_visits_every_sample_once_per_epoch():
    s = make_schedule(10, batch_size=3, epochs=4, seed=1)
    batches = s.as_list()
    assert len(s) == len(batches) == 16 and s.steps_per_epoch == 4
    assert [len(b) for b in batches[:4]] == [3, 3, 3, 1]
    for e in range(4):
        np.testing.assert_array_equal(np.sort(np.concatenate(batches[4 * e:4 * e + 4])), np.arange(10))
    assert not np.array_equal(np.concatenate(batches[:4]), np.concatenate(batches[4:8]))


def test_iterating_twice_gives_the_same_batches():
    s = Schedule(50, 1, 200, seed=9)
    a, b = s.as_list(), s.as_list()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    c = Schedule(50, 1, 200, seed=10).as_list()
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_full_batch_and_replacement():
    s = make_schedule(7, batch_size=None, n_iter=5)
    assert list(s) == [slice(0, 7)] * 5 and s.steps_per_epoch == 1
    r = Schedule(7, 4, 100, sampling="replacement", seed=0).as_list()
    assert all(len(b) == 4 for b in r)
    flat = np.concatenate(r)
    assert flat.min() >= 0 and flat.max() < 7
    assert any(len(set(b)) < 4 for b in r)  # with replacement, repeats happen


def test_n_iter_spans_epochs_and_course_float():
    s = make_schedule(5, batch_size=2, n_iter=1e1)
    assert len(s.as_list()) == 10 and s.epoch_of_step(9) == 3


def test_batch_larger_than_data_is_clamped():
    s = Schedule(5, 64, 3)
    assert [len(b) for b in s] == [5, 5, 5]


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": 1, "n_iter": 1}, "exactly one of epochs or n_iter"),
    ({}, "exactly one of epochs or n_iter"),
    ({"epochs": 0}, "epochs must be a positive integer, got 0"),
    ({"n_iter": -3}, "n_steps must be a positive integer, got -3"),
    ({"n_iter": 2, "batch_size": 0}, "batch_size must be a positive integer or None, got 0"),
    ({"n_iter": 2, "sampling": "bootstrap"}, "sampling must be one of"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_schedule(10, **kwargs)


@pytest.mark.parametrize("schedule", [Schedule(7, 1, 30, seed=3), Schedule(7, 1, 14, seed=4),
                                      Schedule(7, 1, 3, seed=5), Schedule(7, 1, 20, "replacement", 6)])
def test_epoch_samples_are_the_iterated_batches_grouped_by_epoch(schedule):
    epochs = list(schedule.epoch_samples())
    assert [len(e) for e in epochs] == [min(7, schedule.n_steps - 7 * k) for k in range(schedule.n_epochs)]
    assert np.array_equal(np.concatenate(epochs), np.concatenate(schedule.as_list()))
    assert all(e.dtype == np.int64 for e in epochs)


def test_epoch_samples_need_batches_of_one():
    with pytest.raises(ValueError, match="epoch_samples needs batch_size=1, got 2"):
        next(Schedule(7, 2, 10).epoch_samples())
