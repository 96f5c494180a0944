"""The grid points ``parity`` checks: ``--point KEY=VALUE ...`` or ``--all``."""
from __future__ import annotations

from ..config.keys import parse_override_value
from ..errors import UserInputError
from ..store.frames import axis_label

__all__ = ["select_points"]


def select_points(cfg, selectors: list[str], every: bool = False) -> list[tuple[dict, object]]:
    """Grid points for ``parity --point KEY=VALUE ...`` (all given keys must match) or
    ``--all``: ``(keys without impl, config)`` once per point, in grid order. A value is
    read as ``--set`` reads one (``config.keys.parse_override_value``).

    ``UserInputError`` names a key that is not a grid axis, a malformed selector, or a
    selection no point matches."""
    axes = [a for a in cfg.grid_axes if a != "impl"]
    wanted = {}
    for item in selectors:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserInputError(f"--point {item}: expected KEY=VALUE")
        if key not in axes:
            raise UserInputError(f"--point {item}: {key!r} is not a grid axis of {cfg.name} "
                                 f"(axes: {', '.join(axes) or 'none'})")
        try:
            wanted[key] = axis_label(parse_override_value(text.strip()))
        except ValueError as exc:  # more TOML after a line break, nested too deeply
            raise UserInputError(f"--point {key}=...: {exc}") from None
    points, seen = [], set()
    for keys, point in cfg.grid_points():
        label = {k: v for k, v in keys.items() if k != "impl"}
        ident = tuple(sorted((k, axis_label(v)) for k, v in label.items()))
        if ident in seen:
            continue
        if every or all(axis_label(label.get(k)) == v for k, v in wanted.items()):
            seen.add(ident)
            points.append((label, point))
    if not points:
        raise UserInputError(f"--point {' '.join(selectors)}: no grid point of {cfg.name} matches")
    return points
