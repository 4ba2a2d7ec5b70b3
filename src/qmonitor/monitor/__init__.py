"""The monitor core, after QEMU's monitor/monitor.c (the seed): what every monitor shares.

Owns the monitor registry and its lock, output buffering (``\\n`` to
``\\r\\n``, flush and write watches), suspend/resume, events and their
throttling, the QMP monitor (a chardev front-end wrapping the sans-IO
session of ``qmp``) with its dispatcher and I/O thread, the HMP monitor
with QEMU's line editor (``readline``, sans-IO) and its argument parser.
It knows nothing of a machine: the HMP command table and the QMP command
lists are given to it.

May import: ``qmp``, ``qapi``, ``chardev``, ``qjson``, ``util`` (and
``errors``, ``version``).
"""
