"""A real terminal: QEMU and qmonitor side by side in tmux, same keys, same screen.

Each program runs with ``-M none -nodefaults -monitor stdio`` in its own
80x24 tmux window on a private tmux server; the same keys are sent to
both and the rendered screens (``capture-pane``) must be identical after
every key group.  Skipped without tmux or QEMU.  Waits are bounded: a
screen counts as settled once it stopped changing for a short while.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence

import pytest

TMUX = shutil.which("tmux")
QEMU = shutil.which("qemu-system-x86_64")
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(TMUX is None or QEMU is None, reason="needs tmux and qemu-system-x86_64"),
]

#: QEMU needs ``-display none`` where no display is available.
ARGS = ("-M", "none", "-nodefaults", "-display", "none", "-monitor", "stdio")
#: How long a screen must stay unchanged to count as settled.
SETTLE = 0.4
#: Upper bound for one screen to settle (qmonitor's start-up included).
TIMEOUT = 20.0


class Tmux:
    """A private tmux server (``-L``) with one window per program."""

    def __init__(self) -> None:
        assert TMUX is not None
        self.socket = f"qmonitor-test-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def start(self, name: str, argv: Sequence[str]) -> None:
        command = " ".join(_quote(a) for a in argv)
        if self.has_server():
            self.run("new-window", "-d", "-n", name, command)
        else:
            self.run("new-session", "-d", "-s", "t", "-n", name, "-x", "80", "-y", "24", command)
        # Keep a window whose program exited, to compare its last screen.
        self.run("set-option", "-wg", "remain-on-exit", "on")

    def has_server(self) -> bool:
        try:
            self.run("has-session", "-t", "t")
        except subprocess.CalledProcessError:
            return False
        return True

    def keys(self, name: str, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", f"t:{name}", *(["-l"] if literal else []), *keys)

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", f"t:{name}")

    def settled(self, name: str, until: str | None = None) -> str:
        """The screen once it stopped changing (and shows ``until``, if given)."""
        end = time.monotonic() + TIMEOUT
        last = self.screen(name)
        stable_since = time.monotonic()
        while time.monotonic() < end:
            time.sleep(0.05)
            now = self.screen(name)
            if now != last:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= SETTLE and (until is None or until in now):
                return now
        return last

    def reaches(self, name: str, want: str) -> str:
        """The screen once it shows ``want``, or the last one seen when time is up."""
        end = time.monotonic() + TIMEOUT
        now = self.screen(name)
        while now != want and time.monotonic() < end:
            time.sleep(0.05)
            now = self.screen(name)
        return now

    def kill(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.run("kill-server")


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux()
    try:
        yield server
    finally:
        server.kill()


def _qemu_identity() -> tuple[str, str]:
    from qmonitor_testsupport.hmp_golden import qemu_identity

    assert QEMU is not None
    return qemu_identity(QEMU)


#: Key groups: tmux key names, or ("literal", text).  Completions are ones
#: whose candidates qmonitor and QEMU share (QEMU lists commands qmonitor lacks).
KEY_GROUPS: list[tuple[str, ...]] = [
    ("literal", "info status"),
    ("Enter",),
    ("literal", "help q"),
    ("Enter",),
    ("Up",),
    ("Left", "Left", "BSpace", "literal", "x"),
    ("C-a", "C-d", "End"),
    ("Enter",),
    ("literal", "info re"),
    ("Tab",),
    ("literal", "g"),
    ("Tab",),
    ("C-w", "C-w", "literal", "info statu"),
    ("Tab",),
    ("Enter",),
    ("C-l",),
    ("literal", "stop"),
    ("Enter",),
    ("literal", "info status"),
    ("Enter",),
    ("C-k", "C-u", "C-p", "literal", "\u00e9\u00e8"),
    ("Enter",),
]


def _send(tmux: Tmux, name: str, group: Sequence[str]) -> None:
    i = 0
    while i < len(group):
        if group[i] == "literal":
            tmux.keys(name, group[i + 1], literal=True)
            i += 2
        else:
            tmux.keys(name, group[i])
            i += 1


def test_same_screen_as_qemu(tmux: Tmux) -> None:
    assert QEMU is not None
    version, package = _qemu_identity()
    ours = [sys.executable, "-m", "qmonitor", "-qmonitor-version", version]
    ours += ["-qmonitor-package", package]
    tmux.start("qemu", ["env", "LANG=C.UTF-8", QEMU, *ARGS])
    tmux.start("ours", ["env", "LANG=C.UTF-8", *ours, *ARGS])
    for name in ("qemu", "ours"):
        tmux.settled(name, until="(qemu)")
    for group in KEY_GROUPS:
        for name in ("qemu", "ours"):
            _send(tmux, name, group)
        theirs = tmux.settled("qemu")
        # qmonitor may be slower under load: wait (bounded) for the same screen.
        mine = tmux.reaches("ours", theirs)
        assert mine == theirs, f"after {group}"
        # ... and check that it stays there.
        assert tmux.settled("ours") == theirs, f"after {group}"
    for name in ("qemu", "ours"):
        _send(tmux, name, ("literal", "quit", "Enter"))
    # tmux marks the exited program's pane with the time it died; adding
    # that line may scroll the pane, at a moment that depends on load, so
    # the screens are compared by their lines, bottom-aligned.
    mine = _content_lines(tmux.settled("ours", until="Pane is dead"))
    theirs = _content_lines(tmux.settled("qemu", until="Pane is dead"))
    shown = min(len(mine), len(theirs))
    assert shown >= len(theirs) - 1 and shown >= len(mine) - 1
    assert mine[-shown:] == theirs[-shown:]


def _content_lines(screen: str) -> list[str]:
    """The screen's lines without the pane status and the blank lines below."""
    lines = [line for line in screen.split("\n") if not line.startswith("Pane is dead")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines
