import math

import numpy as np
import pytest

from data_utils import INIT_SCHEMES, ModelFileError, Schedule, init_params, load_params_npz, save_params_npz
from data_utils.training.loop import TrainingLoop, TrainingPlan, resolve_schedule
from data_utils.training.recipe import Recipe
from data_utils.validation import as_float_dtype


@pytest.mark.parametrize("scheme", sorted(INIT_SCHEMES))
def test_init_shapes_and_dtypes(scheme):
    params = init_params([4, 7, 3], scheme, rng=0, dtype=np.float32)
    assert [(W.shape, b.shape) for W, b in params] == [((7, 4), (7,)), ((3, 7), (3,))]
    assert all(W.dtype == np.float32 and b.dtype == np.float32 for W, b in params)
    p64 = init_params([4, 7, 3], scheme, rng=0)
    np.testing.assert_allclose(p64[0][0], params[0][0], rtol=1e-6)


@pytest.mark.parametrize("scheme, var", [("lecun_normal", 1 / 400), ("he_normal", 2 / 400),
                                         ("glorot_normal", 2 / 600), ("glorot_uniform", 2 / 600),
                                         ("scaled_normal", 1e-4), ("normal", 1.0),
                                         ("torch_default", 1 / (3 * 400))])
def test_init_variances(scheme, var):
    W, b = init_params([400, 200], scheme, rng=1)[0]
    assert np.var(W) == pytest.approx(var, rel=0.05)
    assert (np.all(b == 0)) == (scheme != "torch_default")


def test_init_errors():
    with pytest.raises(ValueError, match="unknown init scheme 'xavier'"):
        init_params([2, 2], "xavier")
    with pytest.raises(ValueError, match="sizes must list at least"):
        init_params([2])
    with pytest.raises(ValueError, match="positive integers"):
        init_params([2, 0, 1])


class _ScriptedStepper:
    """A stepper whose step losses are given in advance (no model)."""

    def __init__(self, losses):
        self.losses, self.updates, self.epochs_ended = iter(losses), 0, 0

    def loss_and_grad(self, index):
        return next(self.losses)

    def step(self):
        self.updates += 1

    def end_epoch(self):
        self.epochs_ended += 1


def _loop(schedule, losses, stepper=None, **kw):
    plan = TrainingPlan(np.zeros((schedule.n_samples, 1)), np.zeros(schedule.n_samples, dtype=np.int64),
                        schedule, Recipe(), {}, True)
    stepper = (stepper or _ScriptedStepper)(losses)
    return TrainingLoop(stepper, plan, **kw), stepper


def test_loop_epochs_divergence_and_callback():
    loop, stepper = _loop(Schedule(4, 2, 6), [1.0, 3.0, 2.0, 2.0, math.inf, 5.0], record_steps=True)
    seen = []
    r = loop.run(callback=lambda k, loss: seen.append(k))
    assert r.status == "diverged" and r.diverged_at == 4 and r.n_steps == 4
    assert stepper.updates == 4 and seen == [0, 1, 2, 3] and stepper.epochs_ended == 2
    assert r.loss_per_epoch[:2] == [2.0, 2.0] and math.isinf(r.loss_per_epoch[2])
    assert r.loss_per_step == [1.0, 3.0, 2.0, 2.0, math.inf]
    assert r.history["lr"] == [0.1, 0.1]
    assert r.to_dict()["status"] == "diverged"


class _ScriptedSpanStepper(_ScriptedStepper):
    """Also takes whole epochs (``run_samples``), as fcann2's per-sample stepper does."""

    def __init__(self, losses):
        super().__init__(losses)
        self.spans = []

    def run_samples(self, samples):
        self.spans.append(list(samples))
        losses = []
        for _ in samples:
            losses.append(self.loss_and_grad(None))
            if not math.isfinite(losses[-1]):
                break
            self.step()
        return losses


@pytest.mark.parametrize("losses", [[0.1, 0.7, 0.2, 1e-17, 3.0, 0.3, 0.9, 1.1],
                                    [1.0, 3.0, 2.0, 2.0, 0.5, math.nan, 5.0, 1.0]],
                         ids=["ok", "diverged in the second epoch"])
def test_run_by_whole_epochs_keeps_the_books_of_iteration(losses):
    schedule = Schedule(3, 1, 8, seed=5)  # epochs of 3, 3, then 2 steps
    iterated, _ = _loop(schedule, losses)
    expected = iterated.run(callback=lambda step, loss: None)  # a callback: one step at a time
    loop, stepper = _loop(schedule, losses, stepper=_ScriptedSpanStepper)
    result = loop.run()
    epochs = [e.tolist() for e in schedule.epoch_samples()]
    ok = expected.status == "ok"
    assert stepper.spans == (epochs if ok else epochs[:2])
    assert stepper.updates == expected.n_steps == (8 if ok else 5) and stepper.epochs_ended == (2 if ok else 1)
    for field in ("status", "n_steps", "diverged_at", "best_epoch", "stopped_early", "history"):
        assert getattr(result, field) == getattr(expected, field), field
    assert np.array_equal(result.loss_per_epoch, expected.loss_per_epoch, equal_nan=True)


def test_loop_partial_epoch_weighted():
    loop, _ = _loop(Schedule(3, 2, 3), [1.0, 4.0, 7.0])  # batches of 2, 1, then 2
    r = loop.run()
    assert r.loss_per_epoch == [pytest.approx((2 * 1 + 4) / 3), 7.0] and r.status == "ok"


def test_resolve_schedule_and_dtype():
    s = Schedule(5, 1, 3)
    assert resolve_schedule(5, schedule=s, batch_size=None, epochs=None, n_iter=None) is s
    with pytest.raises(ValueError, match="schedule is for 5 samples but X has 6"):
        resolve_schedule(6, schedule=s, batch_size=None, epochs=None, n_iter=None)
    with pytest.raises(TypeError):
        resolve_schedule(5, schedule=[1, 2], batch_size=None, epochs=None, n_iter=None)
    with pytest.raises(ValueError, match="give epochs, n_iter or an explicit schedule"):
        resolve_schedule(5, schedule=None, batch_size=None, epochs=None, n_iter=None)
    assert as_float_dtype("float32") == np.float32
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got 'int8'"):
        as_float_dtype("int8")
    with pytest.raises(ValueError, match="dtype must be"):
        as_float_dtype("nonsense")


def _meta():
    return {"sizes": [2, 3, 2], "activation": "relu", "loss": "cross_entropy", "dtype": "float64"}


def test_param_file_round_trip_and_errors(tmp_path):
    params = init_params([2, 3, 2], rng=0)
    path = save_params_npz(tmp_path / "m.npz", params, _meta())
    loaded, meta = load_params_npz(path)
    assert meta["format_version"] == 1
    for (W, b), (W2, b2) in zip(params, loaded):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    with pytest.raises(ModelFileError, match="does not exist"):
        load_params_npz(tmp_path / "none.npz")
    (tmp_path / "trunc.npz").write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="corrupt or truncated"):
        load_params_npz(tmp_path / "trunc.npz")
    np.savez(tmp_path / "pickled.npz", W0=np.array([object()], dtype=object))
    with pytest.raises(ModelFileError, match="cannot be loaded safely"):
        load_params_npz(tmp_path / "pickled.npz")
    np.savez(tmp_path / "nometa.npz", W0=np.ones((3, 2)))
    with pytest.raises(ModelFileError, match="no metadata"):
        load_params_npz(tmp_path / "nometa.npz")
    save_params_npz(tmp_path / "shape.npz", params, {**_meta(), "sizes": [2, 4, 2]})
    with pytest.raises(ModelFileError, match="layer 0 has W"):
        load_params_npz(tmp_path / "shape.npz")
    save_params_npz(tmp_path / "layers.npz", params, {**_meta(), "sizes": [2, 2]})
    with pytest.raises(ModelFileError, match="do not match sizes"):
        load_params_npz(tmp_path / "layers.npz")
    save_params_npz(tmp_path / "v.npz", params, {**_meta(), "format_version": 99})
    with pytest.raises(ModelFileError, match="format_version 99"):
        load_params_npz(tmp_path / "v.npz")
    save_params_npz(tmp_path / "dt.npz", params, {**_meta(), "dtype": "float32"})
    with pytest.raises(ModelFileError, match="dtype"):
        load_params_npz(tmp_path / "dt.npz")
    bad = [(W.copy(), b.copy()) for W, b in params]
    bad[1][0][0, 0] = np.nan
    save_params_npz(tmp_path / "nan.npz", bad, _meta())
    with pytest.raises(ModelFileError, match="NaN"):
        load_params_npz(tmp_path / "nan.npz")
    with pytest.raises(ValueError, match="metadata lacks"):
        save_params_npz(tmp_path / "x.npz", params, {"sizes": [2, 3, 2]})
