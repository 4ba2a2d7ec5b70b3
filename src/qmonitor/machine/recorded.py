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
import os
from functools import cache
from typing import Any

# os.path, not pathlib: the -device checks read the type tree at start-up.
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def _read(*parts: str) -> bytes:
    with open(os.path.join(DATA, *parts), "rb") as f:
        return f.read()


@cache
def machines_record() -> dict[str, Any]:
    """``machines.json``: ``machines`` (query-machines), ``help`` (``-machine help``)."""
    value: dict[str, Any] = json.loads(_read("machines.json"))
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
    value: dict[str, Any] = json.loads(gzip.decompress(_read("qom_types.json.gz")))
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
        if os.path.isfile(os.path.join(DATA, "qom_trees", name)):
            value: dict[str, Any] = json.loads(gzip.decompress(_read("qom_trees", name)))
            return value
    return None
