"""The experiment config: a typed schema (pydantic), TOML loading, ``--set`` overrides and
error messages that name the source and the key path (``bad.toml: train.lr: must be > 0,
got -0.1``; ``--set train.lr=-1: train.lr: ...`` when an override is to blame).

Everything a run needs from its input is checked here, before anything is written: the
schema, every dataset parameter against its declaration (``data_utils.datasets.specs``),
the MNIST files, whether ``test_size`` leaves each class in both parts, and whether the
loss fits the task - for the base run, each swept value and each combination of them.

A config describes one base run plus a ``[sweep]`` table whose (dotted) keys list values
for any key of the base run, e.g. ``model.hidden = [5, 20]``, ``train.lr = [0.01, 0.1]``,
``seed = [0, 1]``, ``impl = ["numpy", "torch", "my_mlp:MyMLP"]`` (implementations: the built-in ones and plug-ins).
"""
from __future__ import annotations

import copy
import os
import stat
import tomllib
from pathlib import Path

import tomli_w
from pydantic import ValidationError

from data_utils.datasets.specs import declaration, split_problem
from data_utils.training.recipe import RecipeError

from ..errors import ConfigError
from ..implementations import BUILTIN, OPTIONAL
from .columns import SUMMARY_COLUMNS
from .keys import apply_overrides, flatten, grid_tables, override_source, set_path
from .resources import limit_problems
from .schema import IMPLEMENTATIONS, ExperimentConfig, TrainSpec
from .split_checks import neighbour_problems, split_check_problems

MAX_CONFIG_BYTES = 1_000_000  # a config is a few KB; more is not a config

__all__ = ["ExperimentConfig", "TrainSpec", "ConfigError", "load_config", "parse_config", "apply_overrides",
           "flatten", "set_path", "dump_toml", "IMPLEMENTATIONS", "override_source", "import_plugins"]


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
    path = ""
    for part in parts:  # list items as references[1].model
        path += f"[{part}]" if part.isdigit() and path else f".{part}" if path else part
    return path or "(top level)"


# a problem: (key path to blame, "key.path: message" line, other key paths it depends on)
_Problem = tuple[str, str, tuple[str, ...]]


def _data_problems(cfg: ExperimentConfig) -> list[_Problem]:
    """Dataset parameters against the declaration, the MNIST files, ``test_size`` against
    the class sizes, and the loss and the summary columns against the task."""
    d, decl = cfg.data, declaration(cfg.data.dataset)
    out = [(f"data.params.{param}", f"data.params.{param}: {msg}", ("data.dataset",))
           for param, msg in decl.problems(d.params)]
    if not out:  # the sizes are known: the cost first (class sizes are built only after it)
        out += [(key, text, ("data.params", "limits")) for key, text in limit_problems(cfg)]
    if not out and (msg := split_problem(decl, d.params, d.test_size)):
        out.append(("data.test_size", f"data.test_size: {d.test_size!r} cannot be split: {msg}",
                    ("data.params", "data.dataset")))
    if not out:
        out += split_check_problems(cfg)
    loss, classification = cfg.model.loss, decl.task == "classification"
    if loss != "auto" and (loss == "cross_entropy") != classification:
        fits = "cross_entropy" if classification else "mse"
        out.append(("model.loss", f"model.loss: {loss!r} does not fit the {decl.task} dataset {d.dataset!r} "
                                  f"(use {fits!r} or 'auto')", ("data.dataset",)))
    if d.standardize_target and classification:
        out.append(("data.standardize_target", f"data.standardize_target: applies to regression targets; the "
                                               f"dataset {d.dataset!r} is classification", ("data.dataset",)))
    for name in cfg.output.columns:
        task = SUMMARY_COLUMNS[name].task
        if task is not None and task != decl.task:
            out.append(("output.columns", f"output.columns: {name!r} is a {task} column; it does not fit the "
                                          f"{decl.task} dataset {d.dataset!r}", ("data.dataset",)))
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
        if head in ("sweep", "variants", "references", "output", "limits", "name", "description"):
            problems.append((where, f"{where}: cannot sweep over {head}", ()))
        elif not isinstance(values, list):
            problems.append((where, f"{where}: must be a list of values, got {values!r}", ()))
        elif path in ("data", "model", "train", "data.params") or any(isinstance(v, dict) for v in values):
            problems.append((where, f"{where}: cannot sweep whole tables (a point would replace the base table); "
                                    f"sweep their keys (sweep.{path}.KEY = [...]) or use [[variants]]", ()))
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


def _variant_problems(cfg: ExperimentConfig) -> list[_Problem]:
    """A key a variant sets and the sweep also sets: the sweep would silently replace the
    variant's value at every grid point, so it is refused."""
    problems = []
    for k, variant in enumerate(cfg.variants):
        for path in flatten({key: value for key, value in variant.items() if key != "label"}):
            for axis, values in cfg.sweep_axes.items():
                if path == axis or path.startswith(axis + ".") or axis.startswith(path + "."):
                    where = f"variants[{k}].{path}"
                    problems.append((where, f"{where}: also swept (sweep.{axis} = {values!r}), which would replace "
                                     f"the variant's value at every grid point; set {path} in every variant and "
                                     f"drop sweep.{axis}, or drop it from this variant", (f"sweep.{axis}",)))
    return problems


def _grid_problems(cfg: ExperimentConfig) -> list[_Problem]:
    """Every grid point - each variant with every combination of the sweep axes - must be
    a valid run (values valid alone can clash: ``momentum`` with an adam variant). The
    validated points are kept on ``cfg`` for ``grid_points``."""
    points = []
    related = tuple(f"sweep.{a}" for a in cfg.sweep_axes)
    head = "variants" if cfg.variants else "sweep"
    for keys, table in grid_tables(cfg._raw or cfg.model_dump(exclude_none=True), cfg.sweep_axes, cfg.variants):
        point, found = _check(table)
        if found:  # the first failing point says enough
            where = ", ".join(f"{k}={v!r}" for k, v in keys.items())
            return [(head, f"{head}: the combination {where} -> {text}", (key, *related)) for key, text, _ in found]
        points.append((keys, point))
    cfg._points = points
    return []


def _reference_problems(cfg: ExperimentConfig) -> list[_Problem]:
    """Each reference's parameters against its estimator (scikit-learn imported only when
    there are references), and its task against every dataset of the grid."""
    if not cfg.references:
        return []
    from .baselines import REFERENCE_MODELS, reference_problems
    problems = [(path, text, ()) for k, ref in enumerate(cfg.references)
                for path, text in reference_problems(k, ref.model, ref.params)]
    if not problems:
        problems = [(key, text, ("data.params", "data.test_size")) for key, text in neighbour_problems(cfg)]
    datasets = dict.fromkeys(point.data.dataset for _, point in cfg.grid_points())
    for k, ref in enumerate(cfg.references):
        task = REFERENCE_MODELS[ref.model][2]
        for dataset in datasets:
            if declaration(dataset).task != task:
                problems.append((f"references[{k}].model", f"references[{k}].model: {ref.model!r} is a {task} "
                                 f"model; it does not fit the {declaration(dataset).task} dataset {dataset!r}",
                                 ("data.dataset",)))
    return problems


def _animation_problems(cfg: ExperimentConfig) -> list[_Problem]:
    """``output.animation_cell`` must match a cell of the grid (``cell_matches``)."""
    wanted = cfg.output.animation_cell
    if not cfg.output.animation or not wanted:
        return []
    if any(cell_matches(wanted, keys, point.base()) for keys, point in cfg.grid_points()):
        return []
    return [("output.animation_cell", f"output.animation_cell: {wanted!r} matches no cell of the grid "
                                      f"(grid keys: {', '.join(cfg.grid_axes) or 'none'})", ())]


def cell_matches(wanted: dict, keys: dict, spec: dict) -> bool:
    """Whether a cell of grid ``keys`` and run ``spec`` (``base()``) has every value of
    ``wanted`` (grid keys or dotted key paths)."""
    flat = flatten(spec)
    return all(keys.get(k, flat.get(k)) == v for k, v in wanted.items())


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
        problems = (_variant_problems(cfg) or _sweep_problems(cfg, raw) or _grid_problems(cfg)
                    or _reference_problems(cfg) or _animation_problems(cfg))
    if problems:
        raise ConfigError(source, [(sources.blame(key, related), text) for key, text, related in problems])
    return cfg


def load_config(path: str | Path | None = None, overrides: list[str] = ()) -> ExperimentConfig:
    """Read, override and validate a TOML config. ``name`` defaults to the file's stem."""
    if path is None:
        from .catalog import default_config_path
        path = default_config_path()
    path = Path(path)
    try:
        raw = tomllib.loads(_read_config(path))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    except RecursionError:
        raise ConfigError(str(path), ["not valid TOML: nested too deeply"]) from None
    raw.setdefault("name", path.stem)
    try:
        return parse_config(raw, str(path), overrides)
    except RecursionError:
        raise ConfigError(str(path), ["nested too deeply to check"]) from None


def _read_config(path: Path) -> str:
    """The text of a config file: a regular file (checked before opening, so a named pipe
    never blocks; ``O_NONBLOCK`` covers a swap in between) of at most ``MAX_CONFIG_BYTES``,
    of which no more is read."""
    if stat.S_ISDIR(path.stat().st_mode):
        raise ConfigError(str(path), ["is a folder, not a config file"])
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(str(path), ["is not a regular file (a device, pipe or socket); give a TOML file"])
        data = fh.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(str(path), [f"is larger than {MAX_CONFIG_BYTES // 1_000_000} MB; not a config file"])
    return data.decode("utf-8")


def dump_toml(cfg: ExperimentConfig) -> str:
    """The config as run (the given table after ``--set`` overrides, with its name) as
    TOML; loading it gives the same grid."""
    table = dict(cfg._raw or cfg.model_dump(exclude_none=True))
    if "sweep" in table:  # quoted dotted keys keep the axes in their order (TOML puts subtables last)
        table["sweep"] = flatten(table["sweep"])
    return tomli_w.dumps(table)


def import_plugins(cfg: ExperimentConfig, source: str = "<config>", overrides: list[str] = ()) -> None:
    """Import the plug-in networks (``impl = "package.module:Class"``) ``cfg`` names - its
    ``impl`` and the grid's - which runs their modules' code: only ``run`` calls this,
    before it writes anything (validating a config never imports one). ``ConfigError``
    names the key (blamed on ``source`` or the ``--set`` override) when one does not import
    or does not meet the protocol."""
    swept = "sweep.impl" if "impl" in cfg.sweep_axes else "variants"
    specs = {cfg.impl: "impl"}
    for _, point in cfg.grid_points():
        specs.setdefault(point.impl, swept)
    specs = {spec: key for spec, key in specs.items() if spec not in BUILTIN + OPTIONAL}
    if not specs:
        return
    from ..implementations.plugin import PluginError, load_plugin
    sources, problems = _Sources(source, list(overrides)), []
    for spec, key in specs.items():
        try:
            load_plugin(spec)
        except PluginError as err:
            problems.append((sources.blame(key), f"{key}: {err}"))
    if problems:
        raise ConfigError(source, problems)
