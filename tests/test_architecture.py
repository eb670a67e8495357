"""The package's shape, read from its source with `ast`: no import cycles, no private names shared
between modules, the layers in one direction, and no module too long to read.

An import counts wherever it is written: at the top, inside a function, under TYPE_CHECKING, or as
`importlib.import_module("collabsim...")` with a literal name. `import a.b.c` and
`from a.b import c` (c a module) are edges to the module `a.b.c` only, not to the packages it is
in: a package's `__init__` that imports its own submodules is no cycle (collabsim/cli does).

The layers, lowest first (each may import from the ones before it, never after):

    shared      collabsim (the package), collabsim.errors, collabsim.limits, collabsim.locale,
                collabsim.shipped
    model       collabsim.model and collabsim.mechanisms (one core: they use each other)
    runs        collabsim.runs        running the model: runner, sweeps, experiment files, outputs
    analysis    collabsim.analysis    what runs mean: statistics, sensitivity, comparison, reports
    apps        collabsim.apps        the classroom app and the scan
    cli         collabsim.cli, collabsim.__main__   the command line: may use everything
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "collabsim"
MAX_LINES = 800

LAYERS = ("shared", "model", "runs", "analysis", "apps", "cli")


def layer_of(module: str) -> str:
    """The layer a collabsim module belongs to (see the module docstring)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in ("errors", "limits", "locale", "shipped"):
        return "shared"
    if parts[1] in ("model", "mechanisms"):
        return "model"
    if parts[1] == "__main__":
        return "cli"
    return parts[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every collabsim module by its dotted name."""
    return {
        module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts
    }


def relative_file(module: str) -> str:
    return modules()[module].relative_to(PACKAGE.parent).as_posix()


def absolute(node: ast.ImportFrom, module: str) -> str:
    """The module an ImportFrom names, with a relative import made absolute."""
    if not node.level:
        return node.module or ""
    package = module if modules()[module].name == "__init__.py" else module.rpartition(".")[0]
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


@cache
def imports(module: str) -> tuple[tuple[str, str | None, int], ...]:
    """(module imported, name imported from it or None, line) for every collabsim import."""
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = absolute(node, module)
            for alias in node.names:
                if f"{source}.{alias.name}" in modules():
                    found.append((f"{source}.{alias.name}", None, node.lineno))
                else:
                    found.append((source, alias.name, node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.args[0].value, None, node.lineno))
    return tuple((m, n, line) for m, n, line in found if m.split(".")[0] == "collabsim")


def graph() -> dict[str, set[str]]:
    """Which collabsim modules each module imports."""
    return {m: {t for t, _, _ in imports(m) if t in modules() and t != m} for m in modules()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def private_uses(module: str) -> list[str]:
    """`from collabsim.x import _name` and `x._name` (x a collabsim module) in `module`."""
    found = [
        f"{relative_file(module)}:{line}: {source}.{name}"
        for source, name, line in imports(module)
        if name and name.startswith("_") and not name.startswith("__")
    ]
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name in modules():
                    aliases[a.asname or a.name] = a.name
        elif isinstance(node, ast.ImportFrom):
            source = absolute(node, module)
            for a in node.names:
                if f"{source}.{a.name}" in modules():
                    aliases[a.asname or a.name] = f"{source}.{a.name}"
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__"):
            continue
        owner = ast.unparse(node.value)
        target = aliases.get(owner, owner if owner in modules() else None)
        if target is not None and target != module:
            found.append(f"{relative_file(module)}:{node.lineno}: {target}.{node.attr}")
    return found


def test_the_source_is_read():
    """The checks below see the package (fails if the graph comes out empty or misses a layer)."""
    edges = graph()
    assert len(edges) > 40
    assert "collabsim.runs.sweep" in edges["collabsim.cli.sweep"]  # imported inside a function
    assert {layer_of(m) for m in modules()} == set(LAYERS)


def test_no_import_cycle_between_modules():
    """Fails when a module imports (at any depth) one that imports it back."""
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_private_name_is_imported_across_modules():
    """A name starting with _ is its module's own: what another module needs is made public."""
    found = [use for module in modules() for use in private_uses(module)]
    assert found == []


def test_layers_point_one_way():
    """Each layer imports only from itself and the layers before it (see the module docstring):
    the model knows nothing of runs, runs nothing of the analysis, nothing but the command line
    knows the command line."""
    wrong = []
    for module, targets in graph().items():
        here = LAYERS.index(layer_of(module))
        for target in sorted(targets):
            if LAYERS.index(layer_of(target)) > here:
                wrong.append(f"{module} ({layer_of(module)}) imports {target} ({layer_of(target)})")
    assert wrong == []


def test_no_module_is_longer_than_800_lines():
    """A module a reader can hold in mind: split a longer one by idea."""
    long = {
        relative_file(m): n
        for m, p in modules().items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
