"""Postcopy: the source stops the VM early and the destination runs on while RAM follows.

As QEMU 7.2 does with the ``postcopy-ram`` capability (migration.c,
postcopy-ram.c): ``migrate-start-postcopy`` during a migration makes the
source's thread leave the precopy RAM pass, stop the VM
(``finish-migrate``), raise MIGRATION ``postcopy-active`` and sync the
dirty bitmap once more (MIGRATION_PASS); the device state goes to the
destination at once, which loads it, takes the source's run state and
reports ``postcopy-active`` too.  The rest of the RAM follows at
``max-postcopy-bandwidth`` (0: unlimited), then both ends complete.

A broken channel does not fail a postcopy migration: ``migrate-pause``
(out of band, on either end) or a peer that hangs up puts both ends in
``postcopy-paused``.  ``migrate-recover URI`` on the destination listens
again (MIGRATION ``setup``, its status staying ``postcopy-paused``);
``migrate`` with ``resume: true`` on the source connects there, both go
through ``postcopy-recover`` to ``postcopy-active`` and the RAM goes on
from where it stopped.

On the wire (qmonitor's stream, :mod:`.stream`), a postcopy source sends
its state frame marked ``postcopy`` as soon as the VM stops and the
trailer when the RAM is done; a resumed channel starts with
:data:`RESUME_MAGIC`, which the destination answers with
:data:`~.stream.ACCEPTED` once it is active again.
"""

from __future__ import annotations

import contextlib
import select
import socket
import time
from typing import TYPE_CHECKING

from qmonitor.errors import QmonitorError

if TYPE_CHECKING:
    from qmonitor.machine.migrate.outgoing import Outgoing, Sink

# QEMU 7.2's texts (migration/migration.c).
NOT_ENABLED = "Enable postcopy with migrate_set_capability before the start of migration"
NOT_STARTED = "Postcopy must be started after migration has been started"
RECOVER_NOT_PAUSED = "Migrate recover can only be run when postcopy is paused."
#: What a resumed channel starts with.
RESUME_MAGIC = b"QMRS"
#: How often the pacing loop looks at the channel (ms).
POLL_MS = 50


class ChannelLost(QmonitorError):
    """The channel broke (or was paused) during postcopy."""


def postcopy_enabled(caps: dict[str, bool]) -> bool:
    """migrate_postcopy: postcopy RAM or dirty bitmaps."""
    return caps["postcopy-ram"] or caps["dirty-bitmaps"]


def peer_closed(sink: Sink) -> bool:
    """Whether the destination hung up on a socket channel (the return path's EOF)."""
    sock = getattr(sink, "sock", None)
    if not isinstance(sock, socket.socket):
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def postcopy_ram(source: Outgoing, sink: Sink) -> None:
    """Send the remaining pages at max-postcopy-bandwidth.

    :raises ChannelLost: ``migrate-pause`` or a destination that hung up.
    """
    plan = source.plan
    assert plan is not None
    while True:
        with source.lock:
            left = plan.pages - source.sent_pages
        if left <= 0:
            return
        bandwidth = source.settings.parameters["max-postcopy-bandwidth"]
        if source.pause_requested.is_set() or peer_closed(sink):
            raise ChannelLost
        if not bandwidth:
            with source.lock:
                source.sent_pages = plan.pages
            continue
        # Pages of ZERO_PAGE_BYTES each at ``bandwidth`` bytes per second.
        step = max(1, bandwidth * POLL_MS // 1000 // 9)
        if source.cancel_requested.wait(POLL_MS / 1000):
            from qmonitor.machine.migrate.outgoing import Cancelled

            raise Cancelled
        with source.lock:
            source.sent_pages = min(plan.pages, source.sent_pages + step)


def wait_for_resume(source: Outgoing) -> Sink | None:
    """Block until ``migrate resume=true`` opened a new channel (None: cancelled)."""
    while not source.resume_requested.wait(POLL_MS / 1000):
        if source.cancel_requested.is_set():
            return None
    source.resume_requested.clear()
    opener = source.resume_opener
    assert opener is not None
    return opener()


def handshake(sink: Sink) -> None:
    """Start a resumed channel and wait for the destination to take it."""
    sink.write(RESUME_MAGIC)
    sink.wait_accepted()


def close_quietly(sink: Sink) -> None:
    with contextlib.suppress(OSError):
        sink.abort()
    with contextlib.suppress(OSError):
        sink.close()


def monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000
