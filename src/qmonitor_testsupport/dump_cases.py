"""Guest memory dumps recorded from QEMU 7.2 and replayed against qmonitor.

Each :class:`DumpCase` starts one process, sends QMP commands (``{dir}``
is a fresh directory; HMP through human-monitor-command) and collects
what the client received, normalised as migration transcripts are
(no timestamps, paths as placeholders), and, for every file the process
wrote, its size, mode, SHA-256 and ``readelf -h -l`` output.  A ``pipe``
step passes the write end of a pipe with ``getfd`` so that a detached dump
stays in progress until a ``drain`` step reads the pipe to its end.
The recorder is tools/record_dump.py; the test
tests/machine/dump/test_dump_golden.py replays.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import hashlib
import os
import shutil
import stat
import subprocess
import termios
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qmonitor_testsupport.migration_pair import (
    STEP_TIMEOUT,
    QmpClient,
    _process,
    _subst,
    normalise,
)

#: fcntl's F_GETPIPE_SZ (Linux).
F_GETPIPE_SZ = 1032

PC = ("-M", "pc", "-m", "128", "-S")


@dataclass(frozen=True)
class DumpCase:
    """A command line and the steps of its client."""

    name: str
    args: tuple[str, ...]
    #: ("cmd", name, args) | ("event", name) | ("pipe", fdname) | ("pipe-full",) | ("drain",)
    steps: tuple[tuple[Any, ...], ...]
    description: str = ""
    #: The guest's firmware ran (no ``-S``): SeaBIOS shadowed itself into RAM and
    #: wrote its tables, which the null guest never does, so the files differ.
    firmware_ran: bool = False


def _qmp(name: str, args: dict[str, Any] | None = None) -> tuple[Any, ...]:
    return ("cmd", name, args)


def _hmp(line: str) -> tuple[Any, ...]:
    return ("cmd", "human-monitor-command", {"command-line": line})


def _dump(file: str, **more: Any) -> tuple[Any, ...]:
    return _qmp("dump-guest-memory", {"paging": False, "protocol": f"file:{{dir}}/{file}", **more})


CASES: tuple[DumpCase, ...] = (
    DumpCase(
        "elf-pc",
        PC,
        (
            _qmp("query-dump"),
            _dump("elf"),
            _qmp("query-dump"),
            _dump("paging", paging=True),
            _dump("range", begin=4096, length=8192),
            _dump("bios", begin=0xFFFC0000, length=0x100000),
            _dump("hole", begin=0xA0000000, length=0x1000),
            _dump("hole-overlap", begin=0x8000000, length=0xF8000000),
            _qmp("query-dump"),
            _dump("zero", begin=0, length=0),
            _qmp("query-dump-guest-memory-capability"),
        ),
        "ELF dumps of a -M pc -m 128 -S machine: whole, paging, ranges",
    ),
    DumpCase(
        "elf-pc-smp-running",
        ("-M", "pc", "-m", "64", "-smp", "2"),
        (_dump("elf"), _qmp("query-status"), _qmp("query-dump")),
        "a running two-CPU machine: STOP, DUMP_COMPLETED, RESUME",
        firmware_ran=True,
    ),
    DumpCase(
        "elf-pc-smp-paused",
        ("-M", "pc", "-m", "64", "-smp", "3", "-S"),
        (_dump("elf"), _dump("low", begin=0, length=0x100000)),
        "three CPUs' notes",
    ),
    DumpCase(
        "elf-pc-big",
        ("-M", "pc", "-m", "4160", "-S"),
        (_dump("high", begin=0xFFFFF000, length=0x3000),),
        "RAM above 4 GiB: the blocks around 4 GiB",
    ),
    DumpCase(
        "elf-q35",
        ("-M", "q35", "-m", "128", "-S"),
        (_dump("elf"),),
        "a q35 machine's blocks",
    ),
    DumpCase(
        "formats-pc",
        PC,
        (
            _dump("win", format="win-dmp"),
            _qmp("query-dump"),
            _dump("lzo", format="kdump-lzo"),
            _dump("snappy", format="kdump-snappy"),
            _dump("zlib-paging", format="kdump-zlib", paging=True),
            _dump("zlib-range", format="kdump-zlib", begin=0, length=4096),
            _dump("elf-begin", begin=0),
            _dump("elf-length", length=4096),
            _qmp("dump-guest-memory", {"paging": False, "protocol": "nothing:x"}),
            _qmp("dump-guest-memory", {"paging": False, "protocol": "fd:nosuch"}),
            _qmp("dump-guest-memory", {"paging": False, "protocol": "file:{dir}/no/such"}),
            _qmp("query-dump"),
        ),
        "formats and arguments QEMU refuses",
    ),
    DumpCase(
        "kdump-pc",
        PC,
        (
            _dump("zlib", format="kdump-zlib"),
            _qmp("query-dump"),
            _hmp("dump-guest-memory -z {dir}/h-zlib"),
            _hmp("info dump"),
        ),
        "kdump-zlib: QEMU's flattened kdump file, one zlib stream per page",
    ),
    DumpCase(
        "kdump-pc-smp",
        ("-M", "pc", "-m", "64", "-smp", "2", "-S"),
        (_dump("zlib", format="kdump-zlib", detach=True), ("event", "DUMP_COMPLETED")),
        "kdump-zlib of a two-CPU machine, detached",
    ),
    DumpCase(
        "kdump-q35",
        ("-M", "q35", "-m", "128", "-S"),
        (_dump("zlib", format="kdump-zlib"),),
        "kdump-zlib of a q35 machine",
    ),
    DumpCase(
        "detach-pc",
        PC,
        (
            ("pipe", "dumpfd"),
            _qmp("dump-guest-memory", {"paging": False, "protocol": "fd:dumpfd", "detach": True}),
            _dump("second"),
            _hmp("dump-guest-memory /nonexistent/x"),
            ("pipe-full",),
            _qmp("query-dump"),
            _hmp("info dump"),
            _qmp("query-migrate"),
            _qmp("migrate", {"uri": "exec:cat > /dev/null"}),
            _qmp("query-migrate"),
            ("drain",),
            ("event", "DUMP_COMPLETED"),
            _qmp("query-dump"),
            _hmp("info dump"),
            _dump("detached", detach=True),
            ("event", "DUMP_COMPLETED"),
            _qmp("query-dump"),
            # The detached dump's thread drops its migration blocker after
            # DUMP_COMPLETED (racy); a dump in the command drops it before replying.
            _dump("sync", begin=0, length=4096),
            _qmp("query-migrate"),
        ),
        "a detached dump into a pipe nobody reads yet: a second dump is refused",
    ),
    DumpCase(
        "hmp-pc",
        PC,
        (
            _hmp("info dump"),
            _hmp("dump-guest-memory {dir}/h-elf"),
            _hmp("dump-guest-memory -p {dir}/h-paging"),
            _hmp("dump-guest-memory {dir}/h-range 4096 8192"),
            _hmp("dump-guest-memory -p {dir}/h-prange 0 4096"),
            _hmp("dump-guest-memory -z -l {dir}/h-two"),
            _hmp("dump-guest-memory -w {dir}/h-win"),
            _hmp("dump-guest-memory -l {dir}/h-lzo"),
            _hmp("dump-guest-memory -s {dir}/h-snappy"),
            _hmp("dump-guest-memory -z -p {dir}/h-zp"),
            _hmp("dump-guest-memory {dir}/h-b 4096"),
            _hmp("info dump"),
        ),
        "HMP dump-guest-memory's flags and info dump",
    ),
    DumpCase(
        "memsave-pc",
        ("-M", "pc", "-m", "128", "-smp", "2", "-S"),
        (
            _qmp("memsave", {"val": 0xFFFF0, "size": 16, "filename": "{dir}/reset-vector"}),
            _qmp("memsave", {"val": 0, "size": 8192, "filename": "{dir}/cpu1", "cpu-index": 1}),
            _qmp("memsave", {"val": 0, "size": 16, "filename": "{dir}/cpu2", "cpu-index": 2}),
            _qmp("memsave", {"val": 0, "size": 16, "filename": "{dir}/cpuneg", "cpu-index": -1}),
            _qmp("pmemsave", {"val": 0xFFFC0000, "size": 0x40000, "filename": "{dir}/bios"}),
            _qmp("pmemsave", {"val": 0xE0000, "size": 0x20000, "filename": "{dir}/isa-bios"}),
            _qmp("pmemsave", {"val": 0x7FFF000, "size": 0x2000, "filename": "{dir}/ram-end"}),
            _qmp("pmemsave", {"val": 0, "size": 0, "filename": "{dir}/empty"}),
            _qmp("pmemsave", {"val": 0, "size": 16, "filename": "{dir}/no/such"}),
            _hmp('memsave 0xffff0 16 "{dir}/h-reset"'),
            _hmp('pmemsave 0xfffffff0 16 "{dir}/h-top"'),
            _hmp('pmemsave 0 16 "{dir}/no/such"'),
            _hmp("memsave 0 16 /x -1"),
        ),
        "memsave and pmemsave: what they read and the files they write",
    ),
    DumpCase(
        "none",
        ("-M", "none"),
        (_dump("none"), _qmp("query-dump"), _hmp("info dump")),
        "-M none has no guest memory",
    ),
)


def _readelf(path: Path) -> str | None:
    tool = shutil.which("readelf")
    if tool is None or path.read_bytes()[:4] != b"\x7fELF":
        return None
    out = subprocess.run([tool, "-h", "-l", str(path)], capture_output=True, text=True)
    return out.stdout


def describe_file(path: Path) -> dict[str, Any]:
    """Size, permission bits, SHA-256 and readelf's view of a dump file."""
    data = path.read_bytes()
    out: dict[str, Any] = {
        "size": len(data),
        "mode": oct(stat.S_IMODE(path.stat().st_mode)),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    elf = _readelf(path)
    if elf is not None:
        out["readelf"] = elf
    return out


def run_case(case: DumpCase, command: Sequence[str], workdir: Path) -> dict[str, Any]:
    """Play ``case``; what the client received and the files written."""
    out_dir = workdir / "out"
    out_dir.mkdir()
    names = {"dir": str(out_dir)}
    log: list[tuple[str, dict[str, Any]]] = []
    piped: dict[str, Any] = {}
    reader: threading.Thread | None = None
    read_end = -1
    with contextlib.ExitStack() as stack:
        qmp = workdir / "qmp.sock"
        stack.enter_context(_process(command, case.args, qmp))
        client = QmpClient(qmp, "qmp", log)
        stack.callback(client.close)
        for step in case.steps:
            if step[0] == "cmd":
                client.cmd(step[1], _subst(step[2], names))
            elif step[0] == "event":
                client.wait_event(step[1])
            elif step[0] == "pipe":
                read_end, write_end = os.pipe()
                try:
                    client.cmd("getfd", {"fdname": step[1]}, fd=write_end)
                finally:
                    os.close(write_end)
            elif step[0] == "pipe-full":
                _wait_pipe_full(read_end)
            elif step[0] == "drain":
                fd = read_end
                reader = threading.Thread(target=_hash_pipe, args=(fd, piped))
                reader.start()
                reader.join(60)
        client.drain()
    files = {p.name: describe_file(p) for p in sorted(out_dir.iterdir())}
    if piped:
        files["<pipe>"] = piped
    for path in out_dir.iterdir():
        path.chmod(0o600)
    return {
        "messages": [normalise(m, names) for _, m in log],
        "files": files,
    }


def _wait_pipe_full(fd: int) -> None:
    """Wait (bounded) until the writer filled the pipe and blocks."""
    size = fcntl.fcntl(fd, F_GETPIPE_SZ)
    end = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < end:
        pending = array.array("i", [0])
        fcntl.ioctl(fd, termios.FIONREAD, pending)
        if pending[0] >= size:
            return
        time.sleep(0.01)


def _hash_pipe(fd: int, result: dict[str, Any]) -> None:
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    result.update(size=size, sha256=digest.hexdigest())
