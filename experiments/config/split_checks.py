"""Checks of a grid point that need its sample counts (``split_counts``: the training and
test parts the dataset's parameters and ``test_size`` give): the validation part taken from
the training part (``train.validation_fraction``, early stopping), a given
``train.batch_size`` against the rows left to train on, and the neighbours of a k-NN
reference against the training part."""
from __future__ import annotations

import math

from data_utils.datasets.specs import declaration, split_counts

__all__ = ["split_check_problems", "training_rows", "neighbour_problems"]


def training_rows(cfg) -> tuple[int, int, int]:
    """``(n_fit, n_val, n_classes)``: the rows trained on, the validation rows held out of
    the training part (``ceil(fraction * n_train)``, as scikit-learn's split), the classes."""
    d = cfg.data
    n_train, _, n_classes = split_counts(declaration(d.dataset), d.params, d.test_size)
    fraction = cfg.train.recipe.holdout_fraction
    n_val = math.ceil(fraction * n_train) if fraction else 0
    return n_train - n_val, n_val, n_classes


def split_check_problems(cfg) -> list[tuple[str, str, tuple[str, ...]]]:
    """``(key, "key: message", related keys)`` for a validation part that cannot be drawn
    (each part needs a sample of every class, or one sample for regression) and for a
    ``batch_size`` given larger than the rows trained on (``"full"`` says that)."""
    n_fit, n_val, n_classes = training_rows(cfg)
    need = max(n_classes, 1)
    out = []
    if n_val and min(n_fit, n_val) < need:
        key = "train.validation_fraction"
        fraction = cfg.train.recipe.holdout_fraction
        why = "with early stopping " if cfg.train.early_stopping and cfg.train.validation_fraction is None else ""
        out.append((key, f"{key}: {fraction:g} {why}of the {n_fit + n_val} training samples leaves {n_fit} to train "
                         f"on and {n_val} to validate; each part needs "
                         + (f"a sample of each of the {n_classes} classes" if n_classes else "at least one sample"),
                    ("train.early_stopping", "data.params", "data.test_size")))
    batch = cfg.train.batch_size
    given = "batch_size" in (cfg._raw.get("train") or {})
    if given and batch != "full" and n_fit >= 1 and batch > n_fit:
        out.append(("train.batch_size", f"train.batch_size: {batch} is larger than the {n_fit} samples trained on "
                                        f'(use "full" for full-batch training)', ("data.params", "data.test_size")))
    return out


def neighbour_problems(cfg) -> list[tuple[str, str]]:
    """``(key, "key: message")`` for a k-nearest-neighbours reference asking for more
    neighbours than the training part (it is fitted on all of it) of a data spec of the grid."""
    from .baselines import estimator_class  # scikit-learn: only for configs with references
    problems = []
    for k, ref in enumerate(cfg.references):
        if not ref.model.startswith("k_neighbors"):
            continue
        wanted = ref.params.get("n_neighbors", estimator_class(ref.model)().n_neighbors)
        for _, point in cfg.grid_points():
            d = point.data
            n_train = split_counts(declaration(d.dataset), d.params, d.test_size)[0]
            if isinstance(wanted, int) and wanted > n_train:
                key = f"references[{k}].params.n_neighbors"
                problems.append((key, f"{key}: {wanted} neighbours, but the training part of {d.dataset!r} holds "
                                      f"{n_train} samples"))
                break
    return problems
