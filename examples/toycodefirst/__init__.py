"""A toy thermostat with QEMU's monitor, defined code-first: no schema file.

Its QMP commands and event are typed Python functions collected by
:class:`qmonitor.CodeFirstSchema` (:mod:`examples.toycodefirst.thermostat`);
its monitors are asked for by path rather than with QEMU's options, and it
adds an HMP command of its own beside QEMU's::

    python -m examples.toycodefirst --qmp /tmp/thermo.sock --hmp /tmp/thermo-hmp.sock
"""

from examples.toycodefirst.thermostat import API, Thermostat, main

__all__ = ["API", "Thermostat", "main"]
