"""The opt-in guest (``-qmonitor-guest``): QMP sessions with a qmonitor process.

Each test starts qmonitor with the switch, makes the guest act with an
``x-qmonitor-guest-*`` command and checks the events and answers QEMU 7.2
gives when a real guest does the same (hw/acpi/pcihp.c, hw/ide/atapi.c,
block/accounting.c, block/write-threshold.c, softmmu/runstate.c).
"""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qmonitor.machine.block.accounting import QTEST_LATENCY_NS
from qmonitor_testsupport.procs import end_process, qmonitor_cmd, wait_for_unix_socket

GUEST_COMMANDS = {
    "x-qmonitor-guest-unplug",
    "x-qmonitor-guest-tray",
    "x-qmonitor-guest-disk-io",
    "x-qmonitor-guest-reset",
    "x-qmonitor-guest-shutdown",
    "x-qmonitor-guest-panic",
    "x-qmonitor-guest-balloon",
    "x-qmonitor-guest-virtio-mem",
}
MIB = 1 << 20


class Session:
    """A negotiated QMP connection: each request's reply, and the events before it."""

    def __init__(self, proc: subprocess.Popen[bytes], sock: Path) -> None:
        self.proc = proc
        self.conn = socket.socket(socket.AF_UNIX)
        self.conn.settimeout(20)
        self.conn.connect(str(sock))
        self.reader = self.conn.makefile("rb")
        assert b'"QMP"' in self.reader.readline()
        self.events: list[dict[str, Any]] = []
        assert self("qmp_capabilities") == {"return": {}}

    def __call__(self, command: str, **args: Any) -> dict[str, Any]:
        request: dict[str, Any] = {"execute": command}
        if args:
            request["arguments"] = args
        self.conn.sendall(json.dumps(request).encode())
        while True:
            line = self.reader.readline()
            assert line, f"connection closed before the reply to {command}"
            msg: dict[str, Any] = json.loads(line)
            if "event" not in msg:
                return msg
            del msg["timestamp"]
            self.events.append(msg)

    def take_events(self) -> list[dict[str, Any]]:
        """The events seen so far (and forget them)."""
        events, self.events = self.events, []
        return events

    def rest(self) -> list[dict[str, Any]]:
        """What the server sends until it closes the connection (it exits)."""
        out = []
        for line in self.reader:
            msg = json.loads(line)
            msg.pop("timestamp", None)
            out.append(msg)
        return out


@contextmanager
def qmonitor(tmp_path: Path, *args: str, guest: bool = True) -> Iterator[Session]:
    sock = tmp_path / "qmp.sock"
    argv = [*qmonitor_cmd(), "-display", "none", "-nodefaults", *args]
    argv += ["-qmp", f"unix:{sock},server=on,wait=off"]
    if guest:
        argv.append("-qmonitor-guest")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_unix_socket(sock, proc, timeout=20)
        session = Session(proc, sock)
        try:
            yield session
        finally:
            session.conn.close()
    finally:
        end_process(proc)


def _names(reply: dict[str, Any]) -> set[str]:
    return {c["name"] for c in reply["return"]}


def test_without_the_switch_the_commands_do_not_exist(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "pc", guest=False) as qmp:
        assert not _names(qmp("query-commands")) & GUEST_COMMANDS
        schema = {e["name"] for e in qmp("query-qmp-schema")["return"]}
        assert not schema & GUEST_COMMANDS
        reply = qmp("x-qmonitor-guest-reset")
        assert reply["error"] == {
            "class": "CommandNotFound",
            "desc": "The command x-qmonitor-guest-reset has not been found",
        }


def test_with_the_switch_they_are_listed_and_introspected(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "pc") as qmp:
        assert _names(qmp("query-commands")) >= GUEST_COMMANDS
        schema = {e["name"] for e in qmp("query-qmp-schema")["return"]}
        assert schema >= GUEST_COMMANDS
        assert "x-qmonitor-emit-event" not in schema  # that is -qmonitor-extensions'


def _qdev_ids(qmp: Session) -> list[str]:
    return [d["qdev_id"] for bus in qmp("query-pci")["return"] for d in bus["devices"]]


def test_guest_acks_an_unplug_the_device_goes_with_its_events(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "pc") as qmp:
        assert qmp("device_add", driver="virtio-net-pci", id="n1") == {"return": {}}
        assert qmp("device_del", id="n1") == {"return": {}}
        assert qmp.take_events() == []  # the request waits for the guest
        assert qmp("x-qmonitor-guest-unplug", id="n1") == {"return": {}}
        assert qmp.take_events() == [
            {
                "event": "DEVICE_DELETED",
                "data": {"path": "/machine/peripheral/n1/virtio-backend"},
            },
            {"event": "DEVICE_DELETED", "data": {"device": "n1", "path": "/machine/peripheral/n1"}},
        ]
        assert "n1" not in _qdev_ids(qmp)
        assert qmp("device_del", id="n1")["error"]["class"] == "DeviceNotFound"
        names = [p["name"] for p in qmp("qom-list", path="/machine/peripheral")["return"]]
        assert "n1" not in names


def test_guest_ejects_a_slot_newest_function_first(tmp_path: Path) -> None:
    with qmonitor(
        tmp_path,
        "-M",
        "pc",
        "-device",
        "e1000,addr=5.0,multifunction=on,id=f0",
        "-device",
        "e1000,addr=5.1,id=f1",
        "-device",
        "pci-bridge,id=br0,chassis_nr=1",
        "-device",
        "e1000,bus=br0,addr=2,id=b1",
    ) as qmp:
        assert qmp("x-qmonitor-guest-unplug", id="f0") == {"return": {}}
        assert [e["data"]["device"] for e in qmp.take_events()] == ["f1", "f0"]
        # A device behind a bridge, asked for by its QOM path.
        assert qmp("device_del", id="/machine/peripheral/b1") == {"return": {}}
        assert qmp("x-qmonitor-guest-unplug", id="/machine/peripheral/b1") == {"return": {}}
        assert qmp.take_events() == [
            {"event": "DEVICE_DELETED", "data": {"device": "b1", "path": "/machine/peripheral/b1"}}
        ]
        # A bridge the command line made is not the guest's to eject.
        assert qmp("x-qmonitor-guest-unplug", id="br0") == {"return": {}}
        assert qmp.take_events() == []
        assert "br0" in _qdev_ids(qmp)


def test_guest_refuses_an_unplug(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "pc") as qmp:
        qmp("device_add", driver="e1000", id="e1")
        qmp("device_del", id="e1")
        again = qmp("device_del", id="e1")
        assert again["error"]["desc"] == "Device e1 is already in the process of unplug"
        assert qmp("x-qmonitor-guest-unplug", id="e1", accept=False) == {"return": {}}
        # No event for a PCI device on x86; the request lapsed and may be repeated.
        assert qmp.take_events() == []
        assert "e1" in _qdev_ids(qmp)
        assert qmp("device_del", id="e1") == {"return": {}}
        none = qmp("x-qmonitor-guest-unplug", id="nope")
        assert none["error"] == {"class": "DeviceNotFound", "desc": "Device 'nope' not found"}


def test_guest_cannot_eject_from_a_bus_without_hotplug(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "q35", "-device", "e1000e,id=n0") as qmp:
        reply = qmp("x-qmonitor-guest-unplug", id="n0")
        assert reply["error"]["desc"].startswith("qmonitor: the guest cannot eject 'n0'")


def test_a_paused_guest_does_nothing(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "pc", "-S", "-device", "e1000,id=e1") as qmp:
        qmp("device_del", id="e1")
        reply = qmp("x-qmonitor-guest-unplug", id="e1")
        assert reply["error"]["desc"] == "qmonitor: the guest is not running (the VM is prelaunch)"
        assert qmp("x-qmonitor-guest-reset")["error"]["class"] == "GenericError"
        assert qmp.take_events() == []
        qmp("cont")
        assert qmp("x-qmonitor-guest-unplug", id="e1") == {"return": {}}
        assert [e["event"] for e in qmp.take_events()] == ["RESUME", "DEVICE_DELETED"]


CDROM = ("-blockdev", "null-co,node-name=cd0,size=1048576", "-device", "ide-cd,drive=cd0,id=cd")


def _block(qmp: Session, qdev: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(b for b in qmp("query-block")["return"] if b.get("qdev") == qdev)
    return entry


def test_guest_locks_and_moves_the_tray(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "pc", *CDROM) as qmp:
        assert qmp("x-qmonitor-guest-tray", id="cd", locked=True) == {"return": {}}
        assert qmp.take_events() == []  # locking raises nothing
        assert _block(qmp, "cd")["locked"] is True
        reply = qmp("eject", id="cd")
        assert reply["error"]["desc"] == (
            "Device 'cd' is locked and force was not specified, wait for tray to open and try again"
        )
        refused = qmp("x-qmonitor-guest-tray", id="cd", open=True)
        assert refused["error"]["desc"].startswith("qmonitor: the guest cannot open the tray")
        assert qmp.take_events() == []
        # The guest honours the eject request: it unlocks and opens.
        assert qmp("x-qmonitor-guest-tray", id="cd", locked=False, open=True) == {"return": {}}
        moved = {"device": "", "id": "cd", "tray-open": True}
        assert qmp.take_events() == [{"event": "DEVICE_TRAY_MOVED", "data": moved}]
        info = _block(qmp, "cd")
        assert (info["tray_open"], info["locked"], "inserted" in info) == (True, False, True)
        assert qmp("x-qmonitor-guest-tray", id="cd", open=True) == {"return": {}}
        assert qmp.take_events() == []  # already open: nothing moves
        assert qmp("x-qmonitor-guest-tray", id="cd", open=False, locked=True) == {"return": {}}
        assert qmp.take_events() == [
            {"event": "DEVICE_TRAY_MOVED", "data": {"device": "", "id": "cd", "tray-open": False}}
        ]
        # A forced eject opens the locked tray and unlocks it, as the device does.
        assert qmp("eject", id="cd", force=True) == {"return": {}}
        assert [e["data"]["tray-open"] for e in qmp.take_events()] == [True]
        info = _block(qmp, "cd")
        assert (info["tray_open"], info["locked"], "inserted" in info) == (True, False, False)


def test_a_disk_has_no_tray_and_a_lone_drive_no_guest(tmp_path: Path) -> None:
    disk = ("-blockdev", "null-co,node-name=d0,size=1048576", "-device", "ide-hd,drive=d0,id=hd")
    lone = ("-drive", "if=none,id=lone,driver=null-co")
    with qmonitor(tmp_path, "-M", "pc", *disk, *lone) as qmp:
        reply = qmp("x-qmonitor-guest-tray", id="hd", open=True)
        assert reply["error"]["desc"] == "Device 'hd' does not have a tray"
        reply = qmp("x-qmonitor-guest-disk-io", device="lone", op="flush")
        assert reply["error"]["desc"] == "qmonitor: 'lone' is attached to no guest device"
        reply = qmp("x-qmonitor-guest-disk-io", op="flush")
        assert reply["error"]["desc"] == "Need exactly one of 'device' and 'id'"


def _stats(qmp: Session, qdev: str) -> dict[str, Any]:
    entry = next(s for s in qmp("query-blockstats")["return"] if s.get("qdev") == qdev)
    stats: dict[str, Any] = entry["stats"]
    return stats


def test_disk_requests_move_the_counters_as_qemu_accounts_them(tmp_path: Path) -> None:
    disk = ("-blockdev", "null-co,node-name=d0,size=1048576", "-device", "ide-hd,drive=d0,id=hd")
    with qmonitor(tmp_path, "-M", "pc", "-accel", "qtest", *disk) as qmp:
        before = _stats(qmp, "hd")
        assert "idle_time_ns" not in before  # never accessed
        io = "x-qmonitor-guest-disk-io"
        assert qmp(io, id="hd", op="read", offset=0, bytes=4096) == {"return": {}}
        assert qmp(io, id="hd", op="read", offset=MIB - 512, bytes=512) == {"return": {}}
        assert qmp(io, id="hd", op="write", offset=8192, bytes=1024) == {"return": {}}
        assert qmp(io, id="hd", op="flush") == {"return": {}}
        # Past the end, or not in whole sectors: invalid, refused before any I/O.
        assert qmp(io, id="hd", op="write", offset=MIB, bytes=512) == {"return": {}}
        assert qmp(io, id="hd", op="read", offset=100, bytes=512) == {"return": {}}
        stats = _stats(qmp, "hd")
        assert stats["rd_bytes"] == 4608
        assert stats["rd_operations"] == 2
        assert stats["wr_bytes"] == 1024
        assert stats["wr_operations"] == 1
        assert stats["flush_operations"] == 1
        assert stats["wr_highest_offset"] == 9216
        assert stats["invalid_wr_operations"] == 1
        assert stats["invalid_rd_operations"] == 1
        # Under qtest every request takes 1 ms of a virtual clock that stands still.
        assert stats["rd_total_time_ns"] == 2 * QTEST_LATENCY_NS
        assert stats["wr_total_time_ns"] == QTEST_LATENCY_NS
        assert stats["flush_total_time_ns"] == QTEST_LATENCY_NS
        # The accesses happened at virtual time 0, which QEMU takes for "never".
        assert "idle_time_ns" not in stats
        hmp = qmp("human-monitor-command", **{"command-line": "info blockstats"})["return"]
        assert hmp == (
            ": rd_bytes=4608 wr_bytes=1024 rd_operations=2 wr_operations=1 flush_operations=1 "
            "wr_total_time_ns=1000000 rd_total_time_ns=2000000 flush_total_time_ns=1000000 "
            "rd_merged=0 wr_merged=0 idle_time_ns=0\r\n"
        )
        bad = qmp(io, id="hd", op="erase")
        assert bad["error"]["desc"] == "Parameter 'op' expects read, write, flush or unmap"


def test_writes_fire_the_write_threshold_once(tmp_path: Path) -> None:
    disk = ("-blockdev", "null-co,node-name=d0,size=1048576", "-device", "ide-hd,drive=d0,id=hd")
    with qmonitor(tmp_path, "-M", "pc", *disk) as qmp:
        qmp("block-set-write-threshold", **{"node-name": "d0", "write-threshold": 8192})
        io = "x-qmonitor-guest-disk-io"
        assert qmp(io, id="hd", op="write", offset=0, bytes=8192) == {"return": {}}
        assert qmp.take_events() == []  # up to the threshold, not past it
        assert qmp(io, id="hd", op="write", offset=8192, bytes=1024) == {"return": {}}
        data = {"node-name": "d0", "amount-exceeded": 1024, "write-threshold": 8192}
        assert qmp.take_events() == [{"event": "BLOCK_WRITE_THRESHOLD", "data": data}]
        assert qmp(io, id="hd", op="write", offset=16384, bytes=512) == {"return": {}}
        assert qmp.take_events() == []  # the threshold went with the event
        nodes = qmp("query-named-block-nodes")["return"]
        assert next(n for n in nodes if n["node-name"] == "d0")["write_threshold"] == 0
        # A discard passes the threshold check too, but writes nothing.
        qmp("block-set-write-threshold", **{"node-name": "d0", "write-threshold": 20000})
        assert qmp(io, id="hd", op="unmap", offset=20480, bytes=512) == {"return": {}}
        data = {"node-name": "d0", "amount-exceeded": 992, "write-threshold": 20000}
        assert qmp.take_events() == [{"event": "BLOCK_WRITE_THRESHOLD", "data": data}]
        stats = _stats(qmp, "hd")
        assert stats["wr_highest_offset"] == 16896
        assert (stats["unmap_bytes"], stats["unmap_operations"]) == (512, 1)
        assert stats["idle_time_ns"] >= 0


def test_guest_writes_mark_the_enabled_bitmaps(tmp_path: Path) -> None:
    disk = (
        "-blockdev",
        "null-co,node-name=d0,size=1048576,discard=unmap",
        "-device",
        "ide-hd,drive=d0,id=hd",
    )
    with qmonitor(tmp_path, "-M", "pc", *disk) as qmp:
        qmp("block-dirty-bitmap-add", node="d0", name="b", granularity=4096)
        qmp("block-dirty-bitmap-add", node="d0", name="off", disabled=True)
        io = "x-qmonitor-guest-disk-io"
        assert qmp(io, id="hd", op="write", offset=4096, bytes=8192) == {"return": {}}
        assert qmp(io, id="hd", op="unmap", offset=65536, bytes=512) == {"return": {}}
        assert qmp(io, id="hd", op="read", offset=131072, bytes=512) == {"return": {}}
        nodes = qmp("query-named-block-nodes")["return"]
        counts = {b["name"]: b["count"] for b in nodes[0]["dirty-bitmaps"]}
        assert counts == {"b": 3 * 4096, "off": 0}


def test_writes_to_a_read_only_medium_fail(tmp_path: Path) -> None:
    disk = (
        "-blockdev",
        "null-co,node-name=d0,size=1048576,read-only=on",
        "-device",
        "ide-cd,drive=d0,id=cd",
    )
    with qmonitor(tmp_path, "-M", "pc", *disk) as qmp:
        io = "x-qmonitor-guest-disk-io"
        assert qmp(io, id="cd", op="write", offset=0, bytes=512) == {"return": {}}
        stats = _stats(qmp, "cd")
        assert (stats["failed_wr_operations"], stats["wr_operations"]) == (1, 0)
        assert stats["wr_highest_offset"] == 0
        qmp("x-qmonitor-guest-tray", id="cd", open=True)
        reply = qmp(io, id="cd", op="read", offset=0, bytes=512)
        assert reply["error"]["desc"] == "qmonitor: 'cd' has no medium for the guest to use"


def test_guest_reset_and_reboot_rules(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "pc") as qmp:
        assert qmp("x-qmonitor-guest-reset") == {"return": {}}
        reset = {"event": "RESET", "data": {"guest": True, "reason": "guest-reset"}}
        assert qmp.take_events() == [reset]
        assert qmp("query-status")["return"]["status"] == "running"
    with qmonitor(tmp_path, "-M", "pc", "-no-reboot") as qmp:
        assert qmp("x-qmonitor-guest-reset") == {"return": {}}
        shutdown = {"event": "SHUTDOWN", "data": {"guest": True, "reason": "guest-reset"}}
        assert [*qmp.take_events(), *qmp.rest()] == [shutdown]
        assert qmp.proc.wait(20) == 0


def test_guest_shutdown_and_no_shutdown(tmp_path: Path) -> None:
    shutdown = {"event": "SHUTDOWN", "data": {"guest": True, "reason": "guest-shutdown"}}
    with qmonitor(tmp_path, "-M", "pc") as qmp:
        assert qmp("x-qmonitor-guest-shutdown") == {"return": {}}
        assert [*qmp.take_events(), *qmp.rest()] == [shutdown]
        assert qmp.proc.wait(20) == 0
    with qmonitor(tmp_path, "-M", "pc", "-no-shutdown") as qmp:
        assert qmp("x-qmonitor-guest-shutdown") == {"return": {}}
        assert qmp.take_events() == [shutdown, {"event": "STOP"}]
        assert qmp("query-status")["return"]["status"] == "shutdown"


def test_guest_panic_follows_the_panic_action(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "pc") as qmp:
        assert qmp("x-qmonitor-guest-panic")["error"]["desc"] == (
            "qmonitor: the guest has no pvpanic device"
        )
    with qmonitor(tmp_path, "-M", "pc", "-device", "pvpanic", "-no-shutdown") as qmp:
        assert qmp("x-qmonitor-guest-panic") == {"return": {}}
        assert qmp.take_events() == [
            {"event": "GUEST_PANICKED", "data": {"action": "pause"}},
            {"event": "STOP"},
        ]
        assert qmp("query-status")["return"]["status"] == "guest-panicked"
        assert qmp("set-action", panic="none") == {"return": {}}
        qmp("system_reset")
        qmp("cont")
        qmp.take_events()
        assert qmp("x-qmonitor-guest-panic") == {"return": {}}
        assert qmp.take_events() == [{"event": "GUEST_PANICKED", "data": {"action": "run"}}]
    with qmonitor(tmp_path, "-M", "pc", "-device", "pvpanic") as qmp:
        assert qmp("x-qmonitor-guest-panic") == {"return": {}}
        assert [*qmp.take_events(), *qmp.rest()] == [
            {"event": "GUEST_PANICKED", "data": {"action": "poweroff"}},
            {"event": "STOP"},
            {"event": "SHUTDOWN", "data": {"guest": True, "reason": "guest-panic"}},
        ]


def test_guest_balloon_reports_and_the_change_is_throttled(tmp_path: Path) -> None:
    with qmonitor(tmp_path, "-M", "pc", "-m", "256") as qmp:
        assert qmp("x-qmonitor-guest-balloon")["error"]["desc"] == (
            "qmonitor: the guest has no balloon device"
        )
    with qmonitor(tmp_path, "-M", "pc", "-m", "256", "-device", "virtio-balloon-pci") as qmp:
        assert qmp("query-balloon") == {"return": {"actual": 256 * MIB}}
        assert qmp("balloon", value=128 * MIB) == {"return": {}}
        # Nothing moves until the guest's driver answers.
        assert qmp("query-balloon") == {"return": {"actual": 256 * MIB}}
        assert qmp("x-qmonitor-guest-balloon") == {"return": {}}
        assert qmp("query-balloon") == {"return": {"actual": 128 * MIB}}
        # The same report again changes nothing; a new one within the second is held.
        assert qmp("x-qmonitor-guest-balloon") == {"return": {}}
        assert qmp("x-qmonitor-guest-balloon", actual=200 * MIB) == {"return": {}}
        assert qmp("query-balloon") == {"return": {"actual": 200 * MIB}}
        assert qmp.take_events() == [{"event": "BALLOON_CHANGE", "data": {"actual": 128 * MIB}}]
        # More than the RAM is the whole RAM.
        assert qmp("x-qmonitor-guest-balloon", actual=1 << 40) == {"return": {}}
        assert qmp("query-balloon") == {"return": {"actual": 256 * MIB}}
        assert qmp("stop") == {"return": {}}
        assert "not running" in qmp("x-qmonitor-guest-balloon")["error"]["desc"]


def test_guest_virtio_mem_plugs_and_the_change_is_throttled_per_device(tmp_path: Path) -> None:
    args = (
        "-M", "q35", "-m", "512M,maxmem=2G",
        "-object", "memory-backend-ram,id=b0,size=256M",
        "-object", "memory-backend-ram,id=b1,size=256M",
        "-device", "virtio-mem-pci,id=vm0,memdev=b0,requested-size=64M",
        "-device", "virtio-mem-pci,memdev=b1,requested-size=32M",
    )  # fmt: skip
    vm0, anon = "/machine/peripheral/vm0", "/machine/peripheral-anon/device[0]"
    with qmonitor(tmp_path, *args) as qmp:
        assert qmp("x-qmonitor-guest-virtio-mem", id="vm0") == {"return": {}}
        assert qmp("x-qmonitor-guest-virtio-mem", id="vm0", size=0) == {"return": {}}
        assert qmp("x-qmonitor-guest-virtio-mem", id=anon) == {"return": {}}
        summary = {"base-memory": 512 * MIB, "plugged-memory": 32 * MIB}
        assert qmp("query-memory-size-summary") == {"return": summary}
        change = "MEMORY_DEVICE_SIZE_CHANGE"
        # Throttled per QOM path: the other device's change is not held back.
        assert qmp.take_events() == [
            {"event": change, "data": {"id": "vm0", "size": 64 * MIB, "qom-path": vm0}},
            {"event": change, "data": {"size": 32 * MIB, "qom-path": anon}},
        ]
        held = json.loads(qmp.reader.readline())  # vm0's second, once its second is up
        del held["timestamp"]
        assert held == {"event": change, "data": {"id": "vm0", "size": 0, "qom-path": vm0}}
