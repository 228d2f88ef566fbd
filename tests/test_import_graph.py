"""No import cycles in ``sim``: the import graph, built with ``ast``, is acyclic.

Every import counts, at module level or inside a function (a lazy import is still a
dependency, only a late one), and so do imports under ``if TYPE_CHECKING:``. An edge goes
from a module to the module it names: ``from sim.a import b`` is an edge to ``sim.a.b`` when
that is a module, else to ``sim.a``. The parent packages a dotted import runs first are not
edges of their own. ``TYPE_CHECKING`` blocks may import names for annotations, but must not
hold stubs of another class's attributes or methods (one part reaching into another's).
The same graph shows that the invariant checker (``sim.check``) imports nothing of the model.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sim"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module of ``sim`` that ``name`` (a module, or a name inside one) refers to."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if (resolved := _resolve(target, known)) is not None and resolved != module:
                out.add(resolved)
    return out


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports_of(m, p, known) for m, p in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected component of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_cycle_in(graph, c) for c in components]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module (breadth-first)."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    return [*paths[v], start]
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle in {component}")


def type_checking_stubs(path: Path) -> list[str]:
    """Functions defined under ``if TYPE_CHECKING:`` (stubs of another class's methods)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            for inner in node.body:
                for sub in ast.walk(inner):
                    if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef):
                        found.append(f"{path.relative_to(ROOT)}:{sub.lineno} {sub.name}")
    return found


def test_sim_has_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles in sim:\n" + "\n".join(" -> ".join(c) for c in found)


def test_no_type_checking_stubs() -> None:
    found = [stub for p in modules().values() for stub in type_checking_stubs(p)]
    assert not found, "TYPE_CHECKING stubs:\n" + "\n".join(found)


def test_the_graph_sees_cycles_and_lazy_imports() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    known = modules()
    # sim.charts imports sim.legacy_charts inside a function: still an edge.
    assert "sim.legacy_charts" in imports_of("sim.charts", known["sim.charts"], known)
    # TYPE_CHECKING imports count too.
    assert "sim.result" in imports_of("sim.chart_style", known["sim.chart_style"], known)
    # A package's modules imported by name from the package are edges to each module.
    assert {"sim.cli.run", "sim.cli.check"} <= imports_of("sim.cli", known["sim.cli"], known)


def test_the_checker_does_not_import_the_model() -> None:
    # sim.check judges a run from its tables: reusing the engine's code would let a defect
    # of the engine pass its own check.
    known = modules()
    found = {
        (m, target)
        for m, path in known.items()
        if m == "sim.check" or m.startswith("sim.check.")
        for target in imports_of(m, path, known)
        if target == "sim.model" or target.startswith("sim.model.")
    }
    assert not found, f"sim.check imports the model: {sorted(found)}"
