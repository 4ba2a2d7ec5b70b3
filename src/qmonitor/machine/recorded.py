"""QEMU 7.2's recorded facts about machine types and QOM, loaded when first asked.

``tools/record_qom.py`` records them from QEMU into ``machine/data/``:
``machines.json`` (``query-machines`` and ``-machine help``),
``qom_types.json.gz`` (the QOM types, their properties and the device
list) and ``qom_trees/TYPE[.nodefaults].json.gz`` (the composition tree
QEMU builds under ``/machine`` for each machine type).  Nothing here is
read at start-up: each file is read the first time a command needs it;
the machine list and the type table are kept (shared by every machine of
the process), a composition tree is read by the machine that builds it.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def _read_gz(path: Path) -> Any:
    return json.loads(gzip.decompress(path.read_bytes()))


@cache
def machines_record() -> dict[str, Any]:
    """``machines.json``: ``machines`` (query-machines), ``help`` (``-machine help``)."""
    value: dict[str, Any] = json.loads((DATA / "machines.json").read_text())
    return value


def machine_info(typename: str) -> dict[str, Any] | None:
    """The ``query-machines`` entry of machine type ``typename`` (its full name), if any."""
    for info in machines_record()["machines"]:
        if info["name"] == typename:
            return dict(info)
    return None


@cache
def types_record() -> dict[str, Any]:
    """``qom_types.json.gz`` (see :mod:`qmonitor.machine.qom_types`)."""
    value: dict[str, Any] = _read_gz(DATA / "qom_types.json.gz")
    return value


def tree_record(machine: str, nodefaults: bool) -> dict[str, Any] | None:
    """The recorded composition tree of machine type ``machine`` (its full name), if any.

    ``{"root": N, "nodes": [...], "volatile": [...]}``; each node is
    ``{"listing": [[name, type], ...], "values": {name: value}, "children":
    {name: node number}}``, a value being ``{"error": [class, desc]}`` where
    ``qom-get`` failed.  Without a ``-nodefaults`` recording the one with
    defaults stands in.  Not kept: each machine builds its tree once.
    """
    if "/" in machine or machine.startswith("."):
        return None
    names = [f"{machine}.nodefaults.json.gz"] if nodefaults else []
    names.append(f"{machine}.json.gz")
    for name in names:
        path = DATA / "qom_trees" / name
        if path.is_file():
            value: dict[str, Any] = _read_gz(path)
            return value
    return None
