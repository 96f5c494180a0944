"""The shipped experiment configs (``experiments/configs/*.toml``)."""
from __future__ import annotations

import tomllib
from pathlib import Path

from ..errors import UserInputError

__all__ = ["CONFIG_DIR", "DEFAULT_CONFIG", "shipped_configs", "default_config_path", "resolve_config_path"]

CONFIG_DIR = Path(__file__).parent.parent / "configs"
DEFAULT_CONFIG = "default"


def shipped_configs() -> list[tuple[str, str]]:
    """``(name, description)`` of every shipped config, sorted by name."""
    out = []
    for path in sorted(CONFIG_DIR.glob("*.toml")):
        try:
            description = tomllib.loads(path.read_text()).get("description", "")
        except tomllib.TOMLDecodeError:
            description = "(invalid TOML)"
        out.append((path.stem, description))
    return out


def default_config_path() -> Path:
    return CONFIG_DIR / f"{DEFAULT_CONFIG}.toml"


def resolve_config_path(name_or_path: str | None) -> Path:
    """A path as given, or the shipped config of that name (``default`` when ``None``)."""
    if name_or_path is None:
        return default_config_path()
    path = Path(name_or_path)
    if path.exists() or path.suffix == ".toml" or "/" in name_or_path:
        return path
    shipped = CONFIG_DIR / f"{name_or_path}.toml"
    if not shipped.is_file():
        names = ", ".join(n for n, _ in shipped_configs())
        raise UserInputError(f"{name_or_path}: neither a file nor a shipped config (shipped: {names})")
    return shipped
