"""Training one cell. Runs inside a worker process: BLAS and torch limited to one thread,
every failure turned into a recorded status instead of an exception."""
from __future__ import annotations

import time
import traceback

from threadpoolctl import threadpool_limits

from pt_deep import num_threads

from .outputs import FrameRecorder, cell_outputs, first_max_step, plot_data
from ..config.load import ExperimentConfig
from ..implementations.registry import get_impl, model_outputs
from .diagnosis import diagnose
from .reload_check import reload_check
from .scoring import evaluate, test_loss
from .setup import RunSetup, prepare

__all__ = ["train_cell", "evaluate"]


def train_cell(cfg: ExperimentConfig, animate: bool = False) -> dict:
    """Train one implementation on one grid point (``cfg``: a validated grid point).

    Returns a JSON-ready record: ``status`` ("ok", "diverged" or "error"), ``error``,
    ``n_steps``, ``diverged_at``, ``final_loss``, ``best_epoch``, ``stopped_early``,
    ``wall_time`` and ``time_per_step`` (seconds, training loop only), ``n_params``,
    ``initial_test_loss`` (the untrained model's), ``diagnosis`` (of a finished cell: dead
    units, constant predictions, no learning - ``diagnosis.diagnose``), ``first_max_train``
    (the first epoch at maximum training score, with ``output.train_curve``), ``metrics``
    (train/test), ``reload`` (with ``output.reload_check``: see ``reload_check``), ``curves`` (per epoch: ``loss`` - the training objective - and the
    ``TrainResult.history`` series: ``lr``, ``test_loss``/``test_score``, and
    ``train_``/``validation_`` ones when the recipe holds out a validation part),
    ``params`` (the final parameters, always), ``outputs`` and ``data`` (what the report
    draws, see ``cell_outputs``) and, with ``animate``, ``frames`` recorded by the trainer's
    callback - NumPy arrays, not JSON: the store writes them to ``models/``, ``outputs/``,
    ``data/`` and ``frames/``.
    """
    record = _empty_record()
    start = time.perf_counter()
    try:
        impl = get_impl(cfg.impl)
        with threadpool_limits(limits=1), num_threads(1):  # one worker, one core
            setup = prepare(cfg)
            record["loss"] = setup.loss
            model = impl.model.from_params(setup.params, cfg.model.activation, setup.loss,
                                           cfg.model.negative_slope)
            frames = FrameRecorder(setup, lambda X: model_outputs(model, X), cfg.output.animation_frames) \
                if animate else None
            result = impl.train(model, setup.X_train, setup.y_train, callback=frames, **setup.train_options(cfg))
            if frames is not None:
                frames(result.n_steps, result.final_loss, model, force=True)
            finish_record(record, result, model, setup, cfg, frames)
    except Exception as exc:  # noqa: BLE001 - a failing cell is a result, the sweep goes on
        record.update(status="error", error=f"{type(exc).__name__}: {exc}",
                      traceback=traceback.format_exc(limit=5))
    record["cell_time"] = time.perf_counter() - start
    return record


def _empty_record() -> dict:
    return {"status": "error", "error": None, "loss": None, "n_steps": 0, "diverged_at": None,
            "final_loss": None, "best_epoch": None, "stopped_early": False, "wall_time": None,
            "time_per_step": None, "metrics": None, "curves": {}, "params": None,
            "outputs": None, "data": None, "frames": None}


def finish_record(record: dict, result, model, setup: RunSetup, cfg: ExperimentConfig, frames=None) -> dict:
    """Fill ``record`` from a finished training run of ``model`` (either engine)."""
    output_fn = lambda X: model_outputs(model, X)  # noqa: E731
    impl = get_impl(cfg.impl)
    initial = _initial_losses(impl.model, setup, cfg)
    record.update(status=result.status, loss=setup.loss, n_steps=result.n_steps, diverged_at=result.diverged_at,
                  final_loss=result.final_loss, best_epoch=result.best_epoch,
                  stopped_early=result.stopped_early, wall_time=result.wall_time,
                  time_per_step=result.wall_time / max(result.n_steps, 1), metrics=evaluate(setup, output_fn),
                  first_max_train=first_max_step(result.history.get("train_score")),
                  curves={"loss": list(result.loss_per_epoch), **result.history},
                  params=model.to_params(), outputs=cell_outputs(setup, output_fn, cfg.output.plot_resolution),
                  data=plot_data(setup), frames=frames.arrays() if frames is not None else None,
                  n_params=sum(W.size + b.size for W, b in setup.params),
                  initial_test_loss=initial["test"])
    if record["outputs"] is not None and result.status == "ok":
        train_loss = test_loss((record["metrics"] or {}).get("train"), setup.is_classification)
        record["diagnosis"] = diagnose(record["params"], cfg.model.activation, setup.X_train,
                                       record["outputs"]["test_output"], setup.dataset.y_test,
                                       setup.is_classification, initial["train"], train_loss)
    if cfg.output.reload_check and result.status == "ok":
        record["reload"] = reload_check(model, impl, setup, cfg.model.activation,
                                        cfg.model.negative_slope)
    return record


def _initial_losses(model_class, setup: RunSetup, cfg: ExperimentConfig) -> dict[str, float | None]:
    """Training and test loss of the untrained model (``setup.params``: the initial
    parameters, which training never changes - the models hold copies)."""
    untrained = model_class.from_params(setup.params, cfg.model.activation, setup.loss, cfg.model.negative_slope)
    metrics = evaluate(setup, lambda X: model_outputs(untrained, X))
    return {split: test_loss(metrics[split], setup.is_classification) for split in ("train", "test")}
