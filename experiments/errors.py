"""The one exception type for invalid user input (config, command-line options, folders).

The CLI maps it to exit code 2 and prints only its message; it is raised before anything
is written. Every other exception is a failure of the program or the machine (exit 1).
"""
from __future__ import annotations

__all__ = ["UserInputError", "ConfigError"]


class UserInputError(Exception):
    """Input the user can fix; ``str(err)`` names the source (file, option) and the value."""


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
