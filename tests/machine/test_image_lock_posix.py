"""Image locks where OFD locks are unavailable: QEMU's fallback to POSIX locks (locking=on).

The OFD lock commands are forced off (``ops=POSIX_OPS``, or a probe whose
F_OFD_GETLK fails as on a kernel without them); the locks are then the
process's POSIX ones, which another process sees with F_GETLK.
"""

from __future__ import annotations

import errno
import fcntl
import subprocess
import sys
from pathlib import Path

import pytest

from qmonitor.machine.block.locking import (
    LOCKS_CAN_BE_LOST,
    NO_OFD_LOCKS,
    OFD_OPS,
    POSIX_OPS,
    device_perm,
    open_lock,
    probe_lock_ops,
)

#: Another process lists the lock bytes someone holds on the image (F_GETLK).
_PEEK = """
import fcntl, os, struct, sys
f = struct.Struct("hhqqi4x")
fd = os.open(sys.argv[1], os.O_RDWR)
held = []
for b in (*range(100, 104), *range(200, 204)):
    reply = fcntl.fcntl(fd, fcntl.F_GETLK, f.pack(fcntl.F_WRLCK, 0, b, 1, 0))
    if f.unpack(reply)[0] != fcntl.F_UNLCK:
        held.append(b)
print(held)
"""


@pytest.fixture
def image(tmp_path: Path) -> str:
    path = tmp_path / "disk.raw"
    path.write_bytes(bytes(4096))
    return str(path)


def _seen_by_another_process(path: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", _PEEK, path], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_probe_falls_back_without_ofd_locks() -> None:
    def no_ofd(fd: int, cmd: int, arg: bytes) -> bytes:
        assert cmd == fcntl.F_OFD_GETLK
        raise OSError(errno.EINVAL, "Invalid argument")

    assert probe_lock_ops(no_ofd) == POSIX_OPS
    assert not POSIX_OPS.ofd
    assert probe_lock_ops() == OFD_OPS  # this kernel has them


def test_locking_on_falls_back_to_posix_locks_with_qemus_warning(image: str) -> None:
    said: list[str] = []
    lock = open_lock(image, "on", POSIX_OPS, said.append)
    assert said == [f"warning: {NO_OFD_LOCKS}\n", LOCKS_CAN_BE_LOST]
    assert lock is not None and lock.ops == POSIX_OPS
    lock.prepare(*device_perm(False, True, False))
    lock.commit(*device_perm(False, True, False))
    assert _seen_by_another_process(image) == "[100, 101, 201]"
    lock.close()
    assert _seen_by_another_process(image) == "[]"


def test_locking_auto_goes_without_ofd_locks(image: str) -> None:
    said: list[str] = []
    assert open_lock(image, "auto", POSIX_OPS, said.append) is None
    assert open_lock(image, "off", POSIX_OPS, said.append) is None
    assert said == []
