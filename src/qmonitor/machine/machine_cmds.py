"""Machine commands: wake-up, NMI, memory saves, NUMA, FDT, replay, SEV/SGX, PCI, stats, virtio.

Each answers as QEMU 7.2 does for the machine the command line made:
``-M none`` (no CPU, no RAM, no firmware tables) or a PC (CPUs whose NMI
can be raised, RAM and BIOS that ``memsave``/``pmemsave`` read, no EPC
section).  Confidential-computing queries answer as on TCG without SEV;
record/replay is off; the null machine has no virtio device and no
statistics provider.  A PC's PCI bus listing is not modelled.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# QEMU 7.2's texts (softmmu/runstate.c, monitor/qmp-cmds.c, monitor/misc.c,
# hw/core/machine-qmp-cmds.c, replay/replay-debugging.c, target/i386/sev.c,
# target/i386/sgx.c, hw/virtio/virtio.c, qapi/qmp/qerror.h).
WAKEUP_UNSUPPORTED = "wake-up from suspend is not supported by this guest"
NOT_SUSPENDED = "Unable to wake up: guest is not in suspended state"
UNSUPPORTED = "this feature or command is not currently supported"
NOT_A_CPU = "Parameter 'cpu-index' expects a CPU number"
OPEN_FAILED = "Could not open '{}': {}"
ONLY_BEFORE_MACHINE = "The command is permitted only before the machine has been created"
NO_FDT = "This machine doesn't have a FDT"
BREAK_NOT_PLAYING = "setting the breakpoint is allowed only in play mode"
DELETE_BREAK_NOT_PLAYING = "replay breakpoints are allowed only in play mode"
SEEK_WITHOUT_REPLAY = "replay must be enabled to seek"
SEV_NO_MEASURE = "SEV launch measurement is not available"
SEV_NO_KVM = "KVM not enabled"
SEV_NOT_FOR_GUEST = "SEV not enabled for guest"
SEV_NOT_ENABLED = "SEV is not enabled"
SGX_NOT_PC = "SGX is only supported on PC machines"
SGX_NO_EPC = "No EPC regions defined, SGX not available"
SGX_NO_KVM = "SGX is not enabled in KVM"
NOT_VIRTIO = "Path {} is not a VirtIODevice"
NOT_VIRTIO_ELEMENT = "Path {} is not a VirtIO device"

#: query-sev without SEV.
SEV_OFF = {
    "enabled": False,
    "api-major": 0,
    "api-minor": 0,
    "build-id": 0,
    "policy": 0,
    "state": "uninit",
    "handle": 0,
}


def register_machine_commands(machine: Machine) -> None:
    """The machine commands of this module."""
    from qmonitor.machine.queries_ui import is_pc

    schema = machine_schema()
    full = machine.commands.full

    def read_memory(addr: int, size: int) -> bytes:
        board = machine.board
        if board is None:
            # No RAM: what QEMU reads from unassigned memory here is zeros.
            return bytes(size)
        return board.memory.read(addr, size)

    def save(filename: str, addr: int, size: int) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        try:
            # fopen(filename, "wb"): what the umask lets of 0666.
            fd = os.open(filename, flags, 0o666)
        except OSError as exc:
            raise QapiError(OPEN_FAILED.format(filename, exc.strerror)) from None
        try:
            done = 0
            while done < size:
                chunk = read_memory((addr + done) & 0xFFFFFFFFFFFFFFFF, min(size - done, 1 << 20))
                os.write(fd, chunk)
                done += len(chunk)
        finally:
            os.close(fd)

    def system_wakeup() -> None:
        if not is_pc(machine):
            raise QapiError(WAKEUP_UNSUPPORTED)
        # A PC's guest never suspends on the null machine.
        raise QapiError(NOT_SUSPENDED)

    def inject_nmi() -> None:
        if not machine.options.has_cpus:
            raise QapiError(UNSUPPORTED)
        # Each vCPU's NMI line is raised; no guest code runs to see it.

    def memsave(val: int, size: int, filename: str, cpu_index: int | None = None) -> None:
        index = 0 if cpu_index is None else cpu_index
        if not machine.options.has_cpus or not 0 <= index < machine.options.guest.smp.cpus:
            raise QapiError(NOT_A_CPU)
        # Paging is off in a vCPU that never ran: virtual addresses are physical.
        save(filename, val, size)

    def pmemsave(val: int, size: int, filename: str) -> None:
        save(filename, val, size)

    def set_numa_node(options: dict[str, Any]) -> None:
        raise QapiError(ONLY_BEFORE_MACHINE)

    def dumpdtb(filename: str) -> None:
        raise QapiError(NO_FDT)

    def replay_break(icount: int) -> None:
        raise QapiError(BREAK_NOT_PLAYING)

    def replay_delete_break() -> None:
        raise QapiError(DELETE_BREAK_NOT_PLAYING)

    def replay_seek(icount: int) -> None:
        raise QapiError(SEEK_WITHOUT_REPLAY)

    def add_client(fdname: str, **_: Any) -> None:
        from qmonitor.machine.dump_cmd import monitor_fd

        os.close(monitor_fd(fdname))
        raise QapiError("add_client is not modelled")

    def rtc_reset_reinjection() -> None:
        # The RTC never holds back interrupts to reinject.
        return None

    def query_sev() -> dict[str, Any]:
        return dict(SEV_OFF)

    def fail(text: str) -> Any:
        def handler(**_: Any) -> Any:
            raise QapiError(text)

        return handler

    def query_sgx() -> dict[str, Any]:
        raise QapiError(SGX_NO_EPC if is_pc(machine) else SGX_NOT_PC)

    def query_pci() -> list[dict[str, Any]]:
        from qmonitor.machine.devices.state import pc_hotplug

        hotplug = pc_hotplug(machine)
        # A machine without an i440FX or Q35 host bridge (none, isapc, microvm)
        # has no PCI bus.
        return [hotplug.pc.root.query()] if hotplug is not None else []

    def query_stats(filter: dict[str, Any]) -> list[dict[str, Any]]:
        # No accelerator of the null machine provides statistics.
        return []

    def no_virtio_devices() -> list[dict[str, Any]]:
        return []

    def not_virtio(path: str, **_: Any) -> Any:
        raise QapiError(NOT_VIRTIO.format(path))

    def not_virtio_element(path: str, **_: Any) -> Any:
        raise QapiError(NOT_VIRTIO_ELEMENT.format(path))

    for name, handler in (
        ("system_wakeup", system_wakeup),
        ("inject-nmi", inject_nmi),
        ("memsave", memsave),
        ("pmemsave", pmemsave),
        ("set-numa-node", set_numa_node),
        ("dumpdtb", dumpdtb),
        ("replay-break", replay_break),
        ("replay-delete-break", replay_delete_break),
        ("replay-seek", replay_seek),
        ("add_client", add_client),
        ("rtc-reset-reinjection", rtc_reset_reinjection),
        ("query-sev", query_sev),
        ("query-sev-launch-measure", fail(SEV_NO_MEASURE)),
        ("query-sev-capabilities", fail(SEV_NO_KVM)),
        ("sev-inject-launch-secret", fail(SEV_NOT_FOR_GUEST)),
        ("query-sev-attestation-report", fail(SEV_NOT_ENABLED)),
        ("query-sgx", query_sgx),
        ("query-sgx-capabilities", fail(SGX_NO_KVM)),
        ("query-pci", query_pci),
        ("query-stats", query_stats),
        ("x-query-virtio", no_virtio_devices),
        ("x-query-virtio-status", not_virtio),
        ("x-query-virtio-queue-status", not_virtio),
        ("x-query-virtio-vhost-queue-status", not_virtio),
        ("x-query-virtio-queue-element", not_virtio_element),
    ):
        full.register(bind_command(schema, name, handler))
