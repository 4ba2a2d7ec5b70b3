"""The lock bytes of a file node (qmonitor.machine.block.locking), seen from another description."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qmonitor.machine.block.locking import (
    ALL,
    CONSISTENT_READ,
    RESIZE,
    WRITE,
    WRITE_UNCHANGED,
    LockError,
    _held_elsewhere,
    device_perm,
    open_lock,
)


@pytest.fixture
def image(tmp_path: Path) -> str:
    path = tmp_path / "disk.raw"
    path.write_bytes(bytes(4096))
    return str(path)


def _locked(path: str) -> list[int]:
    """The lock bytes some other description holds, as a third one tests them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return [b for b in (*range(100, 104), *range(200, 204)) if _held_elsewhere(fd, b)]
    finally:
        os.close(fd)


def test_a_disk_holds_read_and_write_and_shares_all_but_write(image: str) -> None:
    lock = open_lock(image, "auto")
    assert lock is not None
    assert _locked(image) == []  # nothing before its users' permissions come
    lock.prepare(*device_perm(False, True, False))
    lock.commit(*device_perm(False, True, False))
    assert _locked(image) == [100, 101, 201]
    lock.close()
    assert _locked(image) == []


def test_a_second_writer_gets_qemus_error_and_hint(image: str) -> None:
    first, second = open_lock(image, "on"), open_lock(image, "auto")
    assert first is not None and second is not None
    first.commit(*device_perm(False, True, False))
    with pytest.raises(LockError) as info:
        second.prepare(CONSISTENT_READ | WRITE, CONSISTENT_READ | WRITE_UNCHANGED | RESIZE)
    assert info.value.desc == 'Failed to get "write" lock'
    assert info.value.hint == f"Is another process using the image [{image}]?"
    # The failed attempt took nothing: the first one's bytes alone remain.
    second.close()
    assert _locked(image) == [100, 101, 201]
    first.close()


def test_a_reader_that_shares_no_writing_gets_the_shared_lock_error(image: str) -> None:
    first, second = open_lock(image, "auto"), open_lock(image, "auto")
    assert first is not None and second is not None
    first.commit(CONSISTENT_READ | WRITE, ALL)
    with pytest.raises(LockError, match=r'^Failed to get shared "write" lock$'):
        second.prepare(CONSISTENT_READ, CONSISTENT_READ | WRITE_UNCHANGED)
    second.commit(CONSISTENT_READ, ALL)  # sharing everything is fine
    assert _locked(image) == [100, 101]
    first.close()
    second.close()


def test_giving_up_permissions_frees_their_bytes(image: str) -> None:
    lock = open_lock(image, "auto")
    assert lock is not None
    lock.commit(*device_perm(True, False, False))
    assert _locked(image) == [100, 201, 203]  # a CD-ROM: no resizing either
    lock.prepare(CONSISTENT_READ, ALL)
    lock.commit(CONSISTENT_READ, ALL)
    assert _locked(image) == [100]
    lock.close()


def test_locking_off_keeps_no_lock(image: str) -> None:
    assert open_lock(image, "off") is None
