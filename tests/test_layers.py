"""The packages of qmonitor depend on each other in one direction only.

Every import of one qmonitor package by another is read from the source
with :mod:`ast`, imports inside functions included (only ``if
TYPE_CHECKING:`` blocks are left out: they never run).  The layers below
are the order of the README's layout: a package may import only those
listed before it.  Running this file as a script prints the graph.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT = SRC / "qmonitor"

#: Bottom to top.  A top-level module (``cli``, ``embed``, ...) is a layer of its own.
LAYERS = (
    "version",
    "errors",
    "util",
    "qjson",
    "chardev",
    "qapi",
    "qmp",
    "monitor",
    "machine",
    "options",
    "persona",
    "mux",
    "system",
    "embed",
    "testing",
    "cli",
    "__main__",
    "",  # qmonitor/__init__.py: the public names, imported lazily
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _unit(module: str) -> str:
    """The package (or top-level module) of ``qmonitor.X.Y``: ``X``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skipped.update(id(n) for n in ast.walk(inner))
    return skipped


def imports_of(path: Path) -> set[str]:
    """The qmonitor modules ``path`` imports, wherever in the file, except under TYPE_CHECKING."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(), str(path))
    skipped = _type_checking_nodes(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if path.name != "__init__.py":
                    base.pop()
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "qmonitor" or name.startswith("qmonitor.")}


def package_graph() -> dict[str, dict[str, set[str]]]:
    """unit -> {imported unit -> the modules whose imports make that edge}."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    known = {_unit(_module_name(p)) for p in ROOT.rglob("*.py")}
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        unit = _unit(module)
        for target in imports_of(path):
            other = _unit(target)
            if other != unit and other in known:
                graph[unit][other].add(f"{module} -> {target}")
    return graph


def test_every_unit_has_a_layer() -> None:
    units = {_unit(_module_name(p)) for p in ROOT.rglob("*.py")}
    assert units <= set(LAYERS), f"not in LAYERS: {sorted(units - set(LAYERS))}"


def test_imports_point_down() -> None:
    rank = {unit: i for i, unit in enumerate(LAYERS)}
    upward = [
        edge
        for unit, targets in package_graph().items()
        for other, edges in targets.items()
        if rank[other] >= rank[unit]
        for edge in sorted(edges)
    ]
    assert upward == []


def test_no_cycle_between_packages() -> None:
    graph = {unit: set(targets) for unit, targets in package_graph().items()}
    done: set[str] = set()
    stack: list[str] = []

    def visit(unit: str) -> None:
        if unit in stack:
            raise AssertionError(
                "import cycle: " + " -> ".join([*stack[stack.index(unit) :], unit])
            )
        if unit in done:
            return
        stack.append(unit)
        for other in sorted(graph.get(unit, ())):
            visit(other)
        stack.pop()
        done.add(unit)

    for unit in sorted(graph):
        visit(unit)


if __name__ == "__main__":
    for unit in sorted(package_graph(), key=LAYERS.index):
        targets = package_graph()[unit]
        print(f"{unit or '(qmonitor)'} -> {', '.join(sorted(targets, key=LAYERS.index))}")
    sys.exit(0)
