"""From a resolved run description to the things both implementations share: the data,
the layer sizes, the initial parameters and the schedule - all derived from seeds."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data_utils import Dataset, Schedule, init_params, load_dataset, make_schedule

from .config import ExperimentConfig

__all__ = ["RunSetup", "prepare"]


@dataclass
class RunSetup:
    dataset: Dataset
    sizes: list[int]
    loss: str
    params: list[tuple[np.ndarray, np.ndarray]]
    schedule: Schedule
    X_train: np.ndarray
    X_test: np.ndarray

    @property
    def is_classification(self) -> bool:
        return self.loss == "cross_entropy"


def prepare(cfg: ExperimentConfig, n_steps: int | None = None) -> RunSetup:
    """Data from ``data.seed``; initial parameters and schedule from ``seed`` (independent
    streams via ``SeedSequence.spawn``). Nothing depends on ``impl``, which is what makes a
    numpy/torch pair a true comparison. ``n_steps`` overrides the schedule's length."""
    d, m, t = cfg.data, cfg.model, cfg.train
    ds = load_dataset(d.dataset, seed=d.seed, test_size=d.test_size, standardize=d.standardize, **d.params)
    loss = m.loss if m.loss != "auto" else ("cross_entropy" if ds.task == "classification" else "mse")
    if (loss == "cross_entropy") != (ds.task == "classification"):
        raise ValueError(f"model.loss {loss!r} does not fit the {ds.task} dataset {d.dataset!r}")
    sizes = [ds.n_features, *m.hidden, ds.n_outputs]
    init_seq, schedule_seq = np.random.SeedSequence(cfg.seed).spawn(2)
    dtype = np.dtype(t.dtype)
    params = init_params(sizes, m.init, np.random.default_rng(init_seq), dtype=dtype)
    schedule_seed = int(schedule_seq.generate_state(1)[0])
    n = len(ds.X_train)
    if n_steps is not None:
        schedule = make_schedule(n, batch_size=t.batch, n_iter=n_steps, sampling=t.sampling, seed=schedule_seed)
    else:
        schedule = make_schedule(n, batch_size=t.batch, epochs=t.epochs, n_iter=t.n_iter,
                                 sampling=t.sampling, seed=schedule_seed)
    return RunSetup(ds, sizes, loss, params, schedule, ds.X_train.astype(dtype), ds.X_test.astype(dtype))
