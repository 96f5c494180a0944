"""The training recipe: optimizer, its hyperparameters, weight decay, learning-rate
schedule and stopping rule - one immutable, validated object that both implementations
apply identically.

The update rules are PyTorch's (``torch.optim.SGD``, ``RMSprop``, ``Adam``, coupled weight
decay on the weights only); ``fcann2`` writes each by hand, ``pt_deep`` maps the recipe to
``torch.optim`` and ``torch.optim.lr_scheduler``. A ``Recipe`` is validated when it is
built; code that receives one trusts it.

Adding an optimizer: its entry in ``OPTIMIZERS`` (and its hyperparameters as fields here),
one update rule in ``fcann2/optimizers.py``, one mapping in ``pt_deep/optim.py``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

__all__ = ["Recipe", "RecipeError", "OPTIMIZERS", "LR_SCHEDULES", "as_recipe", "RECIPE_KEYS"]

# optimizer -> the hyperparameters that apply to it (besides lr and weight_decay)
OPTIMIZERS: dict[str, tuple[str, ...]] = {
    "sgd": ("momentum", "nesterov"),
    "rmsprop": ("alpha", "eps", "momentum"),
    "adam": ("betas", "eps"),
}
# schedule -> the keys that apply to it
LR_SCHEDULES: dict[str, tuple[str, ...]] = {
    "constant": (),
    "step": ("step_size", "gamma"),
    "exponential": ("gamma",),
    "cosine": (),
}
# Defaults of the optional keys (None in a Recipe means "not given"): torch.optim's.
_DEFAULTS = {"momentum": 0.0, "nesterov": False, "alpha": 0.99, "eps": 1e-8, "betas": (0.9, 0.999),
             "gamma": 0.1, "step_size": None}
_DEFAULT_VALIDATION_FRACTION = 0.1


class RecipeError(ValueError):
    """An invalid recipe; ``key`` names the offending recipe key."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"{key}: {message}")
        self.message = message


def _number(key, value, *, low=None, high=None, low_open=False, high_open=False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise RecipeError(key, f"must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise RecipeError(key, f"must be a finite number, got {value!r}")
    if low is not None and (x <= low if low_open else x < low):
        raise RecipeError(key, f"must be {'>' if low_open else '>='} {low:g}, got {value!r}")
    if high is not None and (x >= high if high_open else x > high):
        raise RecipeError(key, f"must be {'<' if high_open else '<='} {high:g}, got {value!r}")
    return x


def _integer(key, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) and not (hasattr(value, "__index__")):
        raise RecipeError(key, f"must be an integer >= {low}, got {value!r}")
    if int(value) < low:
        raise RecipeError(key, f"must be an integer >= {low}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Recipe:
    """How to train: optimizer, weight decay, learning-rate schedule, early stopping.

    Parameters
    ----------
    optimizer : "sgd", "rmsprop" or "adam".
    lr : base learning rate, > 0.
    weight_decay : L2 ``lambda`` on weights (not biases), added to their gradient before
        the optimizer (``g_W += lambda * W``), >= 0.
    momentum : sgd, rmsprop; in [0, 1). sgd: ``buf = g`` at the first step, then
        ``buf = momentum * buf + g`` (dampening 0); rmsprop: buffer starts at 0.
    nesterov : sgd only; needs ``momentum > 0``.
    alpha : rmsprop smoothing constant, in [0, 1) (default 0.99).
    eps : rmsprop/adam denominator term, > 0 (default 1e-8).
    betas : adam ``(beta1, beta2)``, each in [0, 1) (default (0.9, 0.999)).
    lr_schedule : "constant", "step" (``lr * gamma ** (epoch // step_size)``),
        "exponential" (``lr * gamma ** epoch``) or "cosine" (``lr * (1 + cos(pi * epoch /
        epochs)) / 2``); stepped at the end of each epoch.
    gamma : step/exponential decay factor, > 0 (default 0.1 for step; required for
        exponential).
    step_size : epochs between decays of the step schedule (required for step).
    early_stopping : stop after ``patience`` epochs without a lower validation loss and
        restore the best epoch's parameters.
    validation_fraction : in (0, 1): hold out this part of the training data (stratified,
        seeded) and score it every epoch. Default: 0.1 with early stopping, else no split.
    patience : epochs without improvement before stopping, >= 1 (default 10).

    Optional keys left as ``None`` take torch's defaults; a key given for an optimizer or
    schedule it does not apply to is refused, as are inconsistent combinations.
    """

    optimizer: str = "sgd"
    lr: float = 0.1
    weight_decay: float = 0.0
    momentum: float | None = None
    nesterov: bool | None = None
    alpha: float | None = None
    eps: float | None = None
    betas: tuple[float, float] | None = None
    lr_schedule: str = "constant"
    gamma: float | None = None
    step_size: int | None = None
    early_stopping: bool = False
    validation_fraction: float | None = None
    patience: int = 10

    def __post_init__(self):
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 - frozen dataclass
        if self.optimizer not in OPTIMIZERS:
            raise RecipeError("optimizer", f"must be one of {', '.join(map(repr, OPTIMIZERS))}, "
                                           f"got {self.optimizer!r}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise RecipeError("lr_schedule", f"must be one of {', '.join(map(repr, LR_SCHEDULES))}, "
                                             f"got {self.lr_schedule!r}")
        set_("lr", _number("lr", self.lr, low=0, low_open=True))
        set_("weight_decay", _number("weight_decay", self.weight_decay, low=0))
        applicable = OPTIMIZERS[self.optimizer] + LR_SCHEDULES[self.lr_schedule]
        for owner, table in (("optimizer", OPTIMIZERS), ("lr_schedule", LR_SCHEDULES)):
            for key in sorted({k for ks in table.values() for k in ks} - set(applicable)):
                if getattr(self, key) is not None:
                    users = [name for name, ks in table.items() if key in ks]
                    raise RecipeError(key, f"does not apply to {owner} {getattr(self, owner)!r} "
                                           f"(only to {', '.join(map(repr, users))})")
        self._check_optimizer_keys(set_)
        self._check_schedule_keys(set_)
        if not isinstance(self.early_stopping, bool):
            raise RecipeError("early_stopping", f"must be true or false, got {self.early_stopping!r}")
        if self.validation_fraction is not None:
            set_("validation_fraction", _number("validation_fraction", self.validation_fraction, low=0, high=1,
                                                low_open=True, high_open=True))
        set_("patience", _integer("patience", self.patience, 1))

    def _check_optimizer_keys(self, set_) -> None:
        keys = OPTIMIZERS[self.optimizer]
        for key in keys:
            if getattr(self, key) is None:
                set_(key, _DEFAULTS[key])
        if "momentum" in keys:
            set_("momentum", _number("momentum", self.momentum, low=0, high=1, high_open=True))
        if "nesterov" in keys:
            if not isinstance(self.nesterov, bool):
                raise RecipeError("nesterov", f"must be true or false, got {self.nesterov!r}")
            if self.nesterov and self.momentum == 0:
                raise RecipeError("nesterov", "needs momentum > 0, got momentum = 0")
        if "alpha" in keys:
            set_("alpha", _number("alpha", self.alpha, low=0, high=1, high_open=True))
        if "eps" in keys:
            set_("eps", _number("eps", self.eps, low=0, low_open=True))
        if "betas" in keys:
            betas = self.betas
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise RecipeError("betas", f"must be a pair [beta1, beta2], got {betas!r}")
            set_("betas", tuple(_number("betas", b, low=0, high=1, high_open=True) for b in betas))

    def _check_schedule_keys(self, set_) -> None:
        keys = LR_SCHEDULES[self.lr_schedule]
        if "gamma" in keys:
            if self.gamma is None and self.lr_schedule == "exponential":
                raise RecipeError("gamma", "is required by lr_schedule 'exponential' (the decay per epoch)")
            set_("gamma", _number("gamma", _DEFAULTS["gamma"] if self.gamma is None else self.gamma,
                                  low=0, low_open=True))
        if "step_size" in keys:
            if self.step_size is None:
                raise RecipeError("step_size", "is required by lr_schedule 'step' (epochs between decays)")
            set_("step_size", _integer("step_size", self.step_size, 1))

    # -- what the trainers read -------------------------------------------------------
    @property
    def holdout_fraction(self) -> float | None:
        """Part of the training data held out for validation (``None``: no split)."""
        if self.validation_fraction is not None:
            return self.validation_fraction
        return _DEFAULT_VALIDATION_FRACTION if self.early_stopping else None

    def lr_at(self, epoch: int, n_epochs: int) -> float:
        """Learning rate of ``epoch`` (0-based) in a run of ``n_epochs`` epochs."""
        if self.lr_schedule == "step":
            return self.lr * self.gamma ** (epoch // self.step_size)
        if self.lr_schedule == "exponential":
            return self.lr * self.gamma ** epoch
        if self.lr_schedule == "cosine":
            return self.lr * (1 + math.cos(math.pi * epoch / n_epochs)) / 2
        return self.lr

    def to_dict(self) -> dict:
        """The keys that apply to this recipe (the others are ``None`` and left out)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items() if v is not None}


RECIPE_KEYS = tuple(f.name for f in fields(Recipe))


def as_recipe(recipe: Recipe | None = None, **keys) -> Recipe:
    """``recipe`` as given, or one built (and validated) from recipe ``keys``.

    Keys whose value is ``None`` are treated as not given. Passing both a recipe and keys
    is refused, so a value is never silently ignored.
    """
    keys = {k: v for k, v in keys.items() if v is not None}
    unknown = sorted(set(keys) - set(RECIPE_KEYS))
    if unknown:
        raise TypeError(f"unknown recipe key {unknown[0]!r}; known: {', '.join(RECIPE_KEYS)}")
    if recipe is None:
        return Recipe(**keys)
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a data_utils Recipe, got {type(recipe).__name__}")
    if keys:
        raise TypeError(f"give a recipe or recipe keys, not both (got recipe and {', '.join(sorted(keys))})")
    return recipe
