"""The house rule of ``experiments/`` (docs/architecture.md, "The layout of experiments/"):
sub-packages in layers, each importing only from the layers below it or its own, and no
import circles between modules."""
import ast
from pathlib import Path

import experiments

ROOT = Path(experiments.__file__).parent
# bottom to top; the top-level modules (cli, runner) may import anything
LAYERS = ["errors", "implementations", "config", "store", "training", "parity", "grading", "report"]
TOP = len(LAYERS)


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__")


def _imports(path: Path) -> set[str]:
    """Modules of ``experiments`` that ``path`` imports (relative or absolute)."""
    here = _module(path).split(".") if _module(path) else []
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = [*base, *(node.module.split(".") if node.module else [])]
            elif node.module and node.module.split(".")[0] == "experiments":
                target = node.module.split(".")[1:]
            else:
                continue
            names = [a.name for a in node.names]
            for name in names:  # ``from . import x`` may name a module
                candidate = ROOT.joinpath(*target, name)
                if candidate.with_suffix(".py").is_file() or candidate.is_dir():
                    found.add(".".join([*target, name]))
            found.add(".".join(target))
    found.discard("")
    return found


def _layer(module: str) -> int:
    head = module.split(".")[0]
    return LAYERS.index(head) if head in LAYERS else TOP


def _graph() -> dict[str, set[str]]:
    return {_module(p): _imports(p) for p in ROOT.rglob("*.py") if "configs" not in p.parts}


def test_every_module_belongs_to_a_layer():
    for module in _graph():
        head = module.split(".")[0]
        assert head in LAYERS or "." not in module, f"{module} is in no layer of {LAYERS}"


def test_every_import_of_the_house_resolves():
    """A relative import inside a function runs only when called: check every target
    exists, so a module moved to another package cannot leave a stale import behind."""
    def exists(module: str) -> bool:
        path = ROOT.joinpath(*module.split("."))
        return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()
    missing = [f"{m} -> {t}" for m, targets in _graph().items() for t in targets if not exists(t)]
    assert not missing, "imports of modules that do not exist:\n" + "\n".join(sorted(missing))


def test_imports_point_down_the_layers():
    wrong = [f"{m} -> {t}" for m, targets in _graph().items() for t in targets if _layer(t) > _layer(m)]
    assert not wrong, "imports against the layer order:\n" + "\n".join(sorted(wrong))


def test_no_import_circles():
    graph = _graph()
    graph = {m: {t for t in ts if t in graph and t != m and not m.startswith(t + ".")} for m, ts in graph.items()}
    # a package's __init__ re-exporting its own modules is not a circle
    graph = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    state, circles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                circles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not circles, "import circles:\n" + "\n".join(circles)


def _builtin_pairs(source: str) -> list[int]:
    """Lines of tuple, list or set literals whose elements are exactly "numpy" and "torch"."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) == 2
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
            and sorted(e.value for e in node.elts) == ["numpy", "torch"]]


def test_builtin_pairs_are_found():
    """The check below can fail: it sees the pair in each spelling and in no other collection."""
    found = _builtin_pairs('a = ("numpy", "torch")\nb = ["torch", "numpy"]\nc = {"numpy", "torch"}\n'
                           'd = ("numpy", "torch", "scikit-learn")\ne = "numpy", "pandas"\n')
    assert found == [1, 2, 3]


def test_the_builtin_pair_is_spelled_once():
    """``("numpy", "torch")`` is declared in ``implementations/__init__.py`` only; everything
    else iterates over the run's implementations."""
    declared = ROOT / "implementations" / "__init__.py"
    assert _builtin_pairs(declared.read_text()), "BUILTIN no longer declares the pair"
    spelled = [f"{p.relative_to(ROOT)}:{line}" for p in sorted(ROOT.rglob("*.py")) if p != declared
               for line in _builtin_pairs(p.read_text())]
    assert not spelled, f"the built-in pair is spelled out in {spelled}"
