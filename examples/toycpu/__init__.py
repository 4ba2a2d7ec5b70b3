"""A toy CPU with QEMU's monitor: ``python -m examples.toycpu`` and QEMU's options.

The CPU (:mod:`examples.toycpu.cpu`) counts instructions in its own thread
while the machine runs; its commands and its event are described in
``toycpu.json`` in QEMU's schema language and served by
:class:`qmonitor.embed.MonitorServer` next to QEMU's own commands
(``stop``, ``cont``, ``query-status``, ``quit``, ...)::

    python -m examples.toycpu -qmp unix:/tmp/toycpu.sock,server=on,wait=off -monitor stdio
"""

from examples.toycpu.cpu import SCHEMA, ToyCpu, main

__all__ = ["SCHEMA", "ToyCpu", "main"]
