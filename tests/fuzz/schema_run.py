"""Run schema-generated argument sets against qmonitor (and QEMU), and judge the replies.

A :class:`Target` is one process (qmonitor or QEMU) with a QMP socket in a
temp dir; it is started again when a request ends it (``quit``).  Every
request waits for its reply (bounded): none in time is a hang, a closed
connection without a reply is a lost reply unless the command ends the
process.  A reply is well-formed when it is a JSON object carrying the
request's id and either ``return`` or an ``error`` of exactly a string
``class`` and ``desc``.

``python tests/fuzz/schema_run.py [N] [--qemu]`` prints the figures:
per command, requests, hangs, lost and malformed replies and, with
``--qemu``, mismatches against QEMU 7.2 on ``-M none -S`` and ``-M pc -S``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schema_args import BAD_KINDS, ArgSet, SchemaWalker

#: A reply later than this is a hang.
REPLY_TIMEOUT = 20.0
#: How long a process may take to listen (a loaded machine is slow to start Python).
START_TIMEOUT = 90.0
#: Typed sets of a command that ends the process: each costs a start.
MAX_TYPED_ENDING = 3
#: Commands whose normal end is the process's (a closed connection is their answer).
ENDS_PROCESS = frozenset({"quit"})
#: Commands that write ``size`` bytes to a file: typed sets write at most
#: this much (a 4 GiB dump takes minutes, and the disk).
WRITES_SIZE = frozenset({"memsave", "pmemsave"})
MAX_WRITE = 1 << 16
#: The machines the comparison runs on (the rest of the command line is the same).
MACHINES = (("-M", "none", "-S"), ("-M", "pc", "-S"))
BASE = ("-display", "none", "-nodefaults")


class Target:
    """One qmonitor or QEMU process serving QMP on a unix socket in ``cwd``."""

    def __init__(self, cmd: Sequence[str], args: Sequence[str], cwd: Path) -> None:
        self.cmd, self.args, self.cwd = list(cmd), list(args), cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.buf = b""
        self.starts = 0
        #: How the process ended when a connection last closed (None: it had not).
        self.exit_status: int | None = None

    def start(self) -> None:
        self.stop()
        path = self.cwd / "fuzz-qmp.sock"
        path.unlink(missing_ok=True)
        errors = self.cwd / "fuzz-stderr.txt"
        with errors.open("wb") as stderr:
            self.proc = subprocess.Popen(
                [*self.cmd, *self.args, "-qmp", f"unix:{path},server=on,wait=off"],
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        self.starts += 1
        end = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None or time.monotonic() > end:
                said = errors.read_bytes()[-500:].decode(errors="replace")
                raise RuntimeError(f"{self.cmd[0]} did not start (exit {self.proc.poll()}): {said}")
            if path.exists():
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(str(path))
                    break
                except OSError:
                    s.close()
            time.sleep(0.01)
        self.sock, self.buf = s, b""
        self._line(time.monotonic() + REPLY_TIMEOUT)  # the greeting
        self.sock.sendall(b'{"execute": "qmp_capabilities"}')
        if self._line(time.monotonic() + REPLY_TIMEOUT) != b'{"return": {}}':
            raise RuntimeError("negotiation failed")

    def closed(self) -> None:
        """The connection closed: note how the process ended (bounded wait), stop it."""
        self.exit_status = None
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.exit_status = self.proc.wait(10)
        self.stop()

    def stop(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def _line(self, deadline: float) -> bytes | None:
        """The next line; None on timeout, b"" when the connection closed."""
        assert self.sock is not None
        while b"\r\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except TimeoutError:
                return None
            except OSError:
                chunk = b""
            if not chunk:
                return b""
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def ask(self, request: dict[str, Any]) -> bytes | None:
        """The reply line to ``request``; None: no reply in time; b"": connection gone."""
        if self.sock is None or (self.proc is not None and self.proc.poll() is not None):
            self.start()
        assert self.sock is not None
        try:
            self.sock.sendall(json.dumps(request).encode())
        except OSError:
            self.start()
            return b""
        deadline = time.monotonic() + REPLY_TIMEOUT
        while True:
            line = self._line(deadline)
            if line is None or line == b"":
                if line == b"":
                    self.closed()  # started again for the next request
                return line
            if line.startswith(b'{"timestamp"') or (
                b'"event": ' in line[:80] and b'"id"' not in line
            ):
                continue
            if request.get("execute") in ENDS_PROCESS and b'"return"' in line:
                self.stop()  # it is on its way out: the next request starts another
            return line


def bounded(s: ArgSet) -> ArgSet:
    """``s``, with a file-writing command's size kept small."""
    size = s.arguments.get("size")
    if s.command in WRITES_SIZE and isinstance(size, int) and size > MAX_WRITE:
        return ArgSet(s.command, s.kind, {**s.arguments, "size": MAX_WRITE}, s.where)
    return s


def well_formed(line: bytes, req_id: Any) -> str | None:
    """None if ``line`` is a proper reply to the request ``req_id``, else what is wrong."""
    try:
        msg = json.loads(line)
    except ValueError:
        return "not JSON"
    if not isinstance(msg, dict):
        return "not an object"
    if msg.get("id") != req_id:
        return f"id {msg.get('id')!r}, sent {req_id!r}"
    keys = set(msg) - {"id"}
    if keys == {"return"}:
        return None
    if keys != {"error"}:
        return f"members {sorted(keys)}"
    err = msg["error"]
    if not isinstance(err, dict) or set(err) != {"class", "desc"}:
        return "error is not {class, desc}"
    if not isinstance(err["class"], str) or not isinstance(err["desc"], str):
        return "class/desc not strings"
    return None


@dataclass
class Figures:
    """Per command: requests sent and what went wrong."""

    requests: Counter[str] = field(default_factory=Counter)
    hangs: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)
    malformed: Counter[str] = field(default_factory=Counter)
    #: Requests that found the process ending cleanly (quit and its like).
    ended: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(self, name).values())

    def note(self, text: str) -> None:
        if len(self.samples) < 20:
            self.samples.append(text[:400])


def run_sets(target: Target, sets: Iterable[ArgSet], figures: Figures) -> None:
    """Send every set to ``target``; count hangs, lost and malformed replies."""
    typed_ending = 0
    for n, s in enumerate(sets):
        req_id = f"f{n}"
        s = bounded(s)
        if s.command in ENDS_PROCESS and s.kind == "typed":
            typed_ending += 1
            if typed_ending > MAX_TYPED_ENDING:
                continue
        figures.requests[s.command] += 1
        line = target.ask(s.request(req_id))
        if line is None:
            figures.hangs[s.command] += 1
            figures.note(f"hang: {s.command} {s.kind} {json.dumps(s.arguments)[:200]}")
            target.start()
        elif line == b"":
            # The process may end on purpose: quit, or an earlier request
            # (set-action reboot=shutdown, then system_reset) that ended it
            # just after its reply.  A clean exit is no lost reply; a crash,
            # or a connection closed on a live process, is.
            if target.exit_status != 0:
                figures.lost[s.command] += 1
                figures.note(
                    f"lost (exit {target.exit_status}): {s.command} {s.kind} "
                    f"{json.dumps(s.arguments)[:200]}"
                )
            else:
                figures.ended[s.command] += 1
        elif (wrong := well_formed(line, req_id)) is not None:
            figures.malformed[s.command] += 1
            figures.note(f"malformed ({wrong}): {s.command}: {line[:200]!r}")


def comparable(walker: SchemaWalker, command: str, count: int, seed: int = 0) -> list[ArgSet]:
    """The sets that may go to QEMU too: bad-argument sets of every command
    (refused before the handler runs) and every set of a ``query-*`` command."""
    sets = walker.sets(command, count, seed)
    if command.startswith("query-"):
        return sets
    return [s for s in sets if s.kind in BAD_KINDS]


@dataclass
class Mismatch:
    """Differences with QEMU, per command."""

    compared: Counter[str] = field(default_factory=Counter)
    #: Error vs error with another class or text, or error vs return.
    errors: Counter[str] = field(default_factory=Counter)
    #: Both returned, with different values (often not deterministic).
    values: Counter[str] = field(default_factory=Counter)
    cases: dict[str, list[tuple[ArgSet, bytes, bytes]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _strip_id(line: bytes) -> Any:
    try:
        msg = json.loads(line)
    except ValueError:
        return line
    if isinstance(msg, dict):
        msg.pop("id", None)
    return msg


def compare(ours: Target, qemu: Target, sets: Iterable[ArgSet], out: Mismatch) -> None:
    for n, s in enumerate(sets):
        req = s.request(f"c{n}")
        a, b = ours.ask(req), qemu.ask(req)
        out.compared[s.command] += 1
        if a is None or b is None or a == b"" or b == b"":
            if a != b:
                out.errors[s.command] += 1
                out.cases[s.command].append((s, a or b"", b or b""))
            continue
        ma, mb = _strip_id(a), _strip_id(b)
        if ma == mb:
            continue
        if isinstance(ma, dict) and isinstance(mb, dict) and "return" in ma and "return" in mb:
            out.values[s.command] += 1
        else:
            out.errors[s.command] += 1
            out.cases[s.command].append((s, a, b))


def introspect(cmd: Sequence[str], args: Sequence[str], cwd: Path) -> list[dict[str, Any]]:
    target = Target(cmd, args, cwd)
    try:
        line = target.ask({"execute": "query-qmp-schema", "id": 0})
        assert line
        schema: list[dict[str, Any]] = json.loads(line)["return"]
        return schema
    finally:
        target.stop()


def fuzz_every_command(
    cmd: Sequence[str], args: Sequence[str], count: int, cwd: Path
) -> tuple[SchemaWalker, Figures]:
    """``count`` sets of every command the process's introspection lists; the figures printed."""
    walker = SchemaWalker(introspect(cmd, args, cwd))
    figures = Figures()
    target = Target(cmd, args, cwd)
    try:
        for command in walker.commands:
            run_sets(target, walker.sets(command, count), figures)
    finally:
        target.stop()
    print(
        f"qmonitor {' '.join(args)}: {len(walker.commands)} commands, "
        f"{figures.total('requests')} requests, {figures.total('hangs')} hangs, "
        f"{figures.total('lost')} lost, {figures.total('malformed')} malformed"
    )
    return walker, figures


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv and argv[0].isdigit() else 20
    with_qemu = "--qemu" in argv
    ours_cmd = [sys.executable, "-m", "qmonitor"]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        for machine in MACHINES:
            args = [*machine, *BASE]
            walker, figures = fuzz_every_command(ours_cmd, args, count, cwd)
            for sample in figures.samples:
                print("  ", sample)
            if not with_qemu:
                continue
            qemu_walker = SchemaWalker(introspect(["qemu-system-x86_64"], args, cwd))
            common = [c for c in qemu_walker.commands if c in walker.entities]
            ours, qemu = Target(ours_cmd, args, cwd), Target(["qemu-system-x86_64"], args, cwd)
            mismatch = Mismatch()
            try:
                for command in common:
                    compare(ours, qemu, comparable(qemu_walker, command, count), mismatch)
            finally:
                ours.stop()
                qemu.stop()
            print(
                f"vs QEMU {' '.join(machine)}: {sum(mismatch.compared.values())} compared, "
                f"{sum(mismatch.errors.values())} error mismatches, "
                f"{sum(mismatch.values.values())} value mismatches"
            )
            for command in sorted(set(mismatch.errors) | set(mismatch.values)):
                errors, values = mismatch.errors[command], mismatch.values[command]
                print(f"  {command}: {errors} errors, {values} values")
                for s, a, b in mismatch.cases[command][:2]:
                    print(f"    {s.kind} {s.where} {json.dumps(s.arguments)[:150]}")
                    print(f"      ours: {a[:200]!r}")
                    print(f"      qemu: {b[:200]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
