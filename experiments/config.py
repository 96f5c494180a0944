"""The experiment config: a typed schema (pydantic), TOML loading, ``--set`` overrides and
error messages that name the source and the key path (``bad.toml: train.lr: must be > 0,
got -0.1``; ``--set train.lr=-1: train.lr: ...`` when an override is to blame).

Everything a run needs from its input is checked here, before anything is written: the
schema, every dataset parameter against its declaration (``data_utils.datasets.specs``),
the MNIST files, whether ``test_size`` leaves each class in both parts, and whether the
loss fits the task - for the base run, each swept value and each combination of them.

A config describes one base run plus a ``[sweep]`` table whose (dotted) keys list values
for any key of the base run, e.g. ``model.hidden = [5, 20]``, ``train.lr = [0.01, 0.1]``,
``seed = [0, 1]``, ``impl = ["numpy", "torch"]``.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import operator
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, create_model, field_validator,
                      model_validator)

from data_utils.datasets.specs import DECLARATIONS, declaration, split_problem
from data_utils.training.initializers import INIT_SCHEMES
from data_utils.training.recipe import RECIPE_KEYS, Recipe, RecipeError

from .errors import UserInputError

__all__ = ["ExperimentConfig", "ConfigError", "load_config", "parse_config", "apply_overrides",
           "flatten", "set_path", "dump_toml", "IMPLEMENTATIONS"]

IMPLEMENTATIONS = ("numpy", "torch")
_DEFAULT_EPOCHS = 100


class ConfigError(UserInputError):
    """An invalid config; ``str(err)`` lists every problem as ``source: key.path: message``.

    ``problems`` are strings (from ``source``) or ``(source, text)`` pairs, so that a
    mistake made by a ``--set`` override names that override rather than the file.
    """

    def __init__(self, source: str, problems: list[str | tuple[str, str]]):
        self.source = source
        self.lines = [p if isinstance(p, tuple) else (source, p) for p in problems]
        self.problems = [text for _, text in self.lines]
        super().__init__("\n".join(f"{src}: {text}" for src, text in self.lines))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=True)


class DataSpec(_Strict):
    """``params`` are checked against the dataset's declaration by ``_data_problems``."""

    dataset: Literal[tuple(DECLARATIONS)] = "gauss"
    params: dict[str, Any] = Field(default_factory=dict)
    test_size: float = Field(0.25, gt=0, lt=1)
    standardize: bool = False
    seed: int = Field(0, ge=0)


class ModelSpec(_Strict):
    hidden: list[int] = Field(default_factory=lambda: [10])
    activation: Literal["relu", "leaky_relu", "sigmoid", "tanh", "identity"] = "relu"
    init: Literal[tuple(INIT_SCHEMES)] = "lecun_normal"
    loss: Literal["auto", "cross_entropy", "mse"] = "auto"
    negative_slope: float = Field(0.01, ge=0, allow_inf_nan=False)

    @field_validator("hidden", mode="before")
    @classmethod
    def _hidden(cls, value):
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if isinstance(value, list) and any(isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in value):
            raise ValueError(f"must be a positive int or a list of positive ints, got {value!r}")
        return value


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


class ExperimentConfig(_Strict):
    # a plain folder name: no path separators, and no leading dot (so never "." or "..")
    name: str = Field("experiment", min_length=1, pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")
    description: str = ""
    seed: int = Field(0, ge=0)
    impl: str = "numpy"   # numpy, torch, or a plug-in network package.module:Class
    data: DataSpec = Field(default_factory=DataSpec)
    model: ModelSpec = Field(default_factory=ModelSpec)
    train: TrainSpec = Field(default_factory=TrainSpec)
    output: OutputSpec = Field(default_factory=OutputSpec)
    sweep: dict[str, Any] = Field(default_factory=lambda: {"impl": list(IMPLEMENTATIONS)})
    variants: list[dict[str, Any]] = Field(default_factory=list)
    _raw: dict = PrivateAttr(default_factory=dict)          # the table as given (after --set)
    _points: list = PrivateAttr(default_factory=list)       # validated grid points, see grid_points

    @field_validator("impl")
    @classmethod
    def _impl(cls, impl):
        if impl in IMPLEMENTATIONS:
            return impl
        from .plugin import PLUGIN_SPEC, PluginError, load_plugin
        if not PLUGIN_SPEC.match(impl):
            raise ValueError(f"must be one of 'numpy' or 'torch', or a plug-in network package.module:Class, "
                             f"got {impl!r}")
        try:
            load_plugin(impl)  # importable and meets the protocol, or a message that says why not
        except PluginError as err:
            raise ValueError(str(err)) from None
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
            extra = sorted(set(variant) - {"label", *_VARIANT_SECTIONS})
            if extra:
                raise ValueError(f"{extra[0]!r} cannot vary (variants[{k}]; a variant may set "
                                 f"label, {', '.join(_VARIANT_SECTIONS)})")
            if not isinstance(variant.get("label", ""), str):
                raise ValueError(f"label must be a string, got {variant['label']!r} (variants[{k}])")
            labels.append(variant_label(variant))
        for label in labels:
            if labels.count(label) > 1:
                raise ValueError(f"two variants are labelled {label!r}; give each a distinct label")
        return variants

    def base(self) -> dict:
        """The run description without sweep and output: what a cell is made of."""
        return self.model_dump(exclude={"sweep", "variants", "output", "name", "description"}, exclude_none=True)

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
            problems = _grid_problems(self)
            if problems:
                raise ConfigError("<grid>", [text for _, text, _ in problems])
        return self._points


_VARIANT_SECTIONS = ("seed", "impl", "data", "model", "train")


def variant_label(variant: dict) -> str:
    """A variant's ``label``, or its values (``optimizer=sgd, momentum=0.9``)."""
    if variant.get("label"):
        return variant["label"]
    body = flatten({k: v for k, v in variant.items() if k != "label"})
    return ", ".join(f"{path.rsplit('.', 1)[-1]}={value}" for path, value in body.items()) or "base"


def _merge(base: dict, update: dict) -> dict:
    """``base`` with ``update``'s values, tables merged key by key (copies)."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _grid_tables(cfg: "ExperimentConfig"):
    """``(keys, raw table)`` per grid point, built from the table as the user gave it (so
    defaults filled in by validation never collide with a swept key)."""
    raw = cfg._raw or cfg.model_dump(exclude_none=True)
    base = {k: v for k, v in raw.items() if k not in ("sweep", "variants")}
    axes = cfg.sweep_axes
    for variant in cfg.variants or [None]:
        point = base if variant is None else _merge(base, {k: v for k, v in variant.items() if k != "label"})
        for combo in itertools.product(*axes.values()):
            table = copy.deepcopy(point)
            for path, value in zip(axes, combo):
                set_path(table, path, value)
            keys = {} if variant is None else {"variant": variant_label(variant)}
            keys.update(zip(axes, combo))
            yield keys, {**table, "sweep": {}}


def flatten(table: dict, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists are leaves."""
    out = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def set_path(tree: dict, path: str, value) -> None:
    """Set ``tree["a"]["b"] = value`` for ``path = "a.b"``, creating tables on the way."""
    *parents, leaf = path.split(".")
    node = tree
    for key in parents:
        if not isinstance(node.get(key, {}), dict):
            raise KeyError(path)
        node = node.setdefault(key, {})
    node[leaf] = value


def _parse_value(text: str):
    """A ``--set`` value as TOML (numbers, booleans, lists, quoted strings), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def override_source(item: str) -> str:
    """How an override is named in messages: ``--set KEY=VALUE``."""
    return f"--set {item}"


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """Apply ``key.path=value`` overrides to a raw config table (a copy is returned)."""
    raw = copy.deepcopy(raw)
    problems = []
    for item in overrides:
        path, _, text = item.partition("=")
        path = path.strip()
        if not _ or not path:
            problems.append((override_source(item), "expected KEY.PATH=VALUE, e.g. train.lr=0.05"))
            continue
        try:
            set_path(raw, path, _parse_value(text.strip()))
        except KeyError:
            problems.append((override_source(item), f"{path}: cannot set a key inside a non-table value"))
    if problems:
        raise ConfigError("--set", problems)
    return raw


class _Sources:
    """Which source to blame for a problem at a key path: the last ``--set`` override of
    that key (or of a table holding it, or of a key inside it, or of a key the problem
    depends on), else the file."""

    def __init__(self, file: str, overrides: list[str]):
        self.file = file
        self.overrides = [(item.partition("=")[0].strip(), override_source(item)) for item in overrides]

    def blame(self, path: str, related: tuple[str, ...] = ()) -> str:
        for candidate in (path, *related):
            for key, source in reversed(self.overrides):
                if key == candidate or key.startswith(candidate + ".") or candidate.startswith(key + "."):
                    return source
        return self.file


def _describe(error: dict) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[kind]
        bound = next(iter(ctx.values()))
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"must be {op} {bound}, got {value!r}"
    if kind == "finite_number":
        return f"must be a finite number, got {value!r}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {value!r}"
    if kind == "value_error":
        cause = ctx.get("error")
        return cause.message if isinstance(cause, RecipeError) else str(cause or error["msg"])
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return f"must be a plain name (letters, digits, _ . -, not starting with '.'), got {value!r}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        wanted = {"int": "an integer", "float": "a number", "bool": "true or false", "string": "a string",
                  "list": "a list", "dict": "a table"}.get(kind.split("_")[0], kind.split("_")[0])
        return f"must be {wanted}, got {value!r}"
    return f"{error['msg']}, got {value!r}"


def _loc(error: dict) -> str:
    # drop pydantic's union/literal branch markers such as "int" or "literal['full']"
    parts = [str(p) for p in error["loc"] if not (isinstance(p, str) and (p in ("int", "float", "str")
                                                                        or p.startswith(("literal[", "function-"))))]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, RecipeError):  # raised for the whole [train] table; name its key
        parts.append(cause.key)
    return ".".join(parts) or "(top level)"


# a problem: (key path to blame, "key.path: message" line, other key paths it depends on)
_Problem = tuple[str, str, tuple[str, ...]]


def _data_problems(cfg: ExperimentConfig) -> list[_Problem]:
    """Dataset parameters against the declaration, the MNIST files, ``test_size`` against
    the class sizes, and the loss against the task."""
    d, decl = cfg.data, declaration(cfg.data.dataset)
    out = [(f"data.params.{param}", f"data.params.{param}: {msg}", ("data.dataset",))
           for param, msg in decl.problems(d.params)]
    if not out and (msg := split_problem(decl, d.params, d.test_size)):
        out.append(("data.test_size", f"data.test_size: {d.test_size!r} cannot be split: {msg}",
                    ("data.params", "data.dataset")))
    loss, classification = cfg.model.loss, decl.task == "classification"
    if loss != "auto" and (loss == "cross_entropy") != classification:
        fits = "cross_entropy" if classification else "mse"
        out.append(("model.loss", f"model.loss: {loss!r} does not fit the {decl.task} dataset {d.dataset!r} "
                                  f"(use {fits!r} or 'auto')", ("data.dataset",)))
    return out


def _check(raw: dict) -> tuple[ExperimentConfig | None, list[_Problem]]:
    """The validated config, or ``None`` and its problems (schema first, then the data)."""
    try:
        cfg = ExperimentConfig.model_validate(raw)
        cfg._raw = copy.deepcopy(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            problem = (_loc(err), f"{_loc(err)}: {_describe(err)}", ())
            if problem not in problems:
                problems.append(problem)
        return None, problems
    return cfg, _data_problems(cfg)


def _sweep_problems(cfg: ExperimentConfig, raw: dict) -> list[_Problem]:
    """Each swept value alone, against the base run."""
    problems = []
    base = copy.deepcopy(raw)
    base.pop("sweep", None)
    base.pop("variants", None)
    for path, values in cfg.sweep_axes.items():
        where = f"sweep.{path}"
        head = path.split(".")[0]
        if head in ("sweep", "variants", "output", "name", "description"):
            problems.append((where, f"{where}: cannot sweep over {head}", ()))
        elif not isinstance(values, list):
            problems.append((where, f"{where}: must be a list of values, got {values!r}", ()))
        elif not values:
            problems.append((where, f"{where}: must not be empty", ()))
        elif len(set(map(repr, values))) != len(values):
            problems.append((where, f"{where}: has duplicate values {values!r}", ()))
        else:
            for k, value in enumerate(values):
                trial = copy.deepcopy(base)
                set_path(trial, path, value)
                _, found = _check(trial)
                if found:
                    problems += [(where, f"{where}[{k}] -> {text}", ()) for _, text, _ in found]
                    break
    return problems


def _grid_problems(cfg: ExperimentConfig) -> list[_Problem]:
    """Every grid point - each variant with every combination of the sweep axes - must be
    a valid run (values valid alone can clash: ``momentum`` with an adam variant). The
    validated points are kept on ``cfg`` for ``grid_points``."""
    points = []
    related = tuple(f"sweep.{a}" for a in cfg.sweep_axes)
    head = "variants" if cfg.variants else "sweep"
    for keys, table in _grid_tables(cfg):
        point, found = _check(table)
        if found:  # the first failing point says enough
            where = ", ".join(f"{k}={v!r}" for k, v in keys.items())
            return [(head, f"{head}: the combination {where} -> {text}", (key, *related)) for key, text, _ in found]
        points.append((keys, point))
    cfg._points = points
    return []


def parse_config(raw: dict, source: str = "<config>", overrides: list[str] = ()) -> ExperimentConfig:
    """Validate a raw config table (after ``overrides``) into an ``ExperimentConfig``.

    Raises ``ConfigError`` listing every problem, each blamed on ``source`` or on the
    ``--set`` override that caused it."""
    overrides = list(overrides)
    raw = apply_overrides(raw, overrides) if overrides else copy.deepcopy(raw)
    sources = _Sources(source, overrides)
    if not isinstance(raw.get("sweep", {}), dict):
        raise ConfigError(sources.blame("sweep"), ["sweep: must be a table"])
    cfg, problems = _check(raw)
    if cfg is not None and not problems:
        problems = _sweep_problems(cfg, raw) or _grid_problems(cfg)
    if problems:
        raise ConfigError(source, [(sources.blame(key, related), text) for key, text, related in problems])
    return cfg


def load_config(path: str | Path | None = None, overrides: list[str] = ()) -> ExperimentConfig:
    """Read, override and validate a TOML config. ``name`` defaults to the file's stem."""
    if path is None:
        from .catalog import default_config_path
        path = default_config_path()
    path = Path(path)
    if path.is_dir():
        raise ConfigError(str(path), ["is a folder, not a config file"])
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    raw.setdefault("name", path.stem)
    return parse_config(raw, str(path), overrides)


def dump_toml(cfg: ExperimentConfig) -> str:
    """The config as run (the given table after ``--set`` overrides, with its name) as
    TOML; loading it gives the same grid."""
    table = dict(cfg._raw or cfg.model_dump(exclude_none=True))
    if "sweep" in table:  # quoted dotted keys keep the axes in their order (TOML puts subtables last)
        table["sweep"] = flatten(table["sweep"])
    return tomli_w.dumps(table)
