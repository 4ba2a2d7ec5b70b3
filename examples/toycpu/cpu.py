"""The toy CPU: an instruction counter in a thread, and its QMP commands.

The CPU executes while the machine runs (``cont``/``stop`` from QMP or
HMP, ``-S`` to start stopped) and its halt line is low.  Each instruction
adds one to ``counter`` and four to ``pc``.  What the schema promises:

- ``query-toycpu``: the registers (runs on the main loop);
- ``toycpu-set``: change the counter or the speed;
- ``toycpu-step``: execute instructions while the machine is stopped;
- ``toycpu-break``: stop the machine when the counter reaches a value,
  raising ``TOYCPU_BREAKPOINT`` and then QEMU's ``STOP``;
- ``toycpu-wait`` (``coroutine``): an ``async def`` handler that waits on
  the main loop, without blocking it, until the counter reaches a value;
- ``toycpu-interrupt`` (``allow-oob``): raise or lower the halt line from
  the monitor I/O thread, even while the main loop is busy.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from qmonitor import MonitorServer, QapiError, embed

#: The schema file, next to this module.
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "toycpu.json")

#: Instructions per millisecond of host time, by ToyCpuSpeed.
SPEEDS = {"slow": 1, "fast": 100, "turbo": 10_000}

#: toycpu-step's limit on one call (the main loop is held meanwhile).
MAX_STEP = 1_000_000

#: Host time between two runs of the CPU thread (seconds).
TICK = 0.001


class ToyCpu:
    """The CPU's registers, its thread, and its command handlers."""

    def __init__(self, server: MonitorServer) -> None:
        self.server = server
        #: Guards the registers: held briefly by the CPU thread and handlers.
        self.lock = threading.Lock()
        self.counter = 0
        self.pc = 0
        self.speed = "slow"
        self.halted = False
        self.breakpoint: int | None = None
        self._stop_pending = False
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._run, name="toycpu", daemon=True)

    # -- the CPU thread ---------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._quit.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _execute(self, count: int) -> None:
        """Retire ``count`` instructions (lock held)."""
        self.counter = (self.counter + count) & 0xFFFF_FFFF_FFFF_FFFF
        self.pc = (self.pc + 4 * count) & 0xFFFF_FFFF

    def _run(self) -> None:
        while not self._quit.wait(TICK):
            if not self.server.running:
                continue
            hit: tuple[int, int] | None = None
            with self.lock:
                if self.halted or self._stop_pending:
                    continue
                count = SPEEDS[self.speed]
                if self.breakpoint is not None and self.breakpoint > self.counter:
                    count = min(count, self.breakpoint - self.counter)
                self._execute(count)
                if self.breakpoint == self.counter:
                    self.breakpoint = None
                    self._stop_pending = True
                    hit = (self.counter, self.pc)
            self._wake_waiters()
            if hit is not None:
                # As a vCPU requests a VM stop: the event now, the stop (and
                # QEMU's STOP event) on the main loop.
                self.server.emit("TOYCPU_BREAKPOINT", counter=hit[0], pc=hit[1])
                self.server.call_soon(self._stop_machine)

    def _stop_machine(self) -> None:
        self.server.vm_stop()
        with self.lock:
            self._stop_pending = False

    def _wake_waiters(self) -> None:
        with self.lock:
            counter = self.counter
            due = [fut for target, fut in self._waiters if counter >= target]
            self._waiters = [(t, f) for t, f in self._waiters if counter < t]
        for fut in due:
            fut.get_loop().call_soon_threadsafe(_resolve, fut)

    # -- command handlers ------------------------------------------------

    def info(self) -> dict[str, Any]:
        with self.lock:
            info: dict[str, Any] = {
                "counter": self.counter,
                "pc": self.pc,
                "running": self.server.running and not self.halted,
                "speed": self.speed,
            }
            if self.breakpoint is not None:
                info["breakpoint"] = self.breakpoint
        return info

    def query_toycpu(self) -> dict[str, Any]:
        return self.info()

    def toycpu_set(self, counter: int | None = None, speed: str | None = None) -> None:
        with self.lock:
            if counter is not None:
                self.counter = counter
            if speed is not None:
                self.speed = speed

    def toycpu_step(self, count: int = 1) -> dict[str, Any]:
        if self.server.running:
            raise QapiError("The toy CPU cannot be stepped while the machine runs")
        if count > MAX_STEP:
            raise QapiError(f"Parameter 'count' expects a value between 0 and {MAX_STEP}")
        with self.lock:
            self._execute(count)
        self._wake_waiters()
        return self.info()

    def toycpu_break(self, counter: int) -> None:
        with self.lock:
            if counter <= self.counter:
                raise QapiError(f"The counter is already at {self.counter}")
            self.breakpoint = counter

    async def toycpu_wait(self, counter: int, timeout: float = 10.0) -> dict[str, Any]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self.lock:
            reached = self.counter >= counter
            if not reached:
                self._waiters.append((counter, fut))
        if not reached:
            try:
                await asyncio.wait_for(fut, timeout)
            except TimeoutError:
                with self.lock:
                    self._waiters = [(t, f) for t, f in self._waiters if f is not fut]
                raise QapiError(f"Timed out waiting for the counter to reach {counter}") from None
        return self.info()

    def toycpu_interrupt(self, halt: bool) -> None:
        # Runs in the monitor I/O thread: it only flips a flag.
        with self.lock:
            self.halted = halt

    def bind(self) -> None:
        """Give the server a handler for each command of toycpu.json."""
        handlers: dict[str, Callable[..., Any]] = {
            "query-toycpu": self.query_toycpu,
            "toycpu-set": self.toycpu_set,
            "toycpu-step": self.toycpu_step,
            "toycpu-break": self.toycpu_break,
            "toycpu-wait": self.toycpu_wait,
            "toycpu-interrupt": self.toycpu_interrupt,
        }
        for name, handler in handlers.items():
            self.server.bind(name, handler)


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the toy CPU with QEMU's command line; return the exit status."""

    def setup(server: MonitorServer) -> Callable[[], None]:
        cpu = ToyCpu(server)
        cpu.bind()
        cpu.start()
        return cpu.stop

    return embed.main(setup, SCHEMA, argv=argv, prog="toycpu")
