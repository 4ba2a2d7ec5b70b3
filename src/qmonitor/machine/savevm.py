"""savevm, loadvm and delvm: the machine's state in internal snapshots (migration/savevm.c).

Saving stops the VM (``save-vm``), writes qmonitor's machine state (the
migration stream of :mod:`.migrate.state`: its header, then the state)
into the first node that can hold it, takes a snapshot of that name on
every node taking part (:mod:`.block.snapshots`) and runs the VM again if
it ran.  Loading reverts every node, resets the devices (no ``RESET``
event for this cause) and gives the devices the state read back from
the image, so a second process over the same images can load what a
first one saved.  The run state is not taken from the stream: the VM
runs again after a load only if it ran before, as in QEMU.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

from qmonitor.machine.block import qcow2_snapshots, snapshots
from qmonitor.machine.block.commands import graph_of
from qmonitor.machine.block.job_kinds import OneShot
from qmonitor.machine.block.qcow2_snapshots import Qcow2Snapshot, find, vm_state_offset
from qmonitor.machine.migrate import state as machine_state
from qmonitor.machine.migrate.commands import outgoing
from qmonitor.machine.migrate.stream import LoadError, StreamReader, encode_body
from qmonitor.machine.runstate import RunState
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.block.graph import BlockGraph
    from qmonitor.machine.block.jobs import Job
    from qmonitor.machine.hmp_info import MachineHMP
    from qmonitor.machine.machine import Machine

# Texts of migration/savevm.c (QEMU 7.2).
EXISTS = "Snapshot '{}' already exists in one or more devices"
MISSING = "Snapshot '{}' does not exist in one or more devices"
DISK_ONLY = "This is a disk-only snapshot. Revert to it  offline using qemu-img"
LOAD_ERROR = "Error {} while loading VM state"
NO_SNAPSHOT = "There is no snapshot available.\n"
ON_ALL_DISKS = "List of snapshots present on all disks:\n"
PARTIAL = "\nList of partial (non-loadable) snapshots on '{}':\n"


def vm_state(machine: Machine) -> bytes:
    """The stream saved: the configuration, then the state with the run state it had."""
    state = machine_state.capture(machine, machine.runstate.value)
    return machine_state.header(machine) + encode_body(state)


def save_snapshot(
    machine: Machine,
    graph: BlockGraph,
    name: str | None,
    overwrite: bool,
    vmstate: str | None = None,
    devices: list[str] | None = None,
) -> None:
    """save_snapshot: check, stop, write the VM state, snapshot every node, run again."""
    snapshots.check_all(graph, devices)
    if name is not None:
        if overwrite:
            snapshots.delete_all(graph, name, devices)
        elif snapshots.has_all(graph, name, devices):
            raise QapiError(EXISTS.format(name))
    target = snapshots.vmstate_node(graph, vmstate, devices)
    was_running = machine.runstate.is_running
    data = vm_state(machine)
    machine.vm_stop(RunState.SAVE_VM)
    try:
        outgoing(machine).savevm(len(data))
        now = time.time_ns()
        seconds, micro = now // 1_000_000_000, now // 1000 % 1_000_000
        if name is None:
            name = time.strftime("vm-%Y%m%d%H%M%S", time.localtime(seconds))
        with snapshots.image(target) as meta:
            meta.write(vm_state_offset(meta), data)
        for node in snapshots.nodes_for(graph, devices):
            if node is not target and not snapshots.included(node, devices):
                continue
            snap = Qcow2Snapshot(
                "", name, vm_state_size=len(data) if node is target else 0,
                date_sec=seconds, date_nsec=micro * 1000,
                vm_clock_nsec=machine.guest_clock.now_ns(),
            )  # fmt: skip
            try:
                with snapshots.image(node) as meta:
                    qcow2_snapshots.create(meta, snap)
            except QapiError:
                with contextlib.suppress(QapiError):
                    snapshots.delete_all(graph, name, devices)
                raise QapiError(snapshots.CREATE_FAILED.format(name, node.name)) from None
    finally:
        if was_running:
            machine.vm_start()


def load_snapshot(
    machine: Machine,
    graph: BlockGraph,
    name: str,
    vmstate: str | None = None,
    devices: list[str] | None = None,
) -> None:
    """load_snapshot: revert every node, reset, load the VM state the snapshot holds."""
    snapshots.check_all(graph, devices)
    if not snapshots.has_all(graph, name, devices):
        raise QapiError(MISSING.format(name))
    target = snapshots.vmstate_node(graph, vmstate, devices)
    snap = find(snapshots.listing(target), name)
    if snap is None:
        raise QapiError(MISSING.format(name))
    if snap.vm_state_size == 0:
        raise QapiError(DISK_ONLY)
    for node in snapshots.nodes_for(graph, devices):
        if not snapshots.included(node, devices):
            continue
        with snapshots.image(node) as meta:
            found = find(qcow2_snapshots.read_table(meta), name)
            try:
                if found is None:
                    raise QapiError(snapshots.NOT_FOUND)
                qcow2_snapshots.goto(meta, found)
            except QapiError as err:
                raise QapiError(snapshots.LOAD_FAILED.format(name, node.name) + err.desc) from None
    with snapshots.image(target) as meta:
        data = meta.read(vm_state_offset(meta), snap.vm_state_size)
    # qemu_system_reset(SNAPSHOT_LOAD): the devices reset, no RESET event, the
    # run state left alone.
    if machine.ib700 is not None:
        machine.ib700.reset()
    if machine.board is not None:
        machine.board.reset()
    reader = StreamReader(machine_state.machine_type(machine), machine_state.ram_size(machine))
    try:
        reader.feed(data)
        reader.eof()
        assert reader.state is not None
        machine_state.check(reader.state)
    except LoadError as err:
        from qmonitor.monitor.monitor import error_printf

        # qemu_loadvm_state's error_report lines, on the monitor that asked.
        for line in err.messages:
            error_printf(line + "\n")
        raise QapiError(LOAD_ERROR.format(-err.errno)) from None
    machine_state.apply(machine, reader.state)


def delete_snapshot(graph: BlockGraph, name: str, devices: list[str] | None = None) -> None:
    """delete_snapshot."""
    snapshots.check_all(graph, devices)
    snapshots.delete_all(graph, name, devices)


# ------------------------------------------------------------------ HMP


def hmp_savevm(mon: MachineHMP, args: dict[str, Any]) -> None:
    save_snapshot(mon.machine, graph_of(mon.machine), args.get("name"), True)


def hmp_loadvm(mon: MachineHMP, args: dict[str, Any]) -> None:
    machine = mon.machine
    was_running = machine.runstate.is_running
    machine.vm_stop(RunState.RESTORE_VM)
    load_snapshot(machine, graph_of(machine), args["name"])
    if was_running:
        machine.vm_start()


def hmp_delvm(mon: MachineHMP, args: dict[str, Any]) -> None:
    delete_snapshot(graph_of(mon.machine), args["name"])


def dump_line(snap: Qcow2Snapshot | None, id: str | None = None) -> str:
    """bdrv_snapshot_dump: the column titles, or one snapshot (no newline)."""
    from qmonitor.machine.devices.facts import size_to_str

    if snap is None:
        return f"{'ID':<10}{'TAG':<17}{'VM SIZE':>8}{'DATE':>20}{'VM CLOCK':>13}{'ICOUNT':>11}"
    date = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(snap.date_sec))
    secs, ms = snap.vm_clock_nsec // 1_000_000_000, snap.vm_clock_nsec // 1_000_000 % 1000
    clock = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.{ms:03d}"
    icount = "" if snap.icount == qcow2_snapshots.NO_ICOUNT else str(snap.icount)
    ident = snap.id if id is None else id
    return (
        f"{ident:<9} {snap.name:<16} {size_to_str(snap.vm_state_size):>8}{date:>20}"
        f"{clock:>13}{icount:>11}"
    )


def info_snapshots(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_snapshots: the snapshots on every disk, then those only some disks have."""
    graph = graph_of(mon.machine)
    try:
        target = snapshots.vmstate_node(graph, None, None)
    except QapiError as err:
        mon.printf(err.desc + "\n")
        return
    own = snapshots.listing(target)
    images: list[list[Qcow2Snapshot]] = []
    for node in snapshots.iterated(graph):
        if snapshots.can_snapshot(node):
            found = snapshots.listing(node)
            if found:
                images.append(found)
    if not images:
        mon.printf(NO_SNAPSHOT)
        return
    everywhere = [s for s in own if snapshots.has_all(graph, s.name, None)]
    names = {s.name for s in everywhere}
    out = ON_ALL_DISKS
    if everywhere:
        out += dump_line(None) + "\n"
        out += "".join(dump_line(s, "--") + "\n" for s in everywhere)
    else:
        out += "None\n"
    for found in images:
        rest = [s for s in found if s.name not in names]
        if rest:
            # bdrv_get_device_name: nodes of -blockdev have no device name.
            out += PARTIAL.format("") + dump_line(None) + "\n"
            out += "".join(dump_line(s) + "\n" for s in rest)
    mon.printf(out)


def hmp_snapshot_blkdev_internal(mon: MachineHMP, args: dict[str, Any]) -> None:
    """The QMP command blockdev-snapshot-internal-sync, from HMP."""
    from qmonitor.machine.hmp_info import qmp

    qmp(mon, "blockdev-snapshot-internal-sync", {"device": args["device"], "name": args["name"]})


def hmp_snapshot_delete_blkdev_internal(mon: MachineHMP, args: dict[str, Any]) -> None:
    """blockdev-snapshot-delete-internal-sync from HMP: its reply is not shown."""
    from qmonitor.machine.hmp_info import qmp

    arguments = {"device": args["device"], "name": args["name"]}
    if args.get("id") is not None:
        arguments["id"] = args["id"]
    qmp(mon, "blockdev-snapshot-delete-internal-sync", arguments)


# ------------------------------------------------------------------ QMP jobs


class SnapshotJob(OneShot):
    """snapshot-save, snapshot-load and snapshot-delete: their work in one bottom half."""

    machine: Machine

    def work(self, job: Job) -> None:
        args, graph = self.args, self.graph
        # What every kind checks first, before the machine is touched.
        snapshots.check_all(graph, args["devices"])
        if self.job_type == "snapshot-save":
            save_snapshot(self.machine, graph, args["tag"], False, args["vmstate"], args["devices"])
        elif self.job_type == "snapshot-load":
            machine = self.machine
            was_running = machine.runstate.is_running
            machine.vm_stop(RunState.RESTORE_VM)
            load_snapshot(machine, graph, args["tag"], args["vmstate"], args["devices"])
            if was_running:
                machine.vm_start()
        else:
            delete_snapshot(graph, args["tag"], args["devices"])


def snapshot_job(machine: Machine) -> Any:
    """A job driver factory with the machine the jobs act on, as ``one_shot`` takes one."""

    def make(graph: Any, args: dict[str, Any], job_type: str) -> SnapshotJob:
        job = SnapshotJob(graph, args, job_type)
        job.machine = machine
        return job

    return make
