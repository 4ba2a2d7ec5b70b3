"""savevm and loadvm across processes: the VM state lives in the qcow2 image.

A first qmonitor saves; a second one, over the same image, loads; a
snapshot whose VM state is not a migration stream fails to load with
QEMU's lines (as QEMU 7.2 answers for it) and leaves the machine usable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from qmonitor.machine.block import qcow2_snapshots as snaps
from qmonitor.machine.block.qcow2_create import qcow2_image
from qmonitor.machine.block.qcow2_meta import Qcow2Meta
from qmonitor_testsupport.procs import qmp_replies

QMONITOR = [sys.executable, "-m", "qmonitor"]
ARGS = [
    "-M", "pc", "-display", "none", "-nodefaults", "-S",
    "-blockdev", "driver=file,filename=d.qcow2,node-name=f",
    "-blockdev", "driver=qcow2,file=f,node-name=q",
]  # fmt: skip


def _hmp(*lines: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"execute": "qmp_capabilities"}]
    for line in lines:
        out.append({"execute": "human-monitor-command", "arguments": {"command-line": line}})
    return out


def _returns(tmp_path: Path, *lines: str) -> list[Any]:
    replies = qmp_replies(QMONITOR, ARGS, _hmp(*lines), tmp_path)
    return [json.loads(r)["return"] for r in replies[1:]]


def test_a_second_process_loads_what_the_first_saved(tmp_path: Path) -> None:
    (tmp_path / "d.qcow2").write_bytes(qcow2_image(1 << 20))
    assert _returns(tmp_path, "savevm first", "info status") == [
        "",
        "VM status: paused (prelaunch)\r\n",
    ]
    meta = Qcow2Meta(str(tmp_path / "d.qcow2"))
    try:
        (snap,) = snaps.read_table(meta)
    finally:
        meta.close()
    assert snap.name == "first" and snap.vm_state_size > 0
    got = _returns(tmp_path, "loadvm first", "loadvm other", "info status")
    assert got == [
        "",
        "Error: Snapshot 'other' does not exist in one or more devices\r\n",
        "VM status: paused (prelaunch)\r\n",
    ]


def test_a_vm_state_that_is_not_a_stream_fails_as_qemus(tmp_path: Path) -> None:
    (tmp_path / "d.qcow2").write_bytes(qcow2_image(1 << 20))
    meta = Qcow2Meta(str(tmp_path / "d.qcow2"))
    try:
        meta.write(snaps.vm_state_offset(meta), b"garbage!" * 10)
        snaps.create(meta, snaps.Qcow2Snapshot("", "bad", vm_state_size=80))
    finally:
        meta.close()
    got = _returns(tmp_path, "loadvm bad", "info status", "loadvm 1")
    assert got == [
        "Not a migration stream\r\nError: Error -22 while loading VM state\r\n",
        "VM status: paused (prelaunch)\r\n",
        "Not a migration stream\r\nError: Error -22 while loading VM state\r\n",
    ]
