"""Training a ``CppMLP`` with a recipe: the shared loop (``data_utils.training.loop``)
driving ``CppStepper``; the same options as ``fcann2.train`` and ``pt_deep.train``."""
from __future__ import annotations

from data_utils.training.loop import TrainingLoop, TrainResult, plan_training, run_training

from .model import CppMLP
from .stepper import CppStepper

__all__ = ["train", "iter_train"]


def iter_train(model: CppMLP, X, y, *, record_steps: bool = False, **options) -> TrainingLoop:
    """A ``TrainingLoop`` over ``model`` (iterate it to train, one ``(step, loss, batch_len)``
    per step); ``options`` as ``train``."""
    plan = plan_training(model, X, y, **options)
    return TrainingLoop(CppStepper(model, plan), plan, record_steps=record_steps)


def train(model: CppMLP, X, y, *, n_threads=None, **options) -> TrainResult:
    """Train ``model`` in place; options as ``fcann2.train`` (the recipe's keys or
    ``recipe=``, ``batch_size``/``epochs``/``n_iter`` or ``schedule``, ``seed``,
    ``validation_data``, ``eval_sets``, ``callback``, ``record_steps``). ``n_threads`` is
    accepted for the common signature: the C++ network runs on one thread.

    Returns
    -------
    TrainResult : status ("ok" / "diverged"), steps, loss and score histories, best epoch.
    """
    return run_training(CppStepper, model, X, y, **options)
