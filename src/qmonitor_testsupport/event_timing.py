"""Event-timing scenarios driven by qtest, and the player that runs one.

Each scenario of :data:`SCENARIOS` starts a binary with :data:`BASE` plus
the scenario's options, plays qtest lines, QMP commands and pauses, and
notes every QMP event with its arrival time (see :func:`play`).
``tools/record_event_timing.py`` records QEMU with it into
tests/golden/events; tests/machine/test_event_timing.py plays the same
scenarios against qmonitor and compares.
"""

from __future__ import annotations

import calendar
import contextlib
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The command line of every scenario, before its own options.
BASE = [
    "-M",
    "pc",
    "-display",
    "none",
    "-nodefaults",
    "-qtest",
    "unix:{tmp}/qtest.sock",
    "-qmp",
    "unix:{tmp}/qmp.sock,server=on,wait=off",
    "-bios",
    "{tmp}/hlt.bin",
]

#: The firmware: 64 KiB of HLT.  The CPU halts at the reset vector with
#: interrupts off, so the guest touches no port and never resets itself
#: (SeaBIOS would reset once more after a reset, and reboot after 60 s).
HLT_BIOS = b"\xf4" * 65536

#: The guest time the RTC bursts set, but for the seconds (2030-06-15 12:34:00 UTC).
RTC_BASE = calendar.timegm((2030, 6, 15, 12, 34, 0, 0, 0, 0))

#: How long to wait for QEMU to connect or answer.
TIMEOUT = 10.0

Step = tuple[str, Any]


def rtc_burst(seconds: int) -> list[Step]:
    """Set the RTC to RTC_BASE + ``seconds`` with register B's SET bit, then leave SET."""
    bcd = ((seconds // 10) << 4) | (seconds % 10)
    lines = ["outb 0x70 0x0b", "outb 0x71 0x82"]
    for reg, value in ((0x00, bcd), (0x02, 0x34), (0x04, 0x12), (0x07, 0x15), (0x08, 0x06),
                       (0x09, 0x30), (0x32, 0x20)):  # fmt: skip
        lines += [f"outb 0x70 {reg:#04x}", f"outb 0x71 {value:#04x}"]
    lines += ["outb 0x70 0x0b", "outb 0x71 0x02"]
    return [("qtest", line) for line in lines]


def at(seconds: float) -> Step:
    """Wait until ``seconds`` after the script started."""
    return ("at", seconds)


def qmp(command: str, **arguments: Any) -> Step:
    msg: dict[str, Any] = {"execute": command}
    if arguments:
        msg["arguments"] = arguments
    return ("qmp", msg)


def arm(value: int = 0x0E) -> Step:
    """Arm the ib700: 0x0e is QEMU's 2 s, 0x0f its 0 s."""
    return ("qtest", f"outb 0x443 {value:#04x}")


DISARM: Step = ("qtest", "outb 0x441 0x00")


@dataclass
class Scenario:
    name: str
    args: list[str]
    steps: list[Step]
    #: Seconds to keep listening after the last step.
    tail: float = 1.5
    doc: str = ""


def _ib700(action: str) -> list[str]:
    return ["-device", "ib700", "-watchdog-action", action]


SCENARIOS: list[Scenario] = [
    Scenario(
        "rtc_bursts",
        ["-S"],
        [
            *rtc_burst(10),
            at(0.2),
            *rtc_burst(20),
            at(0.4),
            *rtc_burst(30),
            at(2.5),
            *rtc_burst(40),
            at(2.7),
            *rtc_burst(50),
            at(4.8),
            *rtc_burst(5),
        ],
        tail=2.5,
        doc="first at once, 30 held to +1 s, freed at +2 s, 40 at once, 50 held, 5 at once",
    ),
    Scenario(
        "rtc_running",
        [],
        [*rtc_burst(10), at(0.5), *rtc_burst(20), at(1.6), *rtc_burst(30)],
        tail=1.5,
        doc="the throttle runs on the realtime clock whether the VM runs or not",
    ),
    Scenario(
        "ib700_pause",
        _ib700("pause"),
        [
            arm(),
            at(1.0),
            DISARM,
            at(1.5),
            arm(),
            at(4.0),
            qmp("query-status"),
            at(4.2),
            arm(),
            at(5.2),
            qmp("cont"),
            at(8.0),
            qmp("query-status"),
        ],
        tail=1.0,
        doc="disarm works; expiry pauses (status watchdog); the virtual clock stops while paused",
    ),
    Scenario(
        "ib700_reset",
        _ib700("reset"),
        [arm(), at(2.5), arm(0x0F), at(2.7), qmp("query-status")],
        tail=2.5,
        doc="WATCHDOG and a guest reset; the next WATCHDOG is held by the throttle",
    ),
    Scenario(
        "ib700_none",
        _ib700("none"),
        [arm(0x0F), at(0.3), arm(0x0F), at(0.6), arm(0x0F), at(2.3), arm(0x0F)],
        tail=1.5,
        doc="throttled WATCHDOG: the last held one wins and keeps its own timestamp",
    ),
    Scenario("ib700_shutdown", _ib700("shutdown"), [arm()], tail=3.0),
    Scenario("ib700_poweroff", _ib700("poweroff"), [arm()], tail=3.0),
    Scenario("ib700_debug", _ib700("debug"), [arm()], tail=3.0),
    Scenario("ib700_inject_nmi", _ib700("inject-nmi"), [arm()], tail=3.0),
    Scenario(
        "ib700_wide_writes",
        ["-device", "ib700", "-watchdog-action", "none", "-S"],
        [
            ("qtest", "inb 0x443"),
            ("qtest", "inw 0x441"),
            ("qtest", "outw 0x443 0x0e0f"),
            qmp("cont"),
            at(3.3),
            ("qtest", "outw 0x442 0x0f00"),
            at(5.0),
            ("qtest", "outl 0x443 0x0f0f0f0f"),
            at(5.5),
            ("qtest", "outw 0x441 0x0000"),
        ],
        tail=2.0,
        doc="-S: the timer waits for cont; how word and long writes reach the two registers",
    ),
    Scenario(
        "qtest_log_file",
        ["-S", "-qtest-log", "{tmp}/qtest.log"],
        [("qtest", "outb 0x70 0x0b"), ("qtest", "inb 0x71"), ("qtest", "bogus  x"), qmp("quit")],
        tail=0.2,
    ),
]


# --------------------------------------------------------------------------
# The harness


@dataclass
class _Run:
    proc: subprocess.Popen[bytes]
    qtest: socket.socket
    qmp: socket.socket
    lines: queue.Queue[tuple[float, dict[str, Any] | None]] = field(default_factory=queue.Queue)
    stderr: bytearray = field(default_factory=bytearray)


def _reader(sock: socket.socket, out: queue.Queue[tuple[float, dict[str, Any] | None]]) -> None:
    buf = b""
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        now = time.monotonic()
        if not data:
            out.put((now, None))
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.strip():
                out.put((now, json.loads(line)))


def _drain(stream: Any, sink: bytearray) -> None:
    for chunk in iter(lambda: stream.read1(65536), b""):
        sink += chunk


def _start(cmd: list[str], argv: list[str], tmp: str, env: dict[str, str] | None) -> _Run:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.path.join(tmp, "qtest.sock"))
    listener.listen(1)
    listener.settimeout(TIMEOUT)
    proc = subprocess.Popen(
        [*cmd, *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp,
        env=env,
    )
    stderr = bytearray()
    threading.Thread(target=_drain, args=(proc.stderr, stderr), daemon=True).start()
    try:
        qtest, _ = listener.accept()
    finally:
        listener.close()
    qtest.settimeout(TIMEOUT)
    path = os.path.join(tmp, "qmp.sock")
    deadline = time.monotonic() + TIMEOUT
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            break
        except OSError:
            sock.close()
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.01)
    run = _Run(proc, qtest, sock, stderr=stderr)
    threading.Thread(target=_reader, args=(sock, run.lines), daemon=True).start()
    return run


def _next(run: _Run) -> tuple[float, dict[str, Any] | None]:
    return run.lines.get(timeout=TIMEOUT)


def play(cmd: list[str], scenario: Scenario, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` (QEMU or qmonitor) through ``scenario``; return the recording."""
    tmp = tempfile.mkdtemp(prefix="qmonitor-timing-")
    argv = [*BASE, *scenario.args]
    real = [a.replace("{tmp}", tmp) for a in argv]
    Path(tmp, "hlt.bin").write_bytes(HLT_BIOS)
    run = _start(cmd, real, tmp, env)
    events: list[dict[str, Any]] = []
    replies: list[dict[str, Any]] = []
    t0 = wall0 = 0.0

    def note(arrived: float, msg: dict[str, Any] | None) -> dict[str, Any] | None:
        if msg is not None and "event" in msg:
            stamp = msg["timestamp"]["seconds"] + msg["timestamp"]["microseconds"] / 1e6
            entry: dict[str, Any] = {
                "at": round(arrived - t0, 4),
                "stamp": round(stamp - wall0, 4),
                "event": msg["event"],
            }
            if "data" in msg:
                entry["data"] = msg["data"]
            events.append(entry)
            return None
        return msg

    def reply() -> dict[str, Any] | None:
        while True:
            arrived, msg = _next(run)
            if msg is None:
                return None
            if note(arrived, msg) is not None:
                return msg

    try:
        reply()  # greeting
        run.qmp.sendall(b'{"execute": "qmp_capabilities"}\n')
        reply()
        t0, wall0 = time.monotonic(), time.time()
        qtest_buf = b""
        for kind, arg in scenario.steps:
            if kind == "at":
                delay = t0 + arg - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            elif kind == "qtest":
                run.qtest.sendall(arg.encode() + b"\n")
                while b"\n" not in qtest_buf:
                    data = run.qtest.recv(4096)
                    if not data:
                        raise RuntimeError("qtest connection closed")
                    qtest_buf += data
                line, qtest_buf = qtest_buf.split(b"\n", 1)
                replies.append({"qtest": arg, "reply": line.decode()})
            else:
                run.qmp.sendall(json.dumps(arg).encode() + b"\n")
                answer = reply()
                replies.append({"qmp": arg, "reply": answer})
        end = time.monotonic() + scenario.tail
        closed = False
        while (left := end - time.monotonic()) > 0:
            try:
                arrived, msg = run.lines.get(timeout=left)
            except queue.Empty:
                break
            if msg is None:
                closed = True
                break
            note(arrived, msg)
        time.sleep(0.05)
        status = run.proc.poll()
        if closed and status is None:
            # It closed its monitor: it is exiting, however slowly a busy machine lets it.
            with contextlib.suppress(subprocess.TimeoutExpired):
                status = run.proc.wait(TIMEOUT)
        while not run.lines.empty():
            arrived, msg = run.lines.get()
            if msg is not None:
                note(arrived, msg)
    finally:
        if run.proc.poll() is None:
            run.proc.send_signal(signal.SIGKILL)
        run.proc.wait(TIMEOUT)
        run.qtest.close()
        run.qmp.close()
        time.sleep(0.05)
    log_path = Path(tmp, "qtest.log")
    qtest_log = log_path.read_text() if log_path.exists() else None
    # What the process left behind: a unix server's socket file stays when it exit()s.
    sockets_left = sorted(path.name for path in Path(tmp).iterdir() if path.is_socket())
    shutil.rmtree(tmp, ignore_errors=True)
    record: dict[str, Any] = {
        "name": scenario.name,
        "doc": scenario.doc,
        "argv": argv,
        #: Host wall-clock time the script started at (what RTC offsets are relative to).
        "wall0": round(wall0, 6),
        "steps": [list(step) for step in scenario.steps],
        "events": events,
        "replies": replies,
        "exit_status": status,
        "stderr": bytes(run.stderr).decode("utf-8", "replace").replace(tmp, "{tmp}"),
        "sockets_left": sockets_left,
    }
    if qtest_log is not None:
        record["qtest_log"] = qtest_log
    return record
