"""qmonitor: QEMU's machine monitor (QMP and HMP) in Python.

A drop-in null machine whose monitors cannot be told from QEMU 7.2's, and a
library that gives any Python emulator QEMU's monitor for its own commands
and events.
"""

from qmonitor.version import __version__

__all__ = ["__version__"]
