"""Seeded, stratified splits by index: the test split of the registry and the validation
split of early stopping are both drawn here."""
from __future__ import annotations

import logging

import numpy as np

__all__ = ["split_indices"]

log = logging.getLogger(__name__)


def split_indices(n_samples: int, *, fraction: float, seed: int, labels: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``(kept, held_out)`` row indices; ``fraction`` of the rows are held out.

    Stratified by ``labels`` when given and every present class has at least 2 samples
    (scikit-learn's ``train_test_split`` with ``random_state=seed``); otherwise a plain
    shuffled split, with a warning for the unstratifiable labels.
    """
    from sklearn.model_selection import train_test_split

    stratify = None
    if labels is not None:
        counts = np.bincount(np.asarray(labels, dtype=np.int64))
        if counts[counts > 0].min() >= 2:
            stratify = labels
        else:
            log.warning("a class has fewer than 2 samples; splitting without stratification")
    kept, held = train_test_split(np.arange(n_samples), test_size=fraction, random_state=seed, stratify=stratify)
    return kept, held
