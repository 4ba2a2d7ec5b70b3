"""Import asyncio without the ssl module in the null machine's own process.

asyncio imports :mod:`ssl` for its own TLS transports, and ssl loads
OpenSSL: about 6 MiB of resident memory (3 MiB of it private) in every
fake VM, which a process that runs many of them pays for nothing.  The
null machine never uses asyncio's TLS: its TLS chardevs (``tls-creds``)
drive :class:`ssl.MemoryBIO` objects themselves (:mod:`qmonitor.chardev.tls`)
and import ssl when one is created.  So the command line's process
imports asyncio with ssl hidden, and ssl stays importable afterwards.

Only the ``qmonitor`` command does this: a program that embeds qmonitor
keeps the asyncio it imported, TLS included.
"""

from __future__ import annotations

import sys


def import_asyncio_without_ssl() -> None:
    """Import asyncio, which then runs without its own TLS, if nothing imported either yet."""
    if "asyncio" in sys.modules or "ssl" in sys.modules:
        return
    # A None entry makes ``import ssl`` fail with ImportError, which asyncio
    # expects where ssl is missing (it sets its ``ssl`` to None).
    sys.modules["ssl"] = None  # type: ignore[assignment]
    try:
        import asyncio  # noqa: F401
    finally:
        del sys.modules["ssl"]
