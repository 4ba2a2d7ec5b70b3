"""Who sent the signal: QEMU's "terminating on signal N from pid P (NAME)" line."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qmonitor.util.sigwatch import (
    TERMINATION_SIGNALS,
    UNKNOWN_PROCESS,
    SignalWatcher,
    sender_name,
    termination_message,
)
from qmonitor_testsupport.procs import BASE_ARGS, wait_for_unix_socket

QEMU = shutil.which("qemu-system-x86_64")


def test_the_sender_is_named_by_its_argv0() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        for _ in range(500):  # until the child has run exec
            if sender_name(child.pid) == "sleep":
                break
            time.sleep(0.01)
        assert sender_name(child.pid) == "sleep"
    finally:
        child.kill()
        child.wait()
    assert sender_name(2**22 + 12345) == UNKNOWN_PROCESS  # no such process


def test_the_message_has_the_sender_unless_the_kernel_sent_it() -> None:
    assert termination_message("q", 1, 0) == "q: terminating on signal 1\n"
    line = termination_message("q", 15, os.getpid())
    assert (
        line == f"q: terminating on signal 15 from pid {os.getpid()} ({sender_name(os.getpid())})\n"
    )


def test_the_watcher_takes_signals_with_their_sender_and_restores_the_mask() -> None:
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    handled: list[int] = []
    old = signal.signal(signal.SIGHUP, lambda signum, frame: handled.append(signum))
    got: list[tuple[int, int]] = []
    try:
        with SignalWatcher() as watcher:
            assert signal.pthread_sigmask(signal.SIG_BLOCK, []) >= TERMINATION_SIGNALS
            # Before anyone listens: the process's own handler, as unwatched.
            os.kill(os.getpid(), signal.SIGHUP)
            for _ in range(500):
                if handled:
                    break
                time.sleep(0.01)
            watcher.deliver_to(lambda signum, pid: got.append((signum, pid)))
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGHUP)
            for _ in range(500):
                if len(got) == 2:
                    break
                time.sleep(0.01)
    finally:
        signal.signal(signal.SIGHUP, old)
    assert handled == [signal.SIGHUP]
    assert sorted(got) == sorted([(signal.SIGHUP, os.getpid()), (signal.SIGINT, os.getpid())])
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


def test_a_holding_watcher_keeps_early_signals_for_the_callback() -> None:
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    got: list[tuple[int, int]] = []
    with SignalWatcher(hold=True) as watcher:
        os.kill(os.getpid(), signal.SIGHUP)  # before anyone listens: held
        for _ in range(50):  # the watcher has taken it (nothing to see: it waits)
            time.sleep(0.01)
        watcher.deliver_to(lambda signum, pid: got.append((signum, pid)))
        for _ in range(500):  # at once if it was held, else when the watcher takes it
            if got:
                break
            time.sleep(0.01)
        assert got == [(signal.SIGHUP, os.getpid())]
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(500):
            if len(got) == 2:
                break
            time.sleep(0.01)
    assert got == [(signal.SIGHUP, os.getpid()), (signal.SIGINT, os.getpid())]
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


def _terminate(cmd: list[str], sock: Path, count: int = 1) -> bytes:
    """Start ``cmd``, SIGTERM it ``count`` times from a child once its socket exists; its stderr."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_unix_socket(sock, proc)
        # The sender stays alive until the line is written: a process that
        # is gone cannot be named (QEMU has the same race).
        sender = subprocess.Popen(
            [
                sys.executable,
                "-c",
                # Apart, so that the kernel does not merge them into one.
                f"import os, time\nfor _ in range({count}):\n"
                f" os.kill({proc.pid}, 15); time.sleep(0.002)\ntime.sleep(60)",
            ]
        )
        try:
            _, err = proc.communicate(timeout=10)
        finally:
            sender.kill()
            sender.wait()
        assert proc.returncode == 0
        return err.replace(f"pid {sender.pid} ".encode(), b"pid PID ")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_qmonitor_names_the_sender(tmp_path: Path) -> None:
    sock = tmp_path / "q.sock"
    cmd = [sys.executable, "-m", "qmonitor", *BASE_ARGS, "-qmp", f"unix:{sock},server=on,wait=off"]
    err = _terminate(cmd, sock)
    assert err == f"qmonitor: terminating on signal 15 from pid PID ({sys.executable})\n".encode()


@pytest.mark.parametrize("count", [2, 3])
def test_signals_during_the_shutdown_say_nothing_more(tmp_path: Path, count: int) -> None:
    """As QEMU's: the line is written when the shutdown request is taken, once."""
    sock = tmp_path / "q.sock"
    cmd = [sys.executable, "-m", "qmonitor", *BASE_ARGS, "-qmp", f"unix:{sock},server=on,wait=off"]
    err = _terminate(cmd, sock, count)
    assert err == f"qmonitor: terminating on signal 15 from pid PID ({sys.executable})\n".encode()


@pytest.mark.skipif(QEMU is None, reason="QEMU is not installed")
def test_the_line_is_qemus(tmp_path: Path) -> None:
    assert QEMU is not None
    lines = []
    for name, prog in (("qemu", [QEMU]), ("qmonitor", [sys.executable, "-m", "qmonitor"])):
        sock = tmp_path / f"{name}.sock"
        err = _terminate([*prog, *BASE_ARGS, "-qmp", f"unix:{sock},server=on,wait=off"], sock)
        lines.append(err.split(b": ", 1)[1])
    assert lines[0] == lines[1]
