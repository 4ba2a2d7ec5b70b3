"""QAPI: the schema language, typed values and command dispatch (QEMU's scripts/qapi and qapi/).

Owns the schema parser and checker (QEMU's schema language, with its error
texts), the schema model and introspection (``query-qmp-schema``), the
types that visit arguments and results as QEMU's input visitor does,
command lists and dispatch, QAPI error classes, the current-monitor
context a command runs in, and the schema-first and code-first bindings
an embedder uses to define commands and events.

May import: ``qjson``, ``util`` (and ``errors``, ``version``).
"""
