"""Character devices: the byte pipes monitors and devices sit on (QEMU's chardev/).

Owns the backends (socket server and client, multi-client listener, stdio,
pty, file, null, TLS) and the front-end API a monitor uses (can_read,
read, event, write with a write watch), the ``mux`` front-end switcher
(Ctrl-A), and the container that lists chardevs in QEMU's order.  Each
backend runs on the asyncio loop it is attached to.

May import: ``util`` (and ``errors``, ``version``).
"""
