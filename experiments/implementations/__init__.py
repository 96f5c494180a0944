"""Implementations: anything that trains under the shared contract - the two built-in ones
(``numpy``: fcann2, ``torch``: pt_deep), the optional compiled one (``cpp``: fcann2.cpp, present
when its C++ library was built at install), a plug-in class named ``package.module:Class``.

This module only *declares* them (names, the reference, the plug-in spelling) and imports
nothing heavy, so the config can validate ``impl`` without loading torch; ``base`` holds the
protocol an implementation answers to, ``registry`` builds them (imports fcann2 and pt_deep)
and ``plugin`` adapts a user's class. Everything that iterates over implementations - the
summary, tables, report, stacking, parity - takes the run's names and orders them with
``ordered``; the pair ``("numpy", "torch")`` is written here and nowhere else.
"""
from __future__ import annotations

import re
from typing import Iterable

__all__ = ["BUILTIN", "OPTIONAL", "REFERENCE", "PLUGIN_SPEC", "ordered", "candidates", "suffix", "unavailable"]

BUILTIN = ("numpy", "torch")   # the built-in implementations, in display order
OPTIONAL = ("cpp",)            # built in, but only when compiled at install (after BUILTIN in display order)
REFERENCE = "torch"            # the parity oracle (torch autograd): every other implementation is checked against it
PLUGIN_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")   # package.module:Class


def ordered(names: Iterable[str]) -> list[str]:
    """``names`` without repeats, the built-in ones first in ``BUILTIN`` then ``OPTIONAL``
    order, then the others (plug-ins) sorted."""
    names, known = set(names), BUILTIN + OPTIONAL
    return [n for n in known if n in names] + sorted(names - set(known))


def unavailable(name: str) -> str | None:
    """Why the optional implementation ``name`` cannot run on this machine (``None`` when it
    can, or when ``name`` is not optional). Loads only ctypes and the compiled library."""
    if name == "cpp":
        from fcann2.cpp._lib import unavailable_reason
        return unavailable_reason()
    return None


def candidates(names: Iterable[str]) -> list[str]:
    """The implementations of ``names`` checked against the reference (all but ``REFERENCE``),
    in display order."""
    return [n for n in ordered(names) if n != REFERENCE]


def suffix(name: str) -> str:
    """How a table names ``name``'s comparison with the reference: no suffix for the first
    built-in candidate (numpy: the columns run folders have always had - ``agreement``,
    ``parity``, ``speedup``), `` <name>`` for any other (``agreement my_mlp:MyMLP``)."""
    return "" if name == candidates(BUILTIN)[0] else f" {name}"
