"""Every exception class qmonitor defines derives from ``qmonitor.errors.QmonitorError``.

The modules are walked and imported (all but ``__main__``, which would run
the program), and every class defined in them that is an exception is
checked; so is the tree the package docstring of :mod:`qmonitor` draws.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import qmonitor
from qmonitor.errors import QmonitorError


def _modules() -> list[ModuleType]:
    found = [qmonitor]
    for info in pkgutil.walk_packages(qmonitor.__path__, "qmonitor."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        found.append(importlib.import_module(info.name))
    return found


def _exception_classes() -> dict[str, type[BaseException]]:
    classes: dict[str, type[BaseException]] = {}
    for module in _modules():
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == module.__name__:
                classes[f"{module.__name__}.{value.__qualname__}"] = value
    return classes


def test_every_exception_derives_from_the_root() -> None:
    classes = _exception_classes()
    assert len(classes) > 25
    strays = sorted(name for name, cls in classes.items() if not issubclass(cls, QmonitorError))
    assert strays == []


def test_the_root_is_exported_and_imports_nothing_of_qmonitor() -> None:
    assert qmonitor.QmonitorError is QmonitorError
    source = inspect.getsource(importlib.import_module("qmonitor.errors"))
    assert "import qmonitor" not in source and "from qmonitor" not in source


def test_builtin_bases_are_kept() -> None:
    from qmonitor.qapi.binding import SchemaBindingError
    from qmonitor.testing.replay import ReplayDivergence

    assert issubclass(SchemaBindingError, ValueError)
    assert issubclass(ReplayDivergence, AssertionError)


def test_the_documented_tree_names_real_classes() -> None:
    # Every ``Name`` on a tree line of the docstring (``+-- Name``) exists and
    # derives from its parent line's class.
    doc = qmonitor.__doc__ or ""
    classes = {cls.__name__: cls for cls in _exception_classes().values()}
    stack: list[tuple[int, type[BaseException]]] = []
    seen = 0
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped == "QmonitorError":
            stack = [(line.index("Q"), QmonitorError)]
            continue
        if not stack or not stripped.startswith("+-- "):
            continue
        name = stripped[4:].split()[0]
        depth = line.index("+")
        while stack and stack[-1][0] >= depth:
            stack.pop()
        cls = classes[name]
        assert issubclass(cls, stack[-1][1]), name
        stack.append((depth, cls))
        seen += 1
    assert seen > 10
