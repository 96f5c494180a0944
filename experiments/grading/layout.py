"""How a submission stores its parameters, decided from shapes: which returned (or held)
array is ``W1``, ``b1``, ``W2``, ``b2``, whether a weight is stored (in, out) or (out, in)
and a bias (H,), (1, H) or (H, 1); and which argument of a function is the iteration
count, the learning rate, lambda or the hidden width, decided from its name.

The grader picks sizes that make every shape distinct (D = 2 inputs, H = 5 hidden units,
C = 3 classes). When a submission fixes its own H and that makes two readings possible
(H == D or H == C), every reading is returned: the caller resolves them with the
student's classifier, or reports the ambiguity - never a silent guess.
"""
from __future__ import annotations

import inspect
import itertools
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["Reading", "flatten", "readings", "match_roles", "ROLE_PATTERNS"]

ROLES = ("W1", "b1", "W2", "b2")
# an argument's role from its name (lower case), tried in this order
ROLE_PATTERNS = {
    "niter": re.compile(r"iter|epoch|^n?_?steps?$|^num_steps$|^n$"),
    "lambda": re.compile(r"lambda|lambd|^lam|reg|l2|decay|penal|^wd$"),
    "delta": re.compile(r"delta|^lr$|learn|eta|rate|alpha|step_size|^step$"),
    "hidden": re.compile(r"hid|^h$|^nh$|^n_h$|neuron|units|width"),
}


def _array(value):
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float, np.number)) for v in value):
        return np.asarray(value, dtype=np.float64)
    return None


def flatten(value, label: str = "return") -> list[tuple[str, np.ndarray]]:
    """Every array in a returned value (tuple, list, dict, nested) with where it was:
    ``[("return[0]", W1), ...]``; a list of numbers (a loss history) counts as one array."""
    arr = _array(value)
    if arr is not None:
        return [(label, arr)]
    if isinstance(value, dict):
        items = [(f"{label}[{k!r}]", v) for k, v in value.items()]
    elif isinstance(value, (list, tuple)):
        items = [(f"{label}[{i}]", v) for i, v in enumerate(value)]
    else:
        return []
    return [found for sub_label, v in items for found in flatten(v, sub_label)]


@dataclass(frozen=True)
class Reading:
    """One way to read a list of arrays as ``[W1, b1, W2, b2]``: per role the position
    in the list and whether it is stored transposed ((in, out) for a weight)."""

    positions: tuple[int, int, int, int]
    transposed: tuple[bool, bool]
    hidden: int

    def to_harness(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        """``[W1 (H, D), b1 (H,), W2 (C, H), b2 (C,)]`` as float64 copies."""
        out = []
        for role, pos in zip(ROLES, self.positions):
            a = np.array(arrays[pos], dtype=np.float64)
            if role.startswith("W"):
                out.append(a.T.copy() if self.transposed[role == "W2"] else a)
            else:
                out.append(a.ravel())
        return out

    def from_harness(self, theta: list[np.ndarray], like: list[np.ndarray]) -> list[np.ndarray]:
        """The harness layout back in the student's shapes and dtypes (``like``)."""
        out = [None] * len(like)
        for k, (role, pos) in enumerate(zip(ROLES, self.positions)):
            t = np.asarray(theta[k])
            if role.startswith("W") and self.transposed[role == "W2"]:
                t = t.T
            out[pos] = np.ascontiguousarray(t.reshape(np.shape(like[pos])), dtype=np.asarray(like[pos]).dtype)
        return out

    def describe(self, labels: list[str], arrays: list[np.ndarray]) -> list[str]:
        """Per role: ``"W1 = return[0] (D, H)"``."""
        names = []
        for role, pos in zip(ROLES, self.positions):
            shape = tuple(np.shape(arrays[pos]))
            names.append(f"{role} = {labels[pos]} {shape}")
        return names


def readings(arrays: list[np.ndarray], D: int, C: int, H: int | None = None) -> list[Reading]:
    """Every consistent reading of ``arrays`` as a ``[D, H, C]`` network (H inferred when
    not given)."""
    shapes = [tuple(np.shape(a)) for a in arrays]
    hs = [H] if H else sorted({d for s in shapes if len(s) == 2 for d in s})
    found = []
    for h in hs:
        def weights(rows, cols):
            out = []
            for p, s in enumerate(shapes):
                out += [(p, False)] * (s == (rows, cols)) + [(p, True)] * (s == (cols, rows))
            return out

        def biases(size):
            return [p for p, s in enumerate(shapes) if s in ((size,), (1, size), (size, 1))]

        for (w1, t1), b1, (w2, t2), b2 in itertools.product(weights(h, D), biases(h), weights(C, h), biases(C)):
            if len({w1, b1, w2, b2}) == 4:
                found.append(Reading((w1, b1, w2, b2), (t1, t2), h))
    return list(dict.fromkeys(found))


def match_roles(fn, skip: int) -> tuple[dict[str, str], list[str]]:
    """``({role: argument name}, [arguments the grader cannot fill])`` for ``fn``'s
    arguments after the first ``skip`` (the data)."""
    try:
        params = list(inspect.signature(fn).parameters.values())[skip:]
    except (TypeError, ValueError):
        return {}, ["(no signature)"]
    roles, unfilled = {}, []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        role = next((r for r, pat in ROLE_PATTERNS.items() if r not in roles and pat.search(p.name.lower())), None)
        if role:
            roles[role] = p.name
        elif p.default is p.empty:
            unfilled.append(p.name)
    return roles, unfilled


def module_globals(module, missing) -> dict[str, str]:
    """``{role: global name}`` for roles that are numbers at module level."""
    found = {}
    for name, value in vars(module).items():
        if name.startswith("__") or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        role = next((r for r in missing if r not in found and ROLE_PATTERNS[r].search(name.lower())), None)
        if role:
            found[role] = name
    return found
