"""Version numbers: qmonitor's own, and the QEMU version it emulates by default.

The greeting and ``query-version`` report the emulated QEMU version; ``package``
names qmonitor so a curious client can still tell what it talks to.
"""

from __future__ import annotations

__version__ = "0.1.0"

#: QEMU version reported by default (major, minor, micro); ``-qmonitor-version`` overrides it.
DEFAULT_QEMU_VERSION: tuple[int, int, int] = (7, 2, 0)

#: The ``package`` member of the greeting and of ``query-version``.
PACKAGE = f"qmonitor {__version__}"
