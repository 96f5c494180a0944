"""The one exception type for invalid user input (config, command-line options, folders).

The CLI maps it to exit code 2 and prints only its message; it is raised before anything
is written. Every other exception is a failure of the program or the machine (exit 1).
"""
from __future__ import annotations

__all__ = ["UserInputError"]


class UserInputError(Exception):
    """Input the user can fix; ``str(err)`` names the source (file, option) and the value."""
