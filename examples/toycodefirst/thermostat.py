"""The toy thermostat: a heater simulated in a thread, its commands typed in Python.

What the monitor offers, besides QEMU's own commands (``stop``, ``cont``,
``query-status``, ``quit``, ...):

- ``query-thermostat`` returns a ``ThermostatReading`` (a dataclass: the
  code-first schema makes it a struct);
- ``thermostat-set`` takes a target in tenths of a degree (a ``Uint16``)
  and a ``ThermostatMode`` (an ``Enum``); QEMU's argument checking answers
  bad ones before the function runs;
- ``THERMOSTAT_HEATING`` is emitted whenever the heater switches on or off;
- HMP gets ``thermostat``, which prints the reading.

While the machine runs and the mode is ``heat`` the room warms by one
tenth of a degree per tick until it reaches the target.  Above
:data:`CUTOFF` the overheat protection switches to ``off`` and stops the
machine (QEMU's ``STOP`` event) with :meth:`MonitorServer.vm_stop`, from the
heater's thread; ``cont`` resumes it.
"""

from __future__ import annotations

import argparse
import enum
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qmonitor import CodeFirstSchema, MonitorServer, QapiError, Uint16
from qmonitor.embed import MonitorHMP

#: Where the room starts, in tenths of a degree Celsius.
START = 200
#: The overheat protection's threshold, in tenths of a degree.
CUTOFF = 350
#: The highest target thermostat-set accepts, in tenths of a degree.
MAX_TARGET = 400
#: Host time between two heater ticks (seconds).
TICK = 0.005


class ThermostatMode(enum.Enum):
    """What the thermostat does."""

    OFF = "off"
    HEAT = "heat"


@dataclass
class ThermostatReading:
    """The thermostat's state, as ``query-thermostat`` returns it."""

    temperature: int
    target: int
    mode: ThermostatMode
    heating: bool


#: The code-first schema: the functions below add to it as they are defined.
API = CodeFirstSchema()


@API.event("THERMOSTAT_HEATING")
def thermostat_heating(heating: bool, temperature: int) -> None:
    """The heater switched on or off (the body is never run)."""


class Thermostat:
    """The simulated room and heater; guarded by ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.temperature = START
        self.target = START
        self.mode = ThermostatMode.OFF
        self.heating = False
        self.server: MonitorServer | None = None
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heater", daemon=True)

    def reading(self) -> ThermostatReading:
        with self.lock:
            return ThermostatReading(self.temperature, self.target, self.mode, self.heating)

    def set(self, target: int | None, mode: ThermostatMode | None) -> None:
        with self.lock:
            if target is not None:
                self.target = target
            if mode is not None:
                self.mode = mode
        self._update()

    def _update(self) -> None:
        """Switch the heater as the mode and temperature say; tell the clients if it changed."""
        with self.lock:
            heating = self.mode is ThermostatMode.HEAT and self.temperature < self.target
            changed, self.heating = heating != self.heating, heating
            temperature = self.temperature
        if changed and self.server is not None:
            self.server.emit("THERMOSTAT_HEATING", heating=heating, temperature=temperature)

    # -- the heater thread -----------------------------------------------

    def start(self, server: MonitorServer) -> None:
        self.server = server
        self._thread.start()

    def stop(self) -> None:
        self._quit.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        server = self.server
        assert server is not None
        while not self._quit.wait(TICK):
            if not server.running:
                continue
            overheated = False
            with self.lock:
                if self.heating:
                    self.temperature += 1
                    if self.temperature > CUTOFF:
                        self.mode = ThermostatMode.OFF
                        overheated = True
            self._update()
            if overheated:
                server.vm_stop()


THERMOSTAT = Thermostat()


@API.command()
def query_thermostat() -> ThermostatReading:
    """``query-thermostat``: the current reading."""
    return THERMOSTAT.reading()


@API.command()
def thermostat_set(target: Uint16 | None = None, mode: ThermostatMode | None = None) -> None:
    """``thermostat-set``: a new target (tenths of a degree) and/or mode."""
    if target is not None and target > MAX_TARGET:
        raise QapiError(f"Parameter 'target' expects a value between 0 and {MAX_TARGET}")
    THERMOSTAT.set(target, mode)


def hmp_thermostat(mon: MonitorHMP, args: dict[str, Any]) -> None:
    """HMP ``thermostat``: the reading, one line."""
    r = THERMOSTAT.reading()
    state = "heating" if r.heating else "idle"
    mon.printf(
        f"temperature {r.temperature / 10:.1f} C, target {r.target / 10:.1f} C,"
        f" mode {r.mode.value}, {state}\n"
    )


def build(
    qmp: Sequence[str] = (), hmp: Sequence[str] = (), *, stopped: bool = False
) -> MonitorServer:
    """The server: the code-first schema, monitors on ``qmp`` and ``hmp`` paths."""
    server = MonitorServer(API, args=["-S"] if stopped else [], qmp=qmp, hmp=hmp, prog="thermo")
    server.hmp_command(
        "thermostat", hmp_thermostat, params="", help="show the thermostat's reading"
    )
    return server


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the thermostat until ``quit`` or a signal; return the exit status."""
    parser = argparse.ArgumentParser(prog="toycodefirst", description=__doc__.splitlines()[0])
    parser.add_argument("--qmp", action="append", default=[], help="a QMP unix socket path")
    parser.add_argument("--hmp", action="append", default=[], help="an HMP unix socket path")
    parser.add_argument("-S", dest="stopped", action="store_true", help="start stopped")
    ns = parser.parse_args(argv)
    server = build(ns.qmp, ns.hmp, stopped=ns.stopped)
    THERMOSTAT.start(server)
    try:
        server.run()
    finally:
        THERMOSTAT.stop()
    return 0
