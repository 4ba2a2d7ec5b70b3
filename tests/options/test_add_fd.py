"""``-add-fd``: inherited descriptors duplicated into the fd sets (softmmu/vl.c's parse_add_fd).

QEMU's texts for bad ``-add-fd`` options are checked against recordings in
tests/monitor/test_fds_golden.py; these tests look at the descriptors.
"""

from __future__ import annotations

import fcntl
import os

import pytest

from qmonitor.machine.qmp_fds import add_fd_options
from qmonitor.monitor.fds import FdSets
from qmonitor.options.cmdline import CmdlineError, parse_args

BASE = ["-M", "none", "-display", "none", "-nodefaults"]


def _inherited() -> int:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.set_inheritable(fd, True)
    return fd


def _closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def test_the_sets_get_close_on_exec_duplicates_and_the_originals_are_closed() -> None:
    a, b = _inherited(), _inherited()
    config = parse_args(
        [*BASE, "-add-fd", f"fd={a},set=4,opaque=first", "-add-fd", f"fd={b},set=1"], "qmonitor"
    )
    assert _closed(a) and _closed(b)
    (dup_a, set_a, opaque_a), (dup_b, set_b, opaque_b) = config.add_fds
    try:
        assert (set_a, opaque_a, set_b, opaque_b) == (4, "first", 1, None)
        for dup in (dup_a, dup_b):
            assert fcntl.fcntl(dup, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
            assert fcntl.fcntl(dup, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY
        sets = FdSets()
        add_fd_options(sets, config.add_fds)
        assert sets.query() == [
            {"fdset-id": 4, "fds": [{"fd": dup_a, "opaque": "first"}]},
            {"fdset-id": 1, "fds": [{"fd": dup_b}]},
        ]
    finally:
        os.close(dup_a)
        os.close(dup_b)


def test_an_error_closes_the_duplicates_already_made() -> None:
    good = _inherited()
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(CmdlineError) as info:
        parse_args([*BASE, "-add-fd", f"fd={good},set=0", "-add-fd", "fd=2,set=0"], "qmonitor")
    assert info.value.status == 1
    assert "-add-fd fd=2,set=0: fd cannot be a standard I/O stream" in info.value.message
    # Nothing new is open, and the inherited descriptor is left to the
    # process's exit, as QEMU leaves it.
    assert len(os.listdir("/proc/self/fd")) == before
    os.close(good)


def test_a_close_on_exec_descriptor_is_not_inherited() -> None:
    fd = os.open(os.devnull, os.O_RDONLY)  # Python opens close-on-exec
    try:
        with pytest.raises(CmdlineError) as info:
            parse_args([*BASE, "-add-fd", f"fd={fd},set=0"], "qmonitor")
        assert info.value.message.endswith("fd is not valid or already in use\n")
    finally:
        os.close(fd)
