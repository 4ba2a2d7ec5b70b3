"""qmonitor: QEMU's machine monitor (QMP and HMP) in Python.

A drop-in null machine whose monitors cannot be told from QEMU 7.2's, and a
library that gives any Python emulator QEMU's monitor for its own commands
and events.

The embedding API (see :mod:`qmonitor.embed` and README "Embedding qmonitor"):

- :class:`MonitorServer`: a machine with the embedder's schema, its
  monitors from QEMU's command line; ``bind``/``command`` handlers,
  ``emit`` events from any thread, ``start``/``stop`` or ``run``;
- :class:`CodeFirstSchema` and the sized integer hints (:data:`Int8` ...
  :data:`Uint64`, :data:`Size`): commands and events from typed functions;
- :class:`QapiError` and :class:`ErrorClass`: what handlers raise for the
  client; :class:`SchemaBindingError` and :class:`QapiSchemaError`: what
  qmonitor raises for a program or schema error;
- :func:`current_monitor`: the monitor whose command is running;
- :class:`RunState` and :class:`ShutdownCause`: the machine's run state.

- :func:`main`: the ``qmonitor`` program (argv in, exit status out).

Every exception qmonitor defines derives from :class:`QmonitorError`
(:mod:`qmonitor.errors`), so ``except QmonitorError`` catches whatever the
library raises and nothing else.  Like qemu.qmp's ``ExecuteError`` under
``QMPError``, :class:`QapiError` is in the tree too: it is the peer family
(what a handler raises so that the client gets an error reply; it never
reaches the embedder from the wire), while the others report misuse of the
library, a bad schema or a bad command line::

    QmonitorError
     +-- QapiError                 a QMP error reply (class and text)
     +-- SchemaBindingError        a handler or event that does not fit
     |                             the schema (also a ValueError)
     +-- QapiSchemaError           a schema file QEMU's generator refuses
     +-- JsonError                 a JSON value QEMU rejects
     +-- ChardevError              a chardev could not be created or opened
     +-- TlsError                  a TLS handshake failed
     +-- QemuOptsError             a QemuOpts option string is wrong
     +-- CompatParseError          a chardev short form QEMU cannot convert
     +-- QemuOptsHelp              ``help`` asked of an option (not an error)
     +-- CmdlineError              parsing the command line stops the program
     +-- AudiodevError             an -audiodev option is wrong
     +-- GuestOptionError          a guest option (-smp, -m, ...) is wrong
     +-- ObjectError               an -object option is wrong
     +-- ObjectHelp                ``help`` asked of -object (not an error)
     +-- CheckError                an option value QEMU rejects
     +-- CpuOptionError            a -cpu option is wrong
     +-- TopologyError             an -smp that does not add up
     +-- HmpParseError             an HMP command line does not parse
     +-- BadRequest                a qtest request QEMU would assert on
     +-- StartupError              building the machine failed
     +-- PidfileError              the pidfile cannot be written
     +-- SessionError              a QMP session driven out of its states
     +-- UpstreamError             the multiplexer's QEMU broke the protocol
     +-- PersonaError              a persona cannot be loaded
     +-- RecordError               the QEMU to record cannot be talked to
     |    +-- QemuDied             it exited with a request outstanding
     +-- CassetteError             a cassette file cannot be read
     +-- FakeQemuError             the pytest fake QEMU was misused
     +-- ReplayDivergence          a client left its cassette (also an
                                   AssertionError, so pytest reports it)

Names are imported on first use, so ``import qmonitor.qjson`` stays light.
"""

from __future__ import annotations

import importlib

from qmonitor.version import __version__

#: typing.TYPE_CHECKING without importing typing (``python -m qmonitor`` starts here).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from qmonitor.cli import main
    from qmonitor.embed import MonitorServer, current_monitor
    from qmonitor.errors import QmonitorError
    from qmonitor.machine.runstate import RunState, ShutdownCause
    from qmonitor.qapi.binding import SchemaBindingError, check_return
    from qmonitor.qapi.codefirst import (
        CodeFirstSchema,
        Int8,
        Int16,
        Int32,
        Int64,
        Size,
        Uint8,
        Uint16,
        Uint32,
        Uint64,
    )
    from qmonitor.qapi.error import ErrorClass, QapiError
    from qmonitor.qapi.schema import Schema, load_schema, load_schema_text
    from qmonitor.qapi.schema_source import QapiSchemaError

#: Public name -> the module that defines it.
_EXPORTS = {
    "main": "qmonitor.cli",
    "QmonitorError": "qmonitor.errors",
    "MonitorServer": "qmonitor.embed",
    "current_monitor": "qmonitor.embed",
    "RunState": "qmonitor.machine.runstate",
    "ShutdownCause": "qmonitor.machine.runstate",
    "SchemaBindingError": "qmonitor.qapi.binding",
    "check_return": "qmonitor.qapi.binding",
    "CodeFirstSchema": "qmonitor.qapi.codefirst",
    "Int8": "qmonitor.qapi.codefirst",
    "Int16": "qmonitor.qapi.codefirst",
    "Int32": "qmonitor.qapi.codefirst",
    "Int64": "qmonitor.qapi.codefirst",
    "Uint8": "qmonitor.qapi.codefirst",
    "Uint16": "qmonitor.qapi.codefirst",
    "Uint32": "qmonitor.qapi.codefirst",
    "Uint64": "qmonitor.qapi.codefirst",
    "Size": "qmonitor.qapi.codefirst",
    "ErrorClass": "qmonitor.qapi.error",
    "QapiError": "qmonitor.qapi.error",
    "Schema": "qmonitor.qapi.schema",
    "load_schema": "qmonitor.qapi.schema",
    "load_schema_text": "qmonitor.qapi.schema",
    "QapiSchemaError": "qmonitor.qapi.schema_source",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qmonitor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "CodeFirstSchema",
    "ErrorClass",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "MonitorServer",
    "QapiError",
    "QapiSchemaError",
    "QmonitorError",
    "RunState",
    "Schema",
    "SchemaBindingError",
    "ShutdownCause",
    "Size",
    "Uint8",
    "Uint16",
    "Uint32",
    "Uint64",
    "__version__",
    "check_return",
    "current_monitor",
    "load_schema",
    "load_schema_text",
    "main",
]
