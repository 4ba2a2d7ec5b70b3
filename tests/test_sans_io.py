"""The sans-IO cores import nothing that does IO.

qmonitor.qjson, qmonitor.qmp, the line editor (qmonitor.monitor.readline) and the
NBD protocol (qmonitor.machine.block.nbd_proto)
must not reach asyncio, socket, selectors, ssl, threading or subprocess,
directly or through qmonitor's own modules.  Checked twice: statically,
following every qmonitor import (those inside functions too; not those
under ``if TYPE_CHECKING:``) with :mod:`ast`, and dynamically, importing
the cores in a fresh interpreter and looking at ``sys.modules``.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import qmonitor

SRC = Path(qmonitor.__file__).resolve().parent.parent
IO_MODULES = frozenset({"asyncio", "socket", "selectors", "ssl", "threading", "subprocess"})


def _core_modules() -> list[str]:
    names = ["qmonitor.qjson", "qmonitor.qmp", "qmonitor.monitor.readline"]
    # The NBD protocol of the block exports.
    names.append("qmonitor.machine.block.nbd_proto")
    for pkg in ("qjson", "qmp"):
        path = SRC / "qmonitor" / pkg
        names += [f"qmonitor.{pkg}.{m.name}" for m in pkgutil.iter_modules([str(path)])]
    return sorted(set(names))


CORES = _core_modules()


def _source(module: str) -> Path | None:
    base = SRC.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path) -> set[str]:
    """Every module ``module`` imports, at any depth, TYPE_CHECKING blocks aside."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            # ``from pkg import mod`` may name a submodule.
            found.update(f"{target}.{alias.name}" for alias in node.names)
        for sub in ast.iter_child_nodes(node):
            visit(sub)

    visit(tree)
    return found


def _reach(start: str) -> dict[str, str]:
    """Modules reachable from ``start``: each with the qmonitor module importing it."""
    seen: dict[str, str] = {start: ""}
    todo = [start]
    while todo:
        module = todo.pop()
        # Importing a module imports its packages' __init__ modules first.
        parts = module.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent not in seen:
                seen[parent] = module
                todo.append(parent)
        path = _source(module)
        if path is None:
            continue
        for name in _imports(module, path):
            top = name.split(".")[0]
            if top == "qmonitor":
                if _source(name) is not None and name not in seen:
                    seen[name] = module
                    todo.append(name)
            elif name not in seen:
                seen[name] = module
    return seen


def _chain(seen: dict[str, str], name: str) -> str:
    links = [name]
    while seen.get(links[-1]):
        links.append(seen[links[-1]])
    return " <- ".join(links)


@pytest.mark.parametrize("core", CORES)
def test_no_io_import_statically(core: str) -> None:
    seen = _reach(core)
    bad = sorted(name for name in seen if name.split(".")[0] in IO_MODULES)
    assert not bad, "\n".join(_chain(seen, name) for name in bad)


def test_every_core_module_is_checked() -> None:
    assert "qmonitor.qmp.session" in CORES and "qmonitor.qjson.streamer" in CORES
    assert all(_source(core) is not None for core in CORES)


def test_no_io_module_loaded_at_run_time() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {core}\n" for core in CORES)
        + "print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    assert not sorted(name for name in out if name.split(".")[0] in IO_MODULES)


def test_the_static_check_sees_imports_in_functions(tmp_path: Path) -> None:
    path = tmp_path / "probe.py"
    path.write_text("def f():\n    import threading\nif TYPE_CHECKING:\n    import socket\n")
    found = _imports("qmonitor.probe", path)
    assert "threading" in found and "socket" not in found
