"""The typed schema of an experiment config (pydantic, strict, unknown keys refused):
``[data]``, ``[model]``, ``[train]`` (built from the training ``Recipe``'s fields plus the
sample schedule), ``[output]``, ``[sweep]``, ``[[variants]]`` and ``[[references]]``. Loading, overrides and
messages live in ``experiments.config``."""
from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, create_model, field_validator, model_validator

from data_utils.datasets.specs import DECLARATIONS
from data_utils.training.initializers import INIT_SCHEMES
from data_utils.training.recipe import RECIPE_KEYS, Recipe, RecipeError

from ..errors import ConfigError
from ..implementations import BUILTIN, OPTIONAL, PLUGIN_SPEC, unavailable
from .baselines import REFERENCE_MODELS
from .columns import SUMMARY_COLUMNS
from .keys import VARIANT_SECTIONS, flatten, set_path, variant_label
from .resources import DEFAULT_LIMITS

__all__ = ["ExperimentConfig", "DataSpec", "ModelSpec", "TrainSpec", "OutputSpec", "LimitsSpec", "ReferenceSpec",
           "IMPLEMENTATIONS"]

IMPLEMENTATIONS = BUILTIN  # the built-in names; a plug-in is package.module:Class
_DEFAULT_EPOCHS = 100
_DEFAULT_SLOPE = 0.01


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=True)


class DataSpec(_Strict):
    """``params`` are checked against the dataset's declaration by ``_data_problems``."""

    dataset: Literal[tuple(DECLARATIONS)] = "gauss"
    params: dict[str, Any] = Field(default_factory=dict)
    test_size: float = Field(0.25, gt=0, lt=1)
    standardize: bool = False
    # regression targets scaled like the features; false is stored as None (left out of the spec), so
    # the cell ids of configs written before the key existed stay the same
    standardize_target: bool | None = None
    seed: int = Field(0, ge=0)

    @field_validator("standardize_target")
    @classmethod
    def _false_is_absent(cls, value):
        return value or None


class ModelSpec(_Strict):
    hidden: list[int] = Field(default_factory=lambda: [10])
    activation: Literal["relu", "leaky_relu", "sigmoid", "tanh", "identity"] = "relu"
    init: Literal[tuple(INIT_SCHEMES)] = "lecun_normal"
    loss: Literal["auto", "cross_entropy", "mse"] = "auto"
    negative_slope: float = Field(_DEFAULT_SLOPE, ge=0, allow_inf_nan=False)

    @field_validator("hidden", mode="before")
    @classmethod
    def _hidden(cls, value):
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if isinstance(value, list) and any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in value):
            raise ValueError(f"must be a positive int or a list of positive ints, got {value!r}")
        return value

    @model_validator(mode="after")
    def _slope_needs_leaky_relu(self):
        # another slope than the default (which every stored spec lists) means nothing without leaky_relu;
        # RecipeError: the message names model.negative_slope, not the whole table
        if self.negative_slope != _DEFAULT_SLOPE and self.activation != "leaky_relu":
            raise RecipeError("negative_slope", f"applies to activation 'leaky_relu' only, got activation "
                                                f"{self.activation!r}")
        return self


def _toml_type(tp):
    """A Recipe field's type as TOML gives it: tuples arrive as lists."""
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        return functools.reduce(operator.or_, (_toml_type(a) for a in typing.get_args(tp)))
    if typing.get_origin(tp) is tuple:
        return list[typing.get_args(tp)[0]]
    return tp


def _recipe_fields() -> dict:
    """One typed key per ``Recipe`` field, with the recipe's default: the schema checks
    types, ``Recipe`` the values and their combinations - so a new recipe key needs no
    change here."""
    hints = typing.get_type_hints(Recipe)
    return {f.name: (_toml_type(hints[f.name]), f.default) for f in dataclasses.fields(Recipe)}


class _TrainSchedule(_Strict):
    """The sample schedule and dtype of ``[train]``; ``TrainSpec`` adds the recipe keys."""

    batch_size: int | Literal["full"] = 32
    epochs: int | None = Field(None, ge=1)
    n_iter: int | None = Field(None, ge=1)
    dtype: Literal["float32", "float64"] = "float64"
    sampling: Literal["epoch", "replacement"] = "epoch"
    _recipe: Recipe = PrivateAttr()

    @field_validator("batch_size", mode="before")
    @classmethod
    def _batch_size(cls, value):
        if value == "full" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            return value
        raise ValueError(f'must be a positive int or "full", got {value!r}')

    @model_validator(mode="after")
    def _one_length(self):
        if self.epochs is not None and self.n_iter is not None:
            raise ValueError(f"give epochs or n_iter, not both (got epochs={self.epochs}, n_iter={self.n_iter})")
        if self.epochs is None and self.n_iter is None:
            self.epochs = _DEFAULT_EPOCHS
        self._recipe = Recipe(**{k: getattr(self, k) for k in RECIPE_KEYS})  # RecipeError names the key
        return self

    @property
    def recipe(self) -> Recipe:
        """The validated training recipe."""
        return self._recipe

    @property
    def batch(self) -> int | None:
        """``batch_size`` for the trainers (``None`` is full batch)."""
        return None if self.batch_size == "full" else self.batch_size


TrainSpec = create_model("TrainSpec", __base__=_TrainSchedule, __module__=__name__, **_recipe_fields())
TrainSpec.__doc__ = """``[train]``: the training recipe (every ``data_utils.training.recipe.Recipe``
field, validated by ``Recipe``) plus the sample schedule and dtype."""


class OutputSpec(_Strict):
    dir: str = "results"
    plot_resolution: int = Field(100, ge=20, le=400)
    animation: bool = False
    animation_cell: dict[str, Any] = Field(default_factory=dict)  # grid keys of the animated cell
    animation_frames: int = Field(40, ge=2, le=200)
    train_curve: bool = False  # score the training set every epoch (per-iteration accuracy in full batch)
    reload_check: bool = False  # save each trained model, reload it into both implementations, score it
    columns: list[Literal[tuple(SUMMARY_COLUMNS)]] = Field(default_factory=list)  # extra summary columns

    @field_validator("columns")
    @classmethod
    def _distinct_columns(cls, columns):
        for name in columns:
            if columns.count(name) > 1:
                raise ValueError(f"lists {name!r} twice")
        return columns


class LimitsSpec(_Strict):
    """``[limits]``: what one cell may cost (``experiments.resources``); raise a limit to run
    a bigger cell on purpose. Not part of a cell's id."""

    max_memory_gb: float = Field(DEFAULT_LIMITS["max_memory_gb"], gt=0, allow_inf_nan=False)
    max_steps: int = Field(DEFAULT_LIMITS["max_steps"], ge=1)
    max_work: float = Field(DEFAULT_LIMITS["max_work"], gt=0, allow_inf_nan=False)


class ReferenceSpec(_Strict):
    """``[[references]]``: a scikit-learn baseline trained once per data spec; ``params`` are
    checked against the estimator by ``experiments.config``."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_. -]*$")
    model: Literal[tuple(REFERENCE_MODELS)]
    params: dict[str, Any] = Field(default_factory=dict)
    # train on a stratified subsample of this many training points when there are more;
    # default: config.baselines.MAX_TRAIN (kernel SVMs: 10,000), 0: always the whole set
    max_train: int | None = Field(None, ge=0)


class ExperimentConfig(_Strict):
    # a plain folder name: no path separators, and no leading dot (so never "." or "..")
    name: str = Field("experiment", min_length=1, pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")
    description: str = ""
    seed: int = Field(0, ge=0)
    impl: str = "numpy"   # numpy, torch, cpp (when built), or a plug-in network package.module:Class
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    train: TrainSpec = Field(default_factory=TrainSpec)
    output: OutputSpec = Field(default_factory=OutputSpec)
    limits: LimitsSpec = Field(default_factory=LimitsSpec)
    sweep: dict[str, Any] = Field(default_factory=lambda: {"impl": list(IMPLEMENTATIONS)})
    variants: list[dict[str, Any]] = Field(default_factory=list)
    references: list[ReferenceSpec] = Field(default_factory=list)
    _raw: dict = PrivateAttr(default_factory=dict)          # the table as given (after --set)
    _points: list = PrivateAttr(default_factory=list)       # validated grid points, see grid_points

    @field_validator("impl")
    @classmethod
    def _impl(cls, impl):
        if impl in IMPLEMENTATIONS:
            return impl
        if impl in OPTIONAL:
            if unavailable(impl):
                raise ValueError(f"{impl!r} is not available on this machine: {unavailable(impl)}")
            return impl
        # only the syntax: importing the module runs its code, which validating a config (or
        # reading a run folder's records) must never do; ``run``/``parity`` import it (import_plugins)
        if not PLUGIN_SPEC.match(impl):
            raise ValueError(f"must be one of 'numpy', 'torch' or 'cpp', or a plug-in network package.module:Class, "
                             f"got {impl!r}")
        return impl

    @field_validator("sweep", mode="before")
    @classmethod
    def _nest_sweep(cls, sweep):
        """``"train.lr"`` (a quoted dotted key) means the same as ``train.lr``."""
        if not isinstance(sweep, dict):
            return sweep
        nested: dict = {}
        for path, values in flatten(sweep).items():
            try:
                set_path(nested, path, values)
            except KeyError:
                raise ValueError(f"{path}: is both a value and a table") from None
        return nested

    @field_validator("variants")
    @classmethod
    def _variants(cls, variants):
        labels = []
        for k, variant in enumerate(variants):
            extra = sorted(set(variant) - {"label", *VARIANT_SECTIONS})
            if extra:
                raise ValueError(f"{extra[0]!r} cannot vary (variants[{k}]; a variant may set "
                                 f"label, {', '.join(VARIANT_SECTIONS)})")
            if not isinstance(variant.get("label", ""), str):
                raise ValueError(f"label must be a string, got {variant['label']!r} (variants[{k}])")
            labels.append(variant_label(variant))
        for label in labels:
            if labels.count(label) > 1:
                raise ValueError(f"two variants are labelled {label!r}; give each a distinct label")
        return variants

    @field_validator("references")
    @classmethod
    def _reference_names(cls, references):
        names = [r.name for r in references]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"two references are named {name!r}; give each a distinct name")
        return references

    def base(self) -> dict:
        """The run description without sweep and output: what a cell is made of."""
        return self.model_dump(exclude={"sweep", "variants", "references", "output", "limits", "name", "description"}, exclude_none=True)

    @property
    def sweep_axes(self) -> dict[str, list]:
        """Flattened sweep, ``{"train.lr": [...], ...}``, in file order."""
        return flatten(self.sweep)

    @property
    def grid_axes(self) -> list[str]:
        """The keys that tell grid points apart: ``variant`` (when there are variants),
        then the sweep axes."""
        return (["variant"] if self.variants else []) + list(self.sweep_axes)

    def grid_points(self) -> list[tuple[dict, "ExperimentConfig"]]:
        """``(keys, config)`` of every grid point: each variant (merged into the base
        tables) times the product of the sweep axes; ``keys`` maps ``grid_axes`` to the
        point's values. Validated once (when the config is parsed) and kept."""
        if not self._points:
            raise ConfigError("<grid>", ["not a validated config: build it with load_config or parse_config, "
                                         "which expand and check its grid"])
        return self._points
