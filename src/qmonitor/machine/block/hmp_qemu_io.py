"""HMP ``qemu-io [-d] DEVICE "COMMAND"`` (QEMU 7.2's hmp_qemu_io, block/monitor/block-hmp-cmds.c).

``-d`` names a device by its qdev id (or QOM path) and runs on its
BlockBackend; without it a drive name is tried first, then a node name,
on which a temporary BlockBackend runs the command (its statistics are
seen by nobody).  A failed lookup is the command's error (``Error:
...``).  The command's own text goes where qemu-io sends it
(:mod:`.qemu_io`): standard output, standard error, or this monitor for
what it reports as an error.  A write on a drive's BlockBackend keeps
the write permission it took, as in QEMU (a read-only medium refuses it
again each time).
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Any

from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.block.backend import BlockBackend
    from qmonitor.machine.block.graph import BlockNode
    from qmonitor.machine.block.qemu_io import Target
    from qmonitor.machine.hmp_info import MachineHMP
    from qmonitor.machine.machine import Machine

#: The longest a timer waits here (a day; a longer sleep is as good as forever).
_WAIT_MAX = 86400.0
#: bdrv_lookup_bs(NULL, name)'s text.
NO_DEVICE_NOR_NODE = "Cannot find device='' nor node-name='{}'"


class _MonitorOutput:
    """printf to stdout, fprintf(stderr) to stderr, error_report to the monitor."""

    def __init__(self, mon: MachineHMP) -> None:
        self.mon = mon

    def out(self, text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def err(self, text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    def report(self, text: str) -> None:
        self.mon.printf(text + "\n")

    def monitor(self, text: str) -> None:
        self.mon.printf(text)

    def abort(self) -> None:
        # QEMU wrote each reply as it was made; here replies to a run of
        # requests may still be held back to go out together.
        for mon in self.mon.machine.registry.snapshot():
            mon.write_out_held()
        os.abort()

    def wait(self, seconds: float) -> None:
        # The monitor takes no input until then, as QEMU's, which runs its
        # main loop meanwhile; one without a chardev (human-monitor-command)
        # cannot be suspended, and its reply waits.
        if self.mon.suspend() == 0:
            self.mon.machine.loop.call_later(min(seconds, _WAIT_MAX), self.mon.resume)
        else:
            time.sleep(min(seconds, _WAIT_MAX))


def _target(machine: Machine, node: BlockNode | None, backend: BlockBackend | None) -> Target:
    from qmonitor.machine.block.accounting import QTEST_LATENCY_NS
    from qmonitor.machine.block.backend_cmds import acct_now_ns
    from qmonitor.machine.block.qemu_io import Target
    from qmonitor.machine.guest_actions import check_threshold

    def now() -> int:
        return acct_now_ns(machine)

    def latency(start: int) -> int:
        if machine.virtual_clock is not None:
            return QTEST_LATENCY_NS
        return now() - start

    def hook(written: BlockNode, offset: int, nbytes: int) -> None:
        check_threshold(machine, written, offset + nbytes)

    from qmonitor.machine.block.commands import graph_of

    graph = graph_of(machine)
    if backend is None:
        return Target(node, None, now, latency, hook, graph=graph)
    available = node is not None and not (backend.has_tray and backend.tray_open)
    return Target(node, backend.acct, now, latency, hook, available=available, graph=graph)


def hmp_qemu_io(mon: MachineHMP, args: dict[str, Any]) -> None:
    # Imported here: the interpreter is loaded by the first qemu-io only.
    from qmonitor.machine.block.backend import BlockBackend
    from qmonitor.machine.block.backend_cmds import synced_backends
    from qmonitor.machine.block.commands import graph_of
    from qmonitor.machine.block.qemu_io import run
    from qmonitor.machine.block.qemu_io_cmds import COMMANDS

    machine = mon.machine
    device = args["device"]
    backends = synced_backends(machine)
    backend: BlockBackend | None
    if args.get("qdev"):
        found = backends.drives.get(None, device)
        backend = found if isinstance(found, BlockBackend) else None
        if backend is None:
            raise QapiError("Device does not have a block device backend")
        target = _target(machine, backend.medium, backend)
    else:
        backend = backends.named(device)
        if backend is not None:
            target = _target(machine, backend.medium, backend)
        else:
            node = graph_of(machine).nodes.get(device)
            if node is None:
                raise QapiError(NO_DEVICE_NOR_NODE.format(device))
            target = _target(machine, node, None)
    run(COMMANDS, target, _MonitorOutput(mon), args["command"])


#: The handlers, by command name.
HANDLERS: dict[str, Any] = {"qemu-io": hmp_qemu_io}
