"""Running two programs on one image: a holder that keeps it open, then a second one.

Used by tools/record_locking.py (QEMU in both roles) and by the live
differential test (QEMU and qmonitor in either role).  The holder gets a
QMP socket and is asked ``query-status`` so that it has surely opened its
images; the second talks QMP on stdin and quits at once if it starts.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qmonitor_testsupport.locking_cases import BASE

Request = tuple[str, dict[str, Any]]

#: What the second program reads on stdin: it quits as soon as it can.
_QUIT = b'{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n'


def make_images(directory: Path, qemu_img: str) -> None:
    """``disk.raw`` and ``disk.qcow2``, 1 MiB each."""
    for fmt, name in (("raw", "disk.raw"), ("qcow2", "disk.qcow2")):
        subprocess.run([qemu_img, "create", "-q", "-f", fmt, name, "1M"], cwd=directory,
                       check=True)  # fmt: skip


class Holder:
    """The first program, started and answering QMP once its images are open."""

    def __init__(self, cmd: list[str], args: tuple[str, ...], directory: Path) -> None:
        path = directory / "holder.sock"
        self.proc = subprocess.Popen(
            [*cmd, *BASE, "-qmp", f"unix:{path},server=on,wait=off", *args], cwd=directory,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(60)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.sock.connect(str(path))
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"holder did not start: {args}") from None
                time.sleep(0.05)
        self.file = self.sock.makefile("rwb")
        self._read()
        for request in ("qmp_capabilities", "query-status"):
            self.file.write(json.dumps({"execute": request}).encode() + b"\n")
            self.file.flush()
            self._read()

    def _read(self) -> dict[str, Any]:
        while True:
            line = self.file.readline()
            if not line:
                raise RuntimeError("the holder closed its monitor")
            message: dict[str, Any] = json.loads(line)
            if "event" not in message:
                return message

    def stop(self) -> None:
        self.sock.close()
        self.proc.kill()
        self.proc.wait()
        assert self.proc.stderr is not None
        self.proc.stderr.close()


def run_second(
    cmd: list[str], args: tuple[str, ...], directory: Path, requests: Sequence[Request] = ()
) -> tuple[int, str, list[dict[str, Any]]]:
    """The second program's exit status, its stderr and its replies to ``requests``."""
    lines = b"".join(
        json.dumps({"execute": name, "arguments": arguments}).encode() + b"\n"
        for name, arguments in requests
    )
    proc = subprocess.run(
        [*cmd, *BASE, "-qmp", "stdio", *args], cwd=directory,
        input=_QUIT[: _QUIT.index(b"\n") + 1] + lines + _QUIT[_QUIT.index(b"\n") + 1 :],
        capture_output=True, timeout=120, env={**os.environ},
    )  # fmt: skip
    replies = []
    for line in proc.stdout.splitlines():
        message = json.loads(line)
        if "return" in message or "error" in message:
            replies.append(message)
    # The first answers qmp_capabilities, the last quit.
    return proc.returncode, proc.stderr.decode(), replies[1:-1]
