"""The command-line fuzz corpus compared with QEMU: which inputs to record, and how to run one.

``tools/record_cli_fuzz_cases.py`` draws inputs from
:mod:`qmonitor_testsupport.cli_fuzz`'s generators, runs each through real
QEMU twice and keeps those QEMU refuses (or answers with a listing) the same
way both times; tests/fuzz/test_cli_fuzz.py replays them against qmonitor's
parser, and as a process where QEMU's error comes after parsing.

A recorded input must be harmless to run as a real QEMU: nothing that
forks away (``-daemonize``), listens on or connects to the network, or
names fds it does not have (:func:`recordable`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qmonitor_testsupport.cli_fuzz import config_argv

#: How long a command line may run before it counts as accepted (it is killed then).
STARTUP_SECONDS = 1.0
#: Words that may open a network socket, fork away or touch inherited fds.
_UNSAFE = re.compile(
    r"daemonize|add-fd|host|port|tcp|udp|telnet|tn3270|websocket|vnc|spice|gdb|iscsi"
    r"|incoming|netdev|^--?net$|^--?nic$|localaddr|chroot|runas|/dev|/proc|/sys|fd=|\x00",
)


def recordable(argv: list[str], config: str = "") -> bool:
    """Whether ``argv`` (and the configuration file) may be run as a real QEMU here."""
    return not any(_UNSAFE.search(arg) for arg in argv) and not _UNSAFE.search(config)


def run_exit_case(
    cmd: list[str],
    argv: list[str],
    config: str | None = None,
    seconds: float = STARTUP_SECONDS,
    environ: Callable[[str], dict[str, str]] | None = None,
    errors: str = "surrogateescape",
) -> dict[str, Any]:
    """Run ``cmd`` with ``argv`` (``{tmp}`` expanded) in a fresh folder; what it did.

    With ``config``, the file is written as ``{tmp}/qemu.cfg`` first;
    ``environ`` makes the process's environment from the folder's path.  A
    process still running after ``seconds`` is killed (SIGKILL, so it prints
    nothing more) and recorded as started; so is a daemon whose pid it wrote
    to ``{tmp}/p``.  Output is decoded with ``errors``.
    """
    tmp = tempfile.mkdtemp(prefix="qmonitor-cli-case-")
    try:
        if config is not None:
            (Path(tmp) / "qemu.cfg").write_bytes(
                config.replace("{tmp}", tmp).encode("utf-8", "surrogateescape")
            )
        proc = subprocess.Popen(
            [*cmd, *(arg.replace("{tmp}", tmp) for arg in argv)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp,
            env=None if environ is None else environ(tmp),
        )
        try:
            out, err = proc.communicate(timeout=seconds)
            started = False
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate()
            started = True
        started = _kill_daemon(Path(tmp, "p")) or started
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def text(data: bytes) -> str:
        return data.decode("utf-8", errors).replace(tmp, "{tmp}")

    return {
        "started": started,
        "status": None if started else proc.returncode,
        "stdout": text(out),
        "stderr": text(err),
    }


def _kill_daemon(pidfile: Path) -> bool:
    """Kill the process ``pidfile`` names if it still runs; whether one did."""
    try:
        pid = pidfile.read_text().strip()
    except OSError:
        return False
    if not pid.isdigit() or not os.path.exists(f"/proc/{pid}"):
        return False
    with contextlib.suppress(OSError):
        os.kill(int(pid), signal.SIGKILL)
    return True


def case_argv(case: dict[str, Any]) -> list[str]:
    """The argument vector of a recorded case (a ``-readconfig`` case reads ``{tmp}/qemu.cfg``)."""
    if "config" in case:
        return config_argv("{tmp}/qemu.cfg")
    return list(case["argv"])
