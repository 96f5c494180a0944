"""The per-sample path (``LeanStepper``, chosen for batch 1) is the general path's arithmetic:
every bit of the parameters, the losses and the histories equal ``NumpyStepper``'s, whether
``run()`` hands it whole epochs or the loop iterates step by step; deliberately wrong lean
steppers are caught."""
import numpy as np
import pytest

import data_utils as du
from data_utils.training.loop import TrainingLoop, plan_training
from fcann2 import MLP, functional as F, iter_train
from fcann2.lean import LeanStepper, _outer_product
from fcann2.trainer import NumpyStepper

OPTIMIZERS = [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True}, {"optimizer": "rmsprop", "lr": 0.01},
              {"optimizer": "rmsprop", "lr": 0.01, "momentum": 0.5}, {"optimizer": "adam", "lr": 0.01}]


def _train(stepper, sizes, activation, loss, X, y, *, per_step=False, callback=None, **options):
    """Parameters and result of one run; ``per_step`` iterates the loop step by step."""
    model = MLP(du.init_params(sizes, "he_normal", 1, dtype=X.dtype), activation, loss)
    plan = plan_training(model, X, y, **{"batch_size": 1, "epochs": 3, "seed": 4, "lr": 0.05, **options})
    loop = TrainingLoop(stepper(model, plan), plan, record_steps=per_step)
    with np.errstate(over="ignore", invalid="ignore"):
        result = loop.run(callback)
    return model.theta.copy(), result


def _assert_identical(a, b):
    (theta_a, ra), (theta_b, rb) = a, b
    assert np.array_equal(theta_a, theta_b, equal_nan=True)
    assert theta_a.tobytes() == theta_b.tobytes()  # every bit, zeros' signs included
    assert np.array_equal(ra.loss_per_epoch, rb.loss_per_epoch, equal_nan=True)
    assert ra.history.keys() == rb.history.keys()
    for key in ra.history:
        assert np.array_equal(ra.history[key], rb.history[key], equal_nan=True), key
    fields = ("status", "n_steps", "diverged_at", "best_epoch", "stopped_early")
    assert [getattr(ra, f) for f in fields] == [getattr(rb, f) for f in fields]


def _data(rng, sizes, loss, n=40, dtype=np.float64):
    X = rng.standard_normal((n, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], n) if loss == "cross_entropy" else rng.standard_normal((n, sizes[-1]))
    return X, y


def _three_ways(sizes, activation, loss, X, y, **options):
    """General path; lean by whole epochs (``run_samples``); lean iterated step by step."""
    general = _train(NumpyStepper, sizes, activation, loss, X, y, **options)
    by_epoch = _train(LeanStepper, sizes, activation, loss, X, y, **options)
    by_step = _train(LeanStepper, sizes, activation, loss, X, y, per_step=True, **options)
    return general, by_epoch, by_step


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "identity"])
@pytest.mark.parametrize("loss, n_out", [("cross_entropy", 2), ("cross_entropy", 3), ("mse", 2)])
def test_bit_identical_for_every_activation_loss_and_optimizer(activation, loss, n_out, rng):
    sizes = [2, 7, 5, n_out]
    X, y = _data(rng, sizes, loss)
    for recipe in OPTIMIZERS:
        general, by_epoch, by_step = _three_ways(sizes, activation, loss, X, y, weight_decay=1e-3,
                                                 lr_schedule="step", step_size=1, gamma=0.5, **recipe)
        _assert_identical(general, by_epoch)
        _assert_identical(general, by_step)


@pytest.mark.parametrize("sizes, loss, dtype", [
    ([2, 250, 2], "cross_entropy", np.float64),   # a tall first layer: weight gradient by columns
    ([3, 320, 4, 2], "mse", np.float64),          # by columns, by rows (fed by 320), by matmul
    ([4, 9, 9, 9, 3], "cross_entropy", np.float64),
    ([1, 6, 1], "mse", np.float64),
    ([2, 8, 2], "cross_entropy", np.float32),     # float32: no two-class scalar shortcut
    ([2, 250, 3], "mse", np.float32),
])
def test_bit_identical_for_other_shapes_and_float32(sizes, loss, dtype, rng):
    X, y = _data(rng, sizes, loss, dtype=dtype)
    for recipe in (OPTIMIZERS[0], OPTIMIZERS[2], OPTIMIZERS[5]):
        general, by_epoch, by_step = _three_ways(sizes, "relu", loss, X, y, weight_decay=1e-4, **recipe)
        _assert_identical(general, by_epoch)
        _assert_identical(general, by_step)


@pytest.mark.parametrize("options", [
    {"n_iter": 100},                                                  # last epoch partial
    {"n_iter": 90, "sampling": "replacement"},
    {"epochs": 30, "early_stopping": True, "patience": 2, "lr": 0.5},  # stops early, restores the best
    {"epochs": 4, "validation_fraction": 0.25, "lr_schedule": "cosine"},
    {"epochs": 2, "optimizer": "adam", "lr": 0.01, "lr_schedule": "exponential", "gamma": 0.9},
], ids=["partial epoch", "replacement", "early stopping", "validation + cosine", "adam + exponential"])
def test_bit_identical_on_every_schedule_and_stopping_rule(options, rng):
    sizes = [2, 6, 2]
    X, y = _data(rng, sizes, "cross_entropy")
    options = {"epochs": None, **options} if "n_iter" in options else options
    general, by_epoch, by_step = _three_ways(sizes, "tanh", "cross_entropy", X, y, **options)
    _assert_identical(general, by_epoch)
    _assert_identical(general, by_step)
    if options.get("early_stopping"):
        assert general[1].stopped_early and general[1].best_epoch is not None


@pytest.mark.parametrize("loss, lr, scale", [("cross_entropy", 5.0, 2.0), ("mse", 0.2, 1.0)])
def test_bit_identical_when_diverging(loss, lr, scale, rng):
    sizes = [2, 8, 2]
    X, y = _data(rng, sizes, loss, n=10)
    general, by_epoch, by_step = _three_ways(sizes, "identity", loss, X * scale, y, lr=lr, epochs=40)
    assert general[1].status == "diverged" and general[1].n_steps > 10  # past the first epoch
    _assert_identical(general, by_epoch)
    _assert_identical(general, by_step)


def test_every_way_of_writing_a_weight_gradient_is_covered_above():
    ways = [_outer_product(np.empty(shape), np.empty(shape[0])) for shape in
            [(7, 2), (5, 7), (3, 5), (250, 2), (320, 3), (4, 320)]]
    assert ways[:3] == [np.matmul, np.multiply, np.matmul] and ways[5] is np.multiply
    assert ways[3].__name__ == ways[4].__name__ == "by_columns"


def test_two_class_cross_entropy_is_the_array_formula_bit_for_bit(rng):
    logits = np.concatenate([rng.standard_normal((3000, 2)) * s for s in (1e-3, 1, 30, 800)])
    logits = np.concatenate([logits, [[0.0, 0.0], [5.0, 5.0], [-np.inf, 1.0], [np.inf, 1.0], [1.0, np.inf],
                                      [np.nan, 1.0], [1.0, np.nan], [750.0, -750.0]]])
    for label in (0, 1):
        with np.errstate(over="ignore", invalid="ignore"):
            for z0, z1 in logits.tolist():
                loss, g0, g1 = F.two_class_cross_entropy(z0, z1, label)
                ref_loss, ref_g = F.softmax_cross_entropy(np.array([[z0], [z1]]), np.array([label]))
                assert np.array_equal([loss], [ref_loss], equal_nan=True), (z0, z1, label)
                if np.isfinite(ref_loss):  # a non-finite loss ends the run: its gradient is never used
                    assert [g0, g1] == ref_g[:, 0].tolist(), (z0, z1, label)


def test_batch_one_selects_the_lean_path_and_other_batches_the_general_one(rng):
    X, y = rng.standard_normal((10, 2)), rng.integers(0, 2, 10)
    model = MLP.from_sizes([2, 3, 2], rng=0)
    assert type(iter_train(model, X, y, lr=0.1, batch_size=1, epochs=1).stepper) is LeanStepper
    for batch_size in (2, None):
        assert type(iter_train(model, X, y, lr=0.1, batch_size=batch_size, epochs=1).stepper) is NumpyStepper


class _CountingLean(LeanStepper):
    def __init__(self, model, plan):
        super().__init__(model, plan)
        self.spans, self.single_steps = [], 0

    def run_samples(self, samples):
        self.spans.append(len(samples))
        return super().run_samples(samples)

    def loss_and_grad(self, index):
        self.single_steps += 1
        return super().loss_and_grad(index)


def test_run_hands_whole_epochs_over_unless_steps_are_watched(rng):
    X, y = rng.standard_normal((10, 2)), rng.integers(0, 2, 10)
    model = MLP.from_sizes([2, 3, 2], rng=0)
    plan = plan_training(model, X, y, lr=0.1, batch_size=1, n_iter=25)
    quiet = _CountingLean(model, plan)
    TrainingLoop(quiet, plan).run()
    assert quiet.spans == [10, 10, 5] and quiet.single_steps == 0
    seen = []
    watched = _CountingLean(model, plan)
    TrainingLoop(watched, plan).run(lambda step, loss: seen.append(step))
    assert watched.spans == [] and watched.single_steps == 25 and seen == list(range(25))
    recorded = _CountingLean(model, plan)
    result = TrainingLoop(recorded, plan, record_steps=True).run()
    assert recorded.spans == [] and len(result.loss_per_step) == 25


# -- injected bug: the equality above must catch a lean stepper that is slightly wrong ----
class _HiddenBiasGradientBeforeTheMask(LeanStepper):
    """Writes the first hidden layer's delta into its bias gradient before the activation's
    backward pass (the bias gradient of a ReLU unit that is off gets the raw W.T @ delta)."""

    def __init__(self, model, plan):
        super().__init__(model, plan)
        correct, (first, second) = self._sample_loss_and_grad, model.linears

        def wrong(i):
            loss = correct(i)
            first.db[...] = second.W.T @ second.db
            return loss
        self._sample_loss_and_grad = wrong


@pytest.mark.parametrize("per_step", [False, True], ids=["by epoch", "by step"])
def test_a_bias_gradient_taken_before_the_mask_is_caught(per_step, rng):
    """(tests/parity/test_lockstep.py catches a 1e-6 bias gradient error and a wrong update
    order of the lean path against torch.)"""
    sizes = [2, 7, 2]
    X, y = _data(rng, sizes, "cross_entropy")
    general = _train(NumpyStepper, sizes, "relu", "cross_entropy", X, y)
    wrong = _train(_HiddenBiasGradientBeforeTheMask, sizes, "relu", "cross_entropy", X, y, per_step=per_step)
    assert np.abs(general[0] - wrong[0]).max() > 1e-6
