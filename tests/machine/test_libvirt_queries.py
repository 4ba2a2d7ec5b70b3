"""query-chardev and a socket chardev's QOM address against real QEMU.

Their replies hold socket paths, so they cannot be golden transcripts (the
temporary directory differs per run): QEMU and qmonitor run one after the
other in the same directory with the same command line instead.  The other
commands libvirt needs are golden cases (tests/golden/qmp/libvirt.json).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qmonitor.machine.migration import CAPABILITIES, MigrationState
from qmonitor.qapi.error import QapiError
from qmonitor_testsupport.procs import QEMU, qmonitor_cmd, qmp_replies

ARGS = (
    "-M", "none", "-display", "none", "-nodefaults",
    "-chardev", "null,id=n0",
    "-chardev", "socket,id=s1,path=s1.sock,server=on,wait=off",
    "-chardev", "socket,id=mx,path=mx.sock,server=on,wait=off,mux=on",
    "-mon", "chardev=mx,mode=readline",
    "-monitor", "unix:hmp.sock,server=on,wait=off",
    "-chardev", "file,id=f0,path=out.txt",
)  # fmt: skip
REQUESTS = (
    {"execute": "qmp_capabilities"},
    {"execute": "query-chardev", "id": 1},
    {"execute": "qom-get", "arguments": {"path": "/chardevs/s1", "property": "addr"}, "id": 2},
    {"execute": "qom-list", "arguments": {"path": "/chardevs"}, "id": 3},
    {"execute": "qom-list", "arguments": {"path": "/chardevs/f0"}, "id": 4},
)


def _replies(cmd: list[str], cwd: Path) -> list[bytes]:
    return qmp_replies(cmd, ARGS, REQUESTS, cwd)


@pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64")
def test_chardev_replies_are_qemus_bytes(tmp_path: Path) -> None:
    assert QEMU is not None
    want = _replies([QEMU], tmp_path)
    got = _replies(qmonitor_cmd(), tmp_path)
    assert b'"frontend-open": false' in want[1] and b'"frontend-open": true' in want[1]
    assert got == want


#: libvirt's serial port: a chardev and an ``isa-serial`` naming it, which opens it.
SERIAL_ARGS = (
    "-M", "pc", "-S", "-display", "none", "-nodefaults",
    "-chardev", "file,id=charserial0,path=serial.txt",
    "-device", "isa-serial,chardev=charserial0,id=serial0,index=0",
    "-chardev", "file,id=spare,path=spare.txt",
)  # fmt: skip


@pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64")
def test_isa_serial_device_opens_its_chardev(tmp_path: Path) -> None:
    assert QEMU is not None
    requests = REQUESTS[:2]
    want = qmp_replies([QEMU], SERIAL_ARGS, requests, tmp_path)
    got = qmp_replies(qmonitor_cmd(), SERIAL_ARGS, requests, tmp_path)
    assert b'"frontend-open": true, "filename": "file", "label": "charserial0"' in want[1]
    assert got == want


def test_capabilities_change_all_or_nothing() -> None:
    state = MigrationState()
    state.set_capabilities([{"capability": "multifd", "state": True}])
    with pytest.raises(QapiError, match="Multifd is not compatible with compress"):
        state.set_capabilities(
            [{"capability": "xbzrle", "state": True}, {"capability": "compress", "state": True}]
        )
    on = [c["capability"] for c in state.query_capabilities() if c["state"]]
    assert on == ["multifd"]
    assert [c["capability"] for c in state.query_capabilities()] == list(CAPABILITIES)
