"""The machine state a migration carries, taken from one machine and given to another.

What the null machine has that a guest could notice: the machine type
and RAM size (the stream's header; the destination checks them as QEMU
checks its configuration section and RAM block sizes), its run state
when the migration stopped it (QEMU's global state section), the RTC's
registers and time, and the ib700 watchdog's timer.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from qmonitor.machine.migrate.stats import ram_total
from qmonitor.machine.migrate.stream import BAD_STATE, LoadError, encode_header
from qmonitor.machine.runstate import RunState
from qmonitor.monitor.events import SECOND_NS

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


def machine_type(machine: Machine) -> str:
    """The machine type's full name, as QEMU's configuration section carries it."""
    return machine.options.guest.machine_typename or machine.options.machine_type


def ram_size(machine: Machine) -> int:
    """The size of the guest RAM block (``pc.ram``; a machine without RAM: 0)."""
    if ram_total(machine.options.machine_type, machine.options.guest.ram_size) == 0:
        return 0
    return machine.options.guest.ram_size


def header(machine: Machine) -> bytes:
    """The stream's start: magic, version and the machine's configuration."""
    return encode_header(machine_type(machine), ram_size(machine))


def capture(machine: Machine, runstate: str) -> dict[str, Any]:
    """The state to send; ``runstate`` is the one the migration found."""
    out: dict[str, Any] = {"runstate": runstate}
    rtc = machine.rtc
    if rtc is not None:
        out["rtc"] = {"cmos": rtc.cmos.hex(), "guest-ns": rtc.guest_ns()}
    if machine.ib700 is not None:
        out["ib700"] = {"remaining-ns": machine.ib700.remaining_ns()}
    return out


def check(state: dict[str, Any]) -> None:
    """Refuse a state whose members are not what a qmonitor source sends."""
    runstate, rtc = state.get("runstate"), state.get("rtc")
    if runstate not in {s.value for s in RunState}:
        raise LoadError((BAD_STATE,), errno.EINVAL)
    if rtc is not None and not (
        isinstance(rtc, dict)
        and isinstance(rtc.get("cmos"), str)
        and isinstance(rtc.get("guest-ns"), int)
    ):
        raise LoadError((BAD_STATE,), errno.EINVAL)
    try:
        bytes.fromhex(rtc["cmos"]) if rtc is not None else b""
    except ValueError:
        raise LoadError((BAD_STATE,), errno.EINVAL) from None


def apply(machine: Machine, state: dict[str, Any]) -> None:
    """Give the devices the state a checked stream carried."""
    rtc, saved = machine.rtc, state.get("rtc")
    if rtc is not None and isinstance(saved, dict):
        rtc.cmos[:] = bytes.fromhex(saved["cmos"])[: len(rtc.cmos)]
        # The guest's time goes on from where the source left it.
        seconds, ns = divmod(int(saved["guest-ns"]), SECOND_NS)
        rtc.base_rtc, rtc.offset = seconds, 0
        rtc.last_update = rtc.clock.now_ns() - ns
    dog, saved = machine.ib700, state.get("ib700")
    if dog is not None and isinstance(saved, dict):
        remaining = saved.get("remaining-ns")
        if isinstance(remaining, int):
            dog.arm(remaining)
