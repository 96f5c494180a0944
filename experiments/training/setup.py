"""From a resolved run description to the things both implementations share: the data
(with a validation part when the recipe stops early), the layer sizes, the initial
parameters and the schedule - all derived from seeds."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data_utils import Dataset, Schedule, init_params, load_dataset, make_schedule
from data_utils.datasets.split import split_indices

from ..config.load import ExperimentConfig

__all__ = ["RunSetup", "prepare"]


@dataclass
class RunSetup:
    dataset: Dataset
    sizes: list[int]
    loss: str
    params: list[tuple[np.ndarray, np.ndarray]]
    schedule: Schedule
    X_train: np.ndarray     # the rows trained on (without the validation part)
    y_train: np.ndarray
    X_test: np.ndarray
    validation: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def is_classification(self) -> bool:
        return self.loss == "cross_entropy"

    def train_options(self, cfg: ExperimentConfig) -> dict:
        """Keyword options of either implementation's ``train``/``iter_train``: the recipe,
        the schedule, the validation part, and the test set scored every epoch (and the
        training rows with ``output.train_curve``, already scored when there is a validation part)."""
        sets = {"test": (self.X_test, self.dataset.y_test)}
        if cfg.output.train_curve and self.validation is None:
            sets["train"] = (self.X_train, self.y_train)
        return {"recipe": cfg.train.recipe, "schedule": self.schedule, "validation_data": self.validation,
                "eval_sets": sets}


def prepare(cfg: ExperimentConfig, n_steps: int | None = None) -> RunSetup:
    """Data from ``data.seed``; initial parameters and schedule from ``seed`` (independent
    streams via ``SeedSequence.spawn``). Nothing depends on ``impl``, which is what makes a
    numpy/torch pair a true comparison. ``n_steps`` overrides the schedule's length."""
    d, m, t = cfg.data, cfg.model, cfg.train
    ds = load_dataset(d.dataset, seed=d.seed, test_size=d.test_size, standardize=d.standardize,
                      standardize_target=bool(d.standardize_target), **d.params)
    loss = m.loss if m.loss != "auto" else ("cross_entropy" if ds.task == "classification" else "mse")
    if (loss == "cross_entropy") != (ds.task == "classification"):
        raise ValueError(f"model.loss {loss!r} does not fit the {ds.task} dataset {d.dataset!r}")
    sizes = [ds.n_features, *m.hidden, ds.n_outputs]
    init_seq, schedule_seq = np.random.SeedSequence(cfg.seed).spawn(2)
    dtype = np.dtype(t.dtype)
    params = init_params(sizes, m.init, np.random.default_rng(init_seq), dtype=dtype)
    schedule_seed = int(schedule_seq.generate_state(1)[0])
    X_train, y_train, validation = ds.X_train.astype(dtype), ds.y_train, None
    if t.recipe.holdout_fraction is not None:  # rows from the data seed: the same for every cell
        keep, held = split_indices(len(X_train), fraction=t.recipe.holdout_fraction, seed=d.seed,
                                   labels=y_train if ds.task == "classification" else None)
        validation = (X_train[held], y_train[held])
        X_train, y_train = X_train[keep], y_train[keep]
    n = len(X_train)
    if n_steps is not None:
        schedule = make_schedule(n, batch_size=t.batch, n_iter=n_steps, sampling=t.sampling, seed=schedule_seed)
    else:
        schedule = make_schedule(n, batch_size=t.batch, epochs=t.epochs, n_iter=t.n_iter,
                                 sampling=t.sampling, seed=schedule_seed)
    return RunSetup(ds, sizes, loss, params, schedule, X_train, y_train, ds.X_test.astype(dtype), validation)
