"""Soak: mixed load on one qmonitor process, its memory and fds sampled.

QMP clients that reconnect after a few commands, a QMP client that has the
machine raise events (``-qmonitor-extensions``) and reads them, an HMP client
on a unix socket with the line editor, all at once.  VmRSS and the number of
open fds are sampled once a second; after a warm-up both must stay flat,
and when the clients are gone the fds are back to where they started.

The short run (QMONITOR_SOAK_SECONDS, 20 by default) is behind the slow
marker; ``QMONITOR_SOAK_SECONDS=1800 pytest -m slow tests/reliability/test_soak.py -s``
is the 30-minute run.  The figures are printed (``-s``) and, with
QMONITOR_SOAK_REPORT=FILE, written there as JSON.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.procs import qmonitor_cmd, running

SECONDS = float(os.environ.get("QMONITOR_SOAK_SECONDS", "20"))
#: Growth of VmRSS tolerated after the warm-up (allocator noise, caches).
RSS_SLACK_KIB = 4096


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Reader:
    """Buffered line reader over a socket."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(str(path))
        self.buf = bytearray()

    def until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        end = self.buf.index(marker) + len(marker)
        out = bytes(self.buf[:end])
        del self.buf[:end]
        return out

    def line(self) -> dict[str, Any]:
        return dict(json.loads(self.until(b"\r\n")))

    def close(self) -> None:
        self.sock.close()


def qmp(path: Path) -> Reader:
    r = Reader(path)
    assert "QMP" in r.line()
    r.sock.sendall(b'{"execute":"qmp_capabilities"}')
    assert r.line() == {"return": {}}
    return r


class Load:
    def __init__(self, qmp_path: Path, events_path: Path, hmp_path: Path) -> None:
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.counts = {"commands": 0, "events": 0, "hmp": 0, "connections": 0}
        self.lock = threading.Lock()
        self.paths = (qmp_path, events_path, hmp_path)

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.counts[what] += n

    def run(self, fn: Any) -> threading.Thread:
        def body() -> None:
            try:
                while not self.stop.is_set():
                    fn()
            except BaseException as err:
                self.errors.append(err)
                self.stop.set()

        t = threading.Thread(target=body, daemon=True)
        t.start()
        return t

    def commands(self) -> None:
        """A client that reconnects every 20 commands."""
        r = qmp(self.paths[0])
        self.count("connections")
        try:
            for i in range(20):
                name = ("query-status", "query-version", "query-commands", "query-name")[i % 4]
                r.sock.sendall(b'{"execute":"%s","id":%d}' % (name.encode(), i))
                while True:
                    msg = r.line()
                    if msg.get("id") == i:
                        break
                hmp_req = (
                    b'{"execute":"human-monitor-command",'
                    b'"arguments":{"command-line":"info status"},"id":"h"}'
                )
                r.sock.sendall(hmp_req)
                while r.line().get("id") != "h":
                    pass
                self.count("commands", 2)
        finally:
            r.close()

    def events(self) -> None:
        """Bursts of events (a throttled one and one that is not), read as they come."""
        r = qmp(self.paths[1])
        self.count("connections")
        try:
            for _ in range(10):
                r.sock.sendall(
                    b'{"execute":"x-qmonitor-emit-events","arguments":'
                    b'{"event":"POWERDOWN","count":200},"id":1}'
                    b'{"execute":"x-qmonitor-emit-events","arguments":'
                    b'{"event":"RTC_CHANGE","data":{"offset":1,"qom-path":"/rtc"},"count":50},"id":2}'
                )
                seen = 0
                while True:
                    msg = r.line()
                    if "event" in msg:
                        seen += 1
                    elif msg.get("id") == 2:
                        break
                self.count("events", seen)
        finally:
            r.close()

    def hmp(self) -> None:
        """An HMP client typing a few commands, then hanging up."""
        r = Reader(self.paths[2])
        self.count("connections")
        try:
            r.until(b"(qemu) ")
            for line in (b"info status\r", b"help info\r", b"info version\r", b"info history\r"):
                r.sock.sendall(line)
                r.until(b"(qemu) ")
                self.count("hmp")
        finally:
            r.close()


@pytest.mark.slow
def test_soak(tmp_path: Path) -> None:
    qmp_path, events_path, hmp_path = (tmp_path / n for n in ("q.sock", "e.sock", "h.sock"))
    extra = [
        "-qmonitor-extensions",
        "-chardev", f"socket,id=ev,path={events_path},server=on,wait=off",
        "-mon", "ev,mode=control",
        "-chardev", f"socket,id=hm,path={hmp_path},server=on,wait=off",
        "-mon", "hm,mode=readline",
    ]  # fmt: skip
    with running(qmonitor_cmd(), extra, qmp_path, probe=True) as proc:
        for p in (events_path, hmp_path):
            while not p.exists():
                time.sleep(0.01)
        time.sleep(0.3)
        base_fds = fds(proc.pid)
        load = Load(qmp_path, events_path, hmp_path)
        threads = [load.run(load.commands), load.run(load.events), load.run(load.hmp)]
        samples: list[tuple[float, int, int]] = []
        start = time.monotonic()
        while time.monotonic() - start < SECONDS and not load.stop.is_set():
            time.sleep(1)
            samples.append((time.monotonic() - start, rss_kib(proc.pid), fds(proc.pid)))
        load.stop.set()
        for t in threads:
            t.join(30)
        assert not load.errors, load.errors
        # Wait for the server to see the last hang-ups.
        end = time.monotonic() + 5
        while fds(proc.pid) != base_fds and time.monotonic() < end:
            time.sleep(0.05)
        final_fds = fds(proc.pid)
    warm = samples[len(samples) // 4 :]
    rss = [s[1] for s in warm]
    report = {
        "seconds": round(samples[-1][0]),
        **load.counts,
        "rss_kib_after_warmup_first": rss[0],
        "rss_kib_min": min(rss),
        "rss_kib_max": max(rss),
        "rss_kib_last": rss[-1],
        "fds_idle": base_fds,
        "fds_max_under_load": max(s[2] for s in samples),
        "fds_after": final_fds,
    }
    print("soak:", json.dumps(report))
    out = os.environ.get("QMONITOR_SOAK_REPORT")
    if out:
        Path(out).write_text(json.dumps({"report": report, "samples": samples}, indent=1))
    assert load.counts["commands"] > 0 and load.counts["events"] > 0 and load.counts["hmp"] > 0
    assert final_fds == base_fds
    # Flat: after the warm-up the resident size stays within the slack.
    assert max(rss) - rss[0] <= RSS_SLACK_KIB, report
    # Each client holds at most its own connection while it runs.
    assert max(s[2] for s in samples) <= base_fds + 3
