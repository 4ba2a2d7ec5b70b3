"""The null machine's QAPI schema: what its ``query-qmp-schema`` describes.

Written for qmonitor in QEMU's schema language; each definition has the
shape QEMU 7.2 introspects for the command or event of the same name
(tests/qapi/test_machine_schema.py compares them with the recorded
output of QEMU 7.2), in QEMU's order.  The ``x-qmonitor-*`` commands are
conditional on ``QMONITOR_EXTENSIONS`` (``-qmonitor-extensions``), the
``x-qmonitor-guest-*`` ones on ``QMONITOR_GUEST`` (``-qmonitor-guest``).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qmonitor.qapi.schema import Schema

#: The file name errors and modules refer to.
FNAME = "qmonitor-machine.json"

#: Configuration symbol of the -qmonitor-extensions commands.
EXTENSIONS = "QMONITOR_EXTENSIONS"
#: Configuration symbol of the -qmonitor-guest commands.
GUEST = "QMONITOR_GUEST"

#: The modules holding the schema text, in QEMU's order.
PARTS = (
    "run_state",
    "block",
    "block_stats",
    "block_options",
    "block_options2",
    "block_jobs",
    "job_types",
    "job_types2",
    "char",
    "char_backends",
    "dump",
    "net",
    "rocker",
    "tpm",
    "ui",
    "migration",
    "migration_status",
    "trace",
    "control",
    "qom_machine",
    "objects",
    "machine_info",
    "misc",
    "misc_target",
    "acpi_stats",
    "virtio",
    "qmonitor_guest",
)


@lru_cache(maxsize=1)
def schema_text() -> str:
    """The whole schema text: its parts, in QEMU's order.

    Read only when the schema is checked (not on a start that finds it in
    the disk cache): its modules hold some 150 kB of text.
    """
    import importlib

    return "".join(importlib.import_module(f"{__name__}.{part}").TEXT for part in PARTS)


def __getattr__(name: str) -> Any:
    # SCHEMA, the whole text, made on first use (see schema_text).
    if name == "SCHEMA":
        return schema_text()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=4)
def _cache_key(extensions: bool, guest: bool = False) -> str:
    """What the checked schema and its introspection depend on: the text and the QAPI code."""
    import os

    from qmonitor.util.diskcache import cache_key, source_digest

    here = os.path.dirname(__file__)
    qapi = os.path.join(os.path.dirname(os.path.dirname(here)), "qapi")
    sources = [os.path.join(qapi, n) for n in os.listdir(qapi) if n.endswith(".py")]
    # The schema text is in this package's modules (the parts and the
    # pieces they join): their files stand for it.
    texts = [os.path.join(here, n) for n in sorted(os.listdir(here)) if n.endswith(".py")]
    flags = str(extensions) + (",guest" if guest else "")
    return cache_key(FNAME, flags, source_digest(sources), source_digest(texts))


@lru_cache(maxsize=4)
def machine_schema(extensions: bool = False, guest: bool = False) -> Schema:
    """The checked schema (with the extension or guest commands when asked).

    Checking it takes tens of milliseconds; the result is kept on disk
    (:mod:`qmonitor.util.diskcache`) for the next start.
    """
    from qmonitor.qapi.schema import load_schema_text
    from qmonitor.util.diskcache import cached

    def build() -> Schema:
        symbols = ((EXTENSIONS,) if extensions else ()) + ((GUEST,) if guest else ())
        schema = load_schema_text(schema_text(), FNAME, symbols)
        # Checked, and kept for the life of the process: as small as it goes.
        schema.drop_docs()
        schema.share_strings()
        return schema

    return cached("machine-schema", _cache_key(extensions, guest), build)


@lru_cache(maxsize=4)
def _machine_schema_info(extensions: bool, guest: bool = False) -> tuple[dict[str, Any], ...]:
    from qmonitor.qapi.introspect import schema_info
    from qmonitor.util.diskcache import cached

    def build() -> tuple[dict[str, Any], ...]:
        return tuple(schema_info(machine_schema(extensions, guest)))

    return cached("machine-schema-info", _cache_key(extensions, guest), build)


def machine_schema_info(extensions: bool = False, guest: bool = False) -> list[dict[str, Any]]:
    """The null machine's ``query-qmp-schema`` reply (a fresh copy each call)."""
    return copy.deepcopy(list(_machine_schema_info(extensions, guest)))
