"""The qemu-io commands that move data, and the command table (QEMU 7.2's qemu-io-cmds.c).

``read``, ``write``, ``readv``, ``writev``, ``discard`` and the
asynchronous ``aio_read``, ``aio_write`` and ``aio_flush``, each with
QEMU's options and checks in QEMU's order.  Only the asynchronous
commands account their requests in the drive's statistics, as qemu-io
does; ``aio_write -z`` and the synchronous ones account nothing.  An
asynchronous request completes before the command returns (the null
machine has no I/O in flight), so its report follows at once.  Timing
figures are measured around the request.

``sleep`` holds the monitor (others go on), ``abort`` ends the process
on SIGABRT, as QEMU's does.

``-b`` reads and writes the VM state area of a qcow2 image.

``-c`` writes deflated clusters to a qcow2 node (:mod:`.qcow2_compress`).

Not modelled (an ``x-qmonitor`` report on the monitor): ``truncate``
with preallocation of a qcow2 image, ``reopen``, blkdebug breakpoints
on a blkdebug node, ``wait_break``; ``info``, ``alloc`` and ``map`` on a
drive without a medium (QEMU crashes there).
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable

from qmonitor.machine.block import block_io
from qmonitor.machine.block.accounting import IoType
from qmonitor.machine.block.qemu_io import Command, Context, Getopt, help_text
from qmonitor.machine.block.qemu_io_fmt import INT_MAX, REQUEST_MAX_BYTES, cvtnum, dump, report
from qmonitor.machine.block.qemu_io_info import (
    abort_f,
    alloc_f,
    debug,
    info_f,
    length_f,
    map_f,
    not_modelled,
    sigraise_f,
    sleep_f,
    truncate_f,
)
from qmonitor.machine.block.qemu_io_req import (
    FILE_EMPTY,
    LENGTH_MAX,
    LENGTH_MAX_N,
    NOT_ALIGNED,
    PATTERN_FAILED,
    PATTERN_RANGE,
    Stop,
    acct_done,
    acct_invalid,
    check,
    number,
    options,
    pattern_byte,
    read,
    strerror,
    timed,
    vectors,
    vmstate,
    write,
    write_compressed,
)


def read_f(ctx: Context, words: list[str]) -> None:
    opts, rest = options(ctx, words, "bCl:pP:qs:v", "read")
    if len(rest) != 2:
        ctx.usage("read")
        return
    offset = number(ctx, rest[0])
    count = number(ctx, rest[1])
    if count > REQUEST_MAX_BYTES:
        ctx.out(LENGTH_MAX.format(REQUEST_MAX_BYTES, rest[1]))
        return
    if "P" not in opts and ("l" in opts or "s" in opts):
        ctx.usage("read")
        return
    # Read when the options were (their errors printed then).
    pattern_offset = cvtnum(opts["s"])[0] if "s" in opts else 0
    pattern_count = cvtnum(opts["l"])[0] if "l" in opts else count - pattern_offset
    if pattern_count < 0 or pattern_count + pattern_offset > count:
        ctx.out(PATTERN_RANGE)
        return
    if "b" in opts:
        _aligned(ctx, offset, count)
        got = _timed_vmstate_read(ctx, offset, count)
    elif count > INT_MAX:
        ctx.out(f"read failed: {strerror(errno.ERANGE)}\n")
        return
    else:
        got = _timed_read(ctx, offset, count, "read")
    if got is None:
        return
    buf, elapsed = got
    if "P" in opts:
        byte = pattern_byte(ctx, opts["P"])
        part = buf[pattern_offset : pattern_offset + pattern_count]
        if part != bytes([byte]) * pattern_count:
            ctx.out(PATTERN_FAILED.format(offset + pattern_offset, pattern_count))
    if "q" in opts:
        return
    if "v" in opts:
        ctx.out(dump(buf, offset))
    ctx.out(report("read", elapsed, offset, count, count, 1, "C" in opts))


def _timed_read(ctx: Context, offset: int, count: int, name: str) -> tuple[bytes, int] | None:
    """Read and time it; None (the failure said) if the read failed."""
    result: list[bytes] = []

    def do() -> int:
        err, buf = read(ctx, offset, count)
        result.append(buf)
        return err

    err, elapsed = timed(do)
    if err:
        ctx.out(f"{name} failed: {strerror(err)}\n")
        return None
    return result[0], elapsed


def _timed_vmstate_read(ctx: Context, offset: int, count: int) -> tuple[bytes, int] | None:
    """Read the VM state area and time it; None (the failure said) if it failed."""
    result: list[bytes | None] = []

    def do() -> int:
        result.append(vmstate(ctx, "read", offset, count, None))
        return 0

    _, elapsed = timed(do)
    buf = result[0]
    return None if buf is None else (buf, elapsed)


def _aligned(ctx: Context, offset: int, count: int) -> None:
    if offset % 512:
        ctx.out(NOT_ALIGNED.format(offset, "offset"))
        raise Stop
    if count % 512:
        ctx.out(NOT_ALIGNED.format(count, "count"))
        raise Stop


def write_f(ctx: Context, words: list[str]) -> None:
    opts, rest = options(ctx, words, "bcCfnpP:qs:uz", "write")
    if len(rest) != 2:
        ctx.usage("write")
        return
    for bad, text in _WRITE_CONFLICTS:
        if bad(opts):
            ctx.out(text)
            return
    offset = number(ctx, rest[0])
    count = number(ctx, rest[1])
    if count > REQUEST_MAX_BYTES and "n" not in opts:
        ctx.out(LENGTH_MAX_N.format(REQUEST_MAX_BYTES, rest[1]))
        return
    if "b" in opts or "c" in opts:
        _aligned(ctx, offset, count)
    zero = "z" in opts
    data = b""
    if not zero:
        if "s" in opts:
            data = _from_file(ctx, opts["s"], count)
        else:
            data = bytes([pattern_byte(ctx, opts["P"]) if "P" in opts else 0xCD]) * count
    if "c" in opts:
        err, elapsed = timed(lambda: write_compressed(ctx, offset, data))
        if err:
            ctx.out(f"write failed: {strerror(err)}\n")
        elif "q" not in opts:
            ctx.out(report("wrote", elapsed, offset, count, count, 1, "C" in opts))
        return
    if "b" in opts:
        said: list[bytes | None] = []

        def save() -> int:
            said.append(vmstate(ctx, "write", offset, count, data))
            return 0

        _, elapsed = timed(save)
        if said[0] is not None and "q" not in opts:
            ctx.out(report("wrote", elapsed, offset, count, count, 1, "C" in opts))
        return
    if count > INT_MAX and not zero:
        ctx.out(f"write failed: {strerror(errno.ERANGE)}\n")
        return
    if zero:
        err, elapsed = timed(lambda: _zero(ctx, offset, count, "u" in opts))
    else:
        err, elapsed = timed(lambda: write(ctx, offset, count, data))
    if err:
        ctx.out(f"write failed: {strerror(err)}\n")
        return
    if "q" not in opts:
        ctx.out(report("wrote", elapsed, offset, count, count, 1, "C" in opts))


def _zero(ctx: Context, offset: int, count: int, unmap: bool) -> int:
    return write(ctx, offset, count, None, unmap)


_WRITE_CONFLICTS: tuple[tuple[Callable[[dict[str, str]], bool], str], ...] = (
    (lambda o: "b" in o and "z" in o, "-b and -z cannot be specified at the same time\n"),
    (lambda o: "f" in o and ("b" in o or "c" in o),
     "-f and -b or -c cannot be specified at the same time\n"),
    (lambda o: "n" in o and "z" not in o, "-n requires -z to be specified\n"),
    (lambda o: "u" in o and "z" not in o, "-u requires -z to be specified\n"),
    (lambda o: sum(k in o for k in "zPs") > 1,
     "Only one of -z, -P, and -s can be specified at the same time\n"),
)  # fmt: skip


def _from_file(ctx: Context, name: str, count: int) -> bytes:
    """qemu_io_alloc_from_file: the file's bytes repeated to ``count``."""
    try:
        with open(name, "rb") as file:
            head = file.read(count)
    except OSError as err:
        ctx.output.err(f"{name}: {os.strerror(err.errno or 0)}\n")
        raise Stop from None
    if not head:
        ctx.output.err(FILE_EMPTY.format(name))
        raise Stop
    return (head * (count // len(head) + 1))[:count]


def writev_f(ctx: Context, words: list[str]) -> None:
    opts, rest = options(ctx, words, "CfqP:", "writev")
    if len(rest) < 2:
        ctx.usage("writev")
        return
    offset = number(ctx, rest[0])
    size = sum(vectors(ctx, rest[1:]))
    byte = pattern_byte(ctx, opts["P"]) if "P" in opts else 0xCD
    err, elapsed = timed(lambda: write(ctx, offset, size, bytes([byte]) * size))
    if err:
        ctx.out(f"writev failed: {strerror(err)}\n")
        return
    if "q" not in opts:
        ctx.out(report("wrote", elapsed, offset, size, size, 1, "C" in opts))


def readv_f(ctx: Context, words: list[str]) -> None:
    opts, rest = options(ctx, words, "CP:qv", "readv")
    if len(rest) < 2:
        ctx.usage("readv")
        return
    offset = number(ctx, rest[0])
    size = sum(vectors(ctx, rest[1:]))
    got = _timed_read(ctx, offset, size, "readv")
    if got is None:
        return
    buf, elapsed = got
    if "P" in opts and buf != bytes([pattern_byte(ctx, opts["P"])]) * size:
        ctx.out(PATTERN_FAILED.format(offset, size))
    if "q" in opts:
        return
    if "v" in opts:
        ctx.out(dump(buf, offset))
    ctx.out(report("read", elapsed, offset, size, size, 1, "C" in opts))


def discard_f(ctx: Context, words: list[str]) -> None:
    opts, rest = options(ctx, words, "Cq", "discard")
    if len(rest) != 2:
        ctx.usage("discard")
        return
    offset = number(ctx, rest[0])
    count = number(ctx, rest[1])
    if count > REQUEST_MAX_BYTES:
        ctx.out(LENGTH_MAX.format(REQUEST_MAX_BYTES, rest[1]))
        return

    def do() -> int:
        err = check(ctx, offset, count)
        if err:
            return err
        assert ctx.target.node is not None
        try:
            block_io.discard(ctx.target.node, offset, count)
        except block_io.IoFailed as failed:
            return failed.errno
        return 0

    err, elapsed = timed(do)
    if err:
        ctx.out(f"discard failed: {strerror(err)}\n")
        return
    if "q" not in opts:
        ctx.out(report("discard", elapsed, offset, count, count, 1, "C" in opts))


def aio_read_f(ctx: Context, words: list[str]) -> None:
    getopt = Getopt(words, "CP:iqv", ctx)
    opts: dict[str, str] = {}
    for letter, arg in getopt:
        if letter == "?":
            ctx.usage("aio_read")
            return
        if letter == "P":
            assert arg is not None
            pattern_byte(ctx, arg)
        if letter == "i":
            ctx.out("injecting invalid read request\n")
            acct_invalid(ctx, IoType.READ)
            return
        opts[letter] = arg or ""
    rest = getopt.operands
    if len(rest) < 2:
        ctx.usage("aio_read")
        return
    offset = number(ctx, rest[0])
    try:
        size = sum(vectors(ctx, rest[1:]))
    except Stop:
        acct_invalid(ctx, IoType.READ)
        raise
    t1 = time.monotonic_ns()
    start = ctx.target.now_ns()
    err, buf = read(ctx, offset, size)
    elapsed = time.monotonic_ns() - t1
    if err:
        ctx.out(f"readv failed: {strerror(err)}\n")
        acct_done(ctx, IoType.READ, size, start, True)
        return
    if "P" in opts and buf != bytes([pattern_byte(ctx, opts["P"])]) * size:
        ctx.out(PATTERN_FAILED.format(offset, size))
    acct_done(ctx, IoType.READ, size, start, False)
    if "q" in opts:
        return
    if "v" in opts:
        ctx.out(dump(buf, offset))
    ctx.out(report("read", elapsed, offset, size, size, 1, "C" in opts))


def aio_write_f(ctx: Context, words: list[str]) -> None:
    getopt = Getopt(words, "CfiqP:uz", ctx)
    opts: dict[str, str] = {}
    byte = 0xCD
    for letter, arg in getopt:
        if letter == "?":
            ctx.usage("aio_write")
            return
        if letter == "P":
            assert arg is not None
            # As in QEMU, -P sets the pattern without counting as given for -z.
            byte = pattern_byte(ctx, arg)
            continue
        if letter == "i":
            ctx.out("injecting invalid write request\n")
            acct_invalid(ctx, IoType.WRITE)
            return
        opts[letter] = arg or ""
    rest = getopt.operands
    if len(rest) < 2:
        ctx.usage("aio_write")
        return
    zero = "z" in opts
    if zero and len(rest) != 2:
        ctx.out("-z supports only a single length parameter\n")
        return
    if "u" in opts and not zero:
        ctx.out("-u requires -z to be specified\n")
        return
    offset = number(ctx, rest[0])
    if zero:
        count = number(ctx, rest[1])
        err = _zero(ctx, offset, count, "u" in opts)
        # The zero write's context starts no clock: QEMU measures from 0.
        elapsed = time.monotonic_ns()
        if err:
            ctx.out(f"aio_write failed: {strerror(err)}\n")
        elif "q" not in opts:
            ctx.out(report("wrote", elapsed, offset, count, count, 1, "C" in opts))
        return
    try:
        size = sum(vectors(ctx, rest[1:]))
    except Stop:
        acct_invalid(ctx, IoType.WRITE)
        raise
    t1 = time.monotonic_ns()
    start = ctx.target.now_ns()
    err = write(ctx, offset, size, bytes([byte]) * size)
    elapsed = time.monotonic_ns() - t1
    if err:
        ctx.out(f"aio_write failed: {strerror(err)}\n")
        acct_done(ctx, IoType.WRITE, size, start, True)
        return
    acct_done(ctx, IoType.WRITE, size, start, False)
    if "q" not in opts:
        ctx.out(report("wrote", elapsed, offset, size, size, 1, "C" in opts))


def aio_flush_f(ctx: Context, words: list[str]) -> None:
    start = ctx.target.now_ns()
    acct_done(ctx, IoType.FLUSH, 0, start, False)


def flush_f(ctx: Context, words: list[str]) -> None:
    """blk_flush: its result goes nowhere."""


def help_f(ctx: Context, words: list[str]) -> None:
    if len(words) < 2:
        ctx.out(help_text(""))
        return
    command = find(words[1])
    if command is None:
        ctx.out(f"command {words[1]} not found\n")
        return
    text = help_text(command.name)
    # help_onecmd names the command as it was asked for (an alias too).
    ctx.out(words[1] + text[len(command.name) :])


def _guarded(handler: Callable[[Context, list[str]], None]) -> Callable[[Context, list[str]], None]:
    """A command that ends early where QEMU's returns after printing."""

    def run(ctx: Context, words: list[str]) -> None:
        try:
            handler(ctx, words)
        except Stop:
            return

    return run


def _command(name: str, handler: Callable[[Context, list[str]], None], altname: str = "",
             argmin: int = 0, argmax: int = 0, write: bool = False) -> Command:  # fmt: skip
    return Command(name, _guarded(handler), altname, argmin, argmax, write)


#: The commands by name (qemu-io-cmds.c's cmdtab, sorted by name).
COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        _command("abort", abort_f),
        _command("aio_flush", aio_flush_f),
        _command("aio_read", aio_read_f, argmin=2, argmax=-1),
        _command("aio_write", aio_write_f, argmin=2, argmax=-1, write=True),
        _command("alloc", alloc_f, "a", 1, 2),
        _command("break", debug("Could not set breakpoint: {1}"), argmin=2, argmax=2),
        _command("discard", discard_f, "d", 2, -1, write=True),
        _command("flush", flush_f, "f"),
        _command("help", help_f, "?", 0, 1),
        _command("info", info_f, "i"),
        _command("length", length_f, "l"),
        _command("map", map_f),
        _command("read", read_f, "r", 2, -1),
        _command("readv", readv_f, argmin=2, argmax=-1),
        _command("remove_break", debug("Could not remove breakpoint {0}: {1}"), argmin=1, argmax=1),
        _command("reopen", not_modelled("reopen"), argmax=-1),
        _command("resume", debug("Could not resume request: {1}"), argmin=1, argmax=1),
        _command("sigraise", sigraise_f, argmin=1, argmax=1),
        _command("sleep", sleep_f, argmin=1, argmax=1),
        _command("truncate", truncate_f, "t", 1, 3, write=True),
        _command("wait_break", not_modelled("wait_break"), argmin=1, argmax=1),
        _command("write", write_f, "w", 2, -1, write=True),
        _command("writev", writev_f, argmin=2, argmax=-1, write=True),
    )
}


def find(name: str) -> Command | None:
    """find_command: by name or alias."""
    command = COMMANDS.get(name)
    if command is None:
        command = next((c for c in COMMANDS.values() if c.altname == name), None)
    return command
