"""The monitor's descriptor tables and fd sets (qmonitor.monitor.fds), without sockets.

Descriptors are the ends of pipes and /dev/null: that a descriptor was
closed shows as EOF on its pipe's other end, or as EBADF.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from qmonitor.monitor.fds import FdSets, MonitorFds, fd_param, parse_fd
from qmonitor.qapi.error import QapiError


@pytest.fixture
def opened() -> Iterator[list[int]]:
    """Descriptors a test opens; whatever is still open is closed after it."""
    fds: list[int] = []
    yield fds
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _pipe(opened: list[int]) -> tuple[int, int]:
    r, w = os.pipe()
    opened += [r, w]
    return r, w


def _null(opened: list[int], mode: int) -> int:
    fd = os.open(os.devnull, mode)
    opened.append(fd)
    return fd


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError as exc:
        assert exc.errno == errno.EBADF
        return False
    return True


def _writer_closed(r: int) -> bool:
    os.set_blocking(r, False)
    try:
        return os.read(r, 1) == b""
    except BlockingIOError:
        return False


# -- named descriptors --------------------------------------------------------


def test_getfd_replaces_and_closes_the_old_descriptor(opened: list[int]) -> None:
    fds = MonitorFds()
    r1, w1 = _pipe(opened)
    r2, w2 = _pipe(opened)
    fds.getfd("a", w1)
    fds.getfd("a", w2)
    assert _writer_closed(r1)
    assert not _writer_closed(r2)
    assert fds.names() == ["a"]
    fds.closefd("a")
    assert _writer_closed(r2)
    with pytest.raises(QapiError) as info:
        fds.closefd("a")
    assert info.value.desc == "File descriptor named 'a' not found"


def test_getfd_without_a_descriptor() -> None:
    with pytest.raises(QapiError) as info:
        MonitorFds().getfd("a", -1)
    assert info.value.desc == "No file descriptor supplied via SCM_RIGHTS"


def test_a_name_starting_with_a_digit_is_refused_and_the_descriptor_closed(
    opened: list[int],
) -> None:
    r, w = _pipe(opened)
    fds = MonitorFds()
    with pytest.raises(QapiError) as info:
        fds.getfd("7up", w)
    assert info.value.desc == "Parameter 'fdname' expects a name not starting with a digit"
    assert _writer_closed(r)
    assert fds.names() == []


def test_a_named_descriptor_is_taken_by_its_user(opened: list[int]) -> None:
    fds = MonitorFds()
    fd = _null(opened, os.O_RDONLY)
    fds.getfd("n", fd)
    assert fd_param(fds, "n") == fd
    with pytest.raises(QapiError) as info:
        fd_param(fds, "n")
    assert info.value.desc == "File descriptor named 'n' has not been found"
    assert fd_param(fds, "12") == 12
    with pytest.raises(QapiError) as info:
        fd_param(fds, "1x")
    assert info.value.desc == "Invalid file descriptor number '1x'"


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("17", 17), (" 3", 3), ("+4", 4), ("-0", 0), ("-1", -1), ("", -1),
     ("3x", -1), ("2147483647", 2147483647), ("2147483648", -1), ("٣", -1)],
)  # fmt: skip
def test_parse_fd_reads_as_strtol(text: str, value: int) -> None:
    assert parse_fd(text) == value


# -- fd sets ------------------------------------------------------------------


def test_new_sets_take_the_lowest_free_id_and_list_from_the_highest(opened: list[int]) -> None:
    sets = FdSets()
    a, b, c, d = (_null(opened, os.O_RDONLY) for _ in range(4))
    assert sets.add_fd(a) == {"fdset-id": 0, "fd": a}
    assert sets.add_fd(b, 2, "two") == {"fdset-id": 2, "fd": b}
    assert sets.add_fd(c) == {"fdset-id": 1, "fd": c}
    assert sets.add_fd(d, 2) == {"fdset-id": 2, "fd": d}
    assert sets.query() == [
        {"fdset-id": 2, "fds": [{"fd": b, "opaque": "two"}, {"fd": d}]},
        {"fdset-id": 1, "fds": [{"fd": c}]},
        {"fdset-id": 0, "fds": [{"fd": a}]},
    ]


def test_a_negative_set_id_is_refused(opened: list[int]) -> None:
    with pytest.raises(QapiError) as info:
        FdSets().add_fd(_null(opened, os.O_RDONLY), -3)
    assert info.value.desc == "Parameter 'fdset-id' expects a non-negative value"


def test_remove_fd_closes_while_running_and_frees_the_empty_set(opened: list[int]) -> None:
    sets = FdSets()
    sets.monitor_opened()
    r, w = _pipe(opened)
    other = _null(opened, os.O_RDONLY)
    sets.add_fd(w, 4)
    sets.add_fd(other, 4)
    with pytest.raises(QapiError) as info:
        sets.remove_fd(4, 999)
    assert info.value.desc == "File descriptor named 'fdset-id:4, fd:999' not found"
    with pytest.raises(QapiError) as info:
        sets.remove_fd(5)
    assert info.value.desc == "File descriptor named 'fdset-id:5' not found"
    sets.remove_fd(4, w)
    assert _writer_closed(r)
    assert sets.query() == [{"fdset-id": 4, "fds": [{"fd": other}]}]
    sets.remove_fd(4)
    assert not _is_open(other)
    assert sets.query() == []


def test_nothing_is_closed_while_the_machine_does_not_run(opened: list[int]) -> None:
    running = False
    sets = FdSets(lambda: running)
    fd = _null(opened, os.O_RDONLY)
    sets.add_fd(fd)
    sets.remove_fd(0)
    sets.monitor_opened()
    sets.monitor_closed()
    assert sets.query() == [{"fdset-id": 0, "fds": [{"fd": fd}]}]
    running = True
    sets.cleanup_all()
    assert sets.query() == []
    assert not _is_open(fd)


def test_the_sets_go_when_the_last_client_leaves(opened: list[int]) -> None:
    sets = FdSets()
    sets.monitor_opened()
    sets.monitor_opened()
    fd = _null(opened, os.O_RDONLY)
    sets.add_fd(fd, 1)
    sets.monitor_closed()
    assert sets.query() == [{"fdset-id": 1, "fds": [{"fd": fd}]}]
    sets.monitor_closed()
    assert sets.query() == []
    assert not _is_open(fd)


def test_an_open_duplicate_keeps_its_set(opened: list[int], tmp_path: Path) -> None:
    sets = FdSets()
    sets.monitor_opened()
    path = tmp_path / "disk"
    path.write_bytes(b"data")
    rw = os.open(path, os.O_RDWR)
    opened.append(rw)
    sets.add_fd(rw, 3)
    dup = sets.qemu_open("/dev/fdset/3", os.O_RDWR)
    opened.append(dup)
    assert dup != rw
    assert fcntl.fcntl(dup, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    assert sets.dup_fd_find(dup) == 3
    sets.monitor_closed()
    # No client, but a duplicate is open: the member stays.
    assert sets.query() == [{"fdset-id": 3, "fds": [{"fd": rw}]}]
    sets.remove_fd(3)
    # Removed members are closed even while duplicates are open; the set
    # lives on for its duplicate.
    assert not _is_open(rw)
    assert sets.query() == [{"fdset-id": 3, "fds": []}]
    sets.qemu_close(dup)
    assert not _is_open(dup)
    assert sets.query() == []


def test_qemu_open_matches_the_access_mode(opened: list[int], tmp_path: Path) -> None:
    sets = FdSets()
    path = tmp_path / "f"
    path.write_bytes(b"0123456789")
    ro = os.open(path, os.O_RDONLY)
    wo = os.open(path, os.O_WRONLY)
    opened += [ro, wo]
    sets.add_fd(ro, 0)
    sets.add_fd(wo, 0)
    dup = sets.qemu_open("/dev/fdset/0", os.O_WRONLY | os.O_TRUNC)
    opened.append(dup)
    assert fcntl.fcntl(dup, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY
    assert path.read_bytes() == b""  # O_TRUNC truncates, as open() would
    flags = os.O_RDWR
    with pytest.raises(QapiError) as info:
        sets.qemu_open("/dev/fdset/0", flags)
    assert (
        info.value.desc == f"Could not dup FD for /dev/fdset/0 flags {flags:x}: Permission denied"
    )
    with pytest.raises(QapiError) as info:
        sets.qemu_open("/dev/fdset/8", os.O_RDONLY)
    assert info.value.desc == "Could not dup FD for /dev/fdset/8 flags 0: No such file or directory"
    with pytest.raises(QapiError) as info:
        sets.qemu_open("/dev/fdset/x", os.O_RDONLY)
    assert info.value.desc == "Could not parse fdset /dev/fdset/x"


def test_qemu_open_of_a_path(tmp_path: Path, opened: list[int]) -> None:
    sets = FdSets()
    fd = sets.qemu_open(str(tmp_path / "new"), os.O_WRONLY | os.O_CREAT, 0o600)
    opened.append(fd)
    assert fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    missing = str(tmp_path / "missing")
    with pytest.raises(QapiError) as info:
        sets.qemu_open(missing, os.O_RDONLY)
    assert info.value.desc == f"Could not open '{missing}': No such file or directory"
    with pytest.raises(QapiError) as info:
        sets.qemu_open(str(tmp_path / "no" / "dir"), os.O_WRONLY | os.O_CREAT)
    assert info.value.desc.startswith("Could not create '")
