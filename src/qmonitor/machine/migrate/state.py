"""The machine state a migration carries, taken from one machine and given to another.

What the null machine has that a guest could notice: its run state when
the migration stopped it (QEMU's global state section), the machine type
and RAM size (checked against the destination's, as QEMU checks its
configuration section and RAM block lengths), the RTC's registers and
offset, and the ib700 watchdog's timer.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from qmonitor.machine.migrate.stats import ram_total
from qmonitor.machine.migrate.stream import MACHINE_TYPE, LoadError
from qmonitor.monitor.events import SECOND_NS

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# QEMU 7.2's texts (migration/ram.c, migration/savevm.c).
LENGTH_MISMATCH = "Length mismatch: {}: 0x{:x} in != 0x{:x}: Invalid argument"
LOAD_STATE_FAILED = "error while loading state for instance 0x0 of device '{}'"
#: The RAM block a PC's guest memory is (hw/i386/pc.c memory_region_init_ram "pc.ram").
RAM_BLOCK = "pc.ram"


def machine_type(machine: Machine) -> str:
    """The machine type's full name, as QEMU's configuration section carries it."""
    return machine.options.guest.machine_typename or machine.options.machine_type


def capture(machine: Machine, runstate: str) -> dict[str, Any]:
    """The state to send; ``runstate`` is the one the migration found."""
    out: dict[str, Any] = {
        "machine-type": machine_type(machine),
        "ram-total": ram_total(machine.options.machine_type, machine.options.guest.ram_size),
        "runstate": runstate,
    }
    rtc = machine.rtc
    if rtc is not None:
        out["rtc"] = {"cmos": rtc.cmos.hex(), "guest-ns": rtc.guest_ns()}
    if machine.ib700 is not None:
        out["ib700"] = {"remaining-ns": machine.ib700.remaining_ns()}
    return out


def check(machine: Machine, state: dict[str, Any]) -> None:
    """Refuse a state this machine cannot take, with QEMU's texts."""
    try:
        mtype, total = state["machine-type"], state["ram-total"]
        runstate = state["runstate"]
    except (KeyError, TypeError):
        raise LoadError((), errno.EINVAL) from None
    local = machine_type(machine)
    if mtype != local:
        raise LoadError((MACHINE_TYPE.format(mtype, local),), errno.EINVAL)
    local_total = ram_total(machine.options.machine_type, machine.options.guest.ram_size)
    if total != local_total:
        raise LoadError(
            (
                LENGTH_MISMATCH.format(RAM_BLOCK, total, local_total),
                LOAD_STATE_FAILED.format("ram"),
            ),
            errno.EINVAL,
        )
    if not isinstance(runstate, str):
        raise LoadError((), errno.EINVAL)


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
