"""Config tables as plain dicts: dotted key paths, ``--set`` overrides, variants and the
grid of a sweep (every variant merged into the base tables, times the product of the sweep
axes). No validation here: ``experiments.config`` validates what these build."""
from __future__ import annotations

import copy
import itertools
import tomllib
from typing import Any

from ..errors import ConfigError

__all__ = ["VARIANT_SECTIONS", "variant_label", "merge_tables", "grid_tables", "flatten", "set_path",
           "parse_override_value", "override_source", "apply_overrides"]


VARIANT_SECTIONS = ("seed", "impl", "data", "model", "train")


def variant_label(variant: dict) -> str:
    """A variant's ``label``, or its values (``optimizer=sgd, momentum=0.9``)."""
    if variant.get("label"):
        return variant["label"]
    body = flatten({k: v for k, v in variant.items() if k != "label"})
    return ", ".join(f"{path.rsplit('.', 1)[-1]}={value}" for path, value in body.items()) or "base"


def merge_tables(base: dict, update: dict) -> dict:
    """``base`` with ``update``'s values, tables merged key by key (copies)."""
    out = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_tables(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def grid_tables(raw: dict, axes: dict[str, list], variants: list[dict]):
    """``(keys, raw table)`` per grid point - each variant merged into the base tables, times
    the product of the sweep ``axes`` - built from the table as the user gave it (so
    defaults filled in by validation never collide with a swept key)."""
    base = {k: v for k, v in raw.items() if k not in ("sweep", "variants")}
    for variant in variants or [None]:
        point = base if variant is None else merge_tables(base, {k: v for k, v in variant.items() if k != "label"})
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


def parse_override_value(text: str):
    """A ``--set`` value as TOML (numbers, booleans, lists, quoted strings), else a string.
    ``ValueError`` when it is more than one value (a newline followed by more TOML, which
    would otherwise be dropped unseen) or nested too deeply."""
    try:
        table = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    except RecursionError:
        raise ValueError("the value is nested too deeply") from None
    if set(table) != {"v"}:
        raise ValueError("the value must be one TOML value; it holds more TOML after a line break")
    return table["v"]


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
            set_path(raw, path, parse_override_value(text.strip()))
        except KeyError:
            problems.append((override_source(item), f"{path}: cannot set a key inside a non-table value"))
        except ValueError as exc:
            problems.append((override_source(item), f"{path}: {exc}"))
    if problems:
        raise ConfigError("--set", problems)
    return raw
