"""Helpers for tests that do their work once per pytest session."""

from __future__ import annotations

import pytest


def selected_cases(session: pytest.Session, param: str) -> list[str]:
    """The values of ``param`` among the tests this session runs, in order."""
    names: list[str] = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and param in callspec.params:
            names.append(callspec.params[param])
    return list(dict.fromkeys(names))
