"""The migration scenarios recorded from QEMU 7.2 and replayed against qmonitor.

Each :class:`~qmonitor_testsupport.migration_pair.Scenario` runs two
processes (see :mod:`qmonitor_testsupport.migration_pair`); the
recorder keeps QEMU's transcripts in tests/golden/migration/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qmonitor_testsupport.migration_pair import Scenario, Step, cmd, event, exits, getfd, oob

EVENTS_ON = {"capabilities": [{"capability": "events", "state": True}]}


def _events(side: str) -> Step:
    return cmd(side, "migrate-set-capabilities", EVENTS_ON)


def _hmp(side: str, line: str) -> Step:
    return cmd(side, "human-monitor-command", {"command-line": line})


def _finish(dst: bool = True) -> tuple[Step, ...]:
    """Wait for both ends to complete, then ask both how it went."""
    steps: list[Step] = [event("src", "MIGRATION", {"status": "completed"})]
    if dst:
        steps.append(event("dst", "MIGRATION", {"status": "completed"}))
    steps += [cmd("src", "query-migrate"), cmd("src", "query-status")]
    if dst:
        steps += [cmd("dst", "query-migrate"), cmd("dst", "query-status")]
    return tuple(steps)


def _live(
    name: str, machine: tuple[str, ...], paused: bool, uri: str, description: str
) -> Scenario:
    """Destination ``-incoming defer`` + ``migrate-incoming URI``; source ``migrate URI``."""
    s = ("-S",) if paused else ()
    return Scenario(
        name,
        (*machine, *s),
        (*machine, *s, "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "query-status"),
            cmd("dst", "query-migrate"),
            cmd("dst", "migrate-incoming", {"uri": uri}),
            cmd("dst", "query-migrate"),
            cmd("src", "migrate", {"uri": uri}),
            *_finish(),
        ),
        description=description,
    )


NONE = ("-M", "none")
PC = ("-M", "pc", "-m", "128")
PC_1G = ("-M", "pc", "-m", "1024", "-S")
POSTCOPY_ON = {"capabilities": [{"capability": "postcopy-ram", "state": True}]}
POSTCOPY_BLOCKTIME_ON = {
    "capabilities": [
        {"capability": "postcopy-ram", "state": True},
        {"capability": "postcopy-blocktime", "state": True},
    ]
}


def _postcopy_events(status: str) -> tuple[Step, ...]:
    return (
        event("src", "MIGRATION", {"status": status}),
        event("dst", "MIGRATION", {"status": status}),
    )


#: Postcopy on a -S PC with 1 GiB: slow precopy so that migrate-start-postcopy
#: comes while it runs, slow postcopy so that it can be paused and recovered twice.
POSTCOPY: tuple[Scenario, ...] = (
    Scenario(
        "postcopy-pc-paused",
        PC_1G,
        (*PC_1G, "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("src", "migrate-start-postcopy"),
            cmd("dst", "migrate-set-capabilities", POSTCOPY_ON),
            cmd("src", "migrate-set-capabilities", POSTCOPY_ON),
            cmd("src", "migrate-start-postcopy"),
            oob("src", "migrate-pause"),
            oob("dst", "migrate-recover", {"uri": "unix:{dir}/r.sock"}),
            cmd("src", "migrate-set-parameters", {"max-bandwidth": 65536}),
            cmd("src", "migrate-set-parameters", {"max-postcopy-bandwidth": 65536}),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            event("src", "MIGRATION", {"status": "active"}),
            cmd("src", "query-migrate"),
            cmd("dst", "query-migrate"),
            cmd("src", "migrate-start-postcopy"),
            *_postcopy_events("postcopy-active"),
            cmd("src", "query-migrate"),
            cmd("dst", "query-migrate"),
            cmd("src", "query-status"),
            cmd("dst", "query-status"),
            cmd("src", "migrate-start-postcopy"),
            oob("src", "migrate-pause"),
            *_postcopy_events("postcopy-paused"),
            cmd("src", "query-migrate"),
            cmd("dst", "query-migrate"),
            oob("src", "migrate-pause"),
            oob("dst", "migrate-pause"),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            oob("dst", "migrate-recover", {"uri": "unix:{dir}/r.sock"}),
            cmd("dst", "query-migrate"),
            cmd("src", "migrate", {"uri": "unix:{dir}/r.sock", "resume": True}),
            *_postcopy_events("postcopy-active"),
            cmd("src", "query-migrate"),
            oob("dst", "migrate-pause"),
            *_postcopy_events("postcopy-paused"),
            oob("dst", "migrate-recover", {"uri": "unix:{dir}/r2.sock"}),
            cmd("src", "migrate", {"uri": "unix:{dir}/r2.sock", "resume": True}),
            *_postcopy_events("postcopy-active"),
            cmd("src", "migrate-set-parameters", {"max-postcopy-bandwidth": 0}),
            *_finish(),
            _hmp("src", "info migrate"),
            _hmp("dst", "info migrate"),
        ),
        description="postcopy: start, pause and recover from each end, complete",
        oob=True,
    ),
    Scenario(
        "postcopy-pc-running",
        ("-M", "pc", "-m", "1024"),
        ("-M", "pc", "-m", "1024", "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "migrate-set-capabilities", POSTCOPY_ON),
            cmd("src", "migrate-set-capabilities", POSTCOPY_ON),
            cmd("src", "migrate-set-parameters", {"max-bandwidth": 65536}),
            cmd("dst", "migrate-incoming", {"uri": "tcp:127.0.0.1:{port}"}),
            cmd("src", "migrate", {"uri": "tcp:127.0.0.1:{port}"}),
            event("src", "MIGRATION", {"status": "active"}),
            cmd("src", "migrate-start-postcopy"),
            *_finish(),
            cmd("src", "migrate-start-postcopy"),
        ),
        description="postcopy from a running source over TCP: the destination runs",
    ),
    Scenario(
        "postcopy-blocktime-cancel",
        PC_1G,
        (*PC_1G, "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "migrate-set-capabilities", POSTCOPY_BLOCKTIME_ON),
            cmd("src", "migrate-set-capabilities", POSTCOPY_BLOCKTIME_ON),
            cmd("src", "migrate-set-parameters", {"max-bandwidth": 65536}),
            cmd("src", "migrate-set-parameters", {"max-postcopy-bandwidth": 65536}),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            event("src", "MIGRATION", {"status": "active"}),
            cmd("src", "migrate-start-postcopy"),
            *_postcopy_events("postcopy-active"),
            cmd("dst", "query-migrate"),
            cmd("src", "migrate_cancel"),
            event("src", "MIGRATION", {"status": "cancelled"}),
            event("dst", "MIGRATION", {"status": "postcopy-paused"}),
            cmd("src", "query-migrate"),
            cmd("dst", "query-migrate"),
            cmd("src", "query-status"),
            cmd("dst", "query-status"),
            cmd("src", "migrate", {"uri": "unix:{dir}/r.sock", "resume": True}),
        ),
        description="postcopy-blocktime on both ends; migrate_cancel in postcopy-active",
    ),
    Scenario(
        "postcopy-blocktime-completed",
        PC_1G,
        (*PC_1G, "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "migrate-set-capabilities", POSTCOPY_BLOCKTIME_ON),
            cmd("src", "migrate-set-capabilities", POSTCOPY_BLOCKTIME_ON),
            cmd("src", "migrate-set-parameters", {"max-bandwidth": 65536}),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            event("src", "MIGRATION", {"status": "active"}),
            cmd("src", "migrate-start-postcopy"),
            *_postcopy_events("postcopy-active"),
            *_finish(),
        ),
        description="postcopy-blocktime: the destination's blocktime figures once completed",
    ),
    Scenario(
        "postcopy-recover-fd-exec",
        PC_1G,
        (*PC_1G, "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "migrate-set-capabilities", POSTCOPY_ON),
            cmd("src", "migrate-set-capabilities", POSTCOPY_ON),
            cmd("src", "migrate-set-parameters", {"max-bandwidth": 65536}),
            cmd("src", "migrate-set-parameters", {"max-postcopy-bandwidth": 65536}),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            event("src", "MIGRATION", {"status": "active"}),
            cmd("src", "migrate-start-postcopy"),
            *_postcopy_events("postcopy-active"),
            cmd("src", "query-migrate"),
            cmd("dst", "query-migrate"),
            cmd("src", "query-status"),
            cmd("dst", "query-status"),
            oob("src", "migrate-pause"),
            *_postcopy_events("postcopy-paused"),
            oob("dst", "migrate-recover", {"uri": "fd:nosuch"}),
            cmd("dst", "query-migrate"),
            oob("dst", "migrate-recover", {"uri": "exec:true"}),
            cmd("dst", "query-migrate"),
            getfd("dst", "rfd", "pair0"),
            getfd("src", "rfd", "pair1"),
            oob("dst", "migrate-recover", {"uri": "fd:rfd"}),
            cmd("src", "migrate", {"uri": "fd:rfd", "resume": True}),
            *_postcopy_events("postcopy-active"),
            cmd("src", "migrate-set-parameters", {"max-postcopy-bandwidth": 0}),
            *_finish(),
        ),
        description="migrate-recover to fd: (a socket pair) and exec: (a command that ends)",
        oob=True,
    ),
    Scenario(
        "postcopy-bitmaps-errors",
        NONE,
        NONE,
        (
            _events("src"),
            cmd(
                "src",
                "migrate-set-capabilities",
                {"capabilities": [{"capability": "dirty-bitmaps", "state": True}]},
            ),
            cmd("src", "migrate-start-postcopy"),
            oob("src", "migrate-recover", {"uri": "unix:{sock}"}),
            oob("src", "migrate-pause"),
            _hmp("src", "migrate_start_postcopy"),
            _hmp("src", "migrate_pause"),
            _hmp("src", "migrate_recover unix:{sock}"),
            _hmp("src", "migrate -r unix:{sock}"),
        ),
        no_destination=True,
        description="dirty-bitmaps alone enables postcopy; the refusals out of band and in HMP",
        oob=True,
    ),
)

SCENARIOS: tuple[Scenario, ...] = (
    _live("unix-none-paused", NONE, True, "unix:{sock}", "-M none -S over a unix socket"),
    _live("unix-none-running", NONE, False, "unix:{sock}", "-M none running, unix socket"),
    _live("unix-pc-paused", PC, True, "unix:{sock}", "-M pc -S over a unix socket"),
    _live("unix-pc-running", PC, False, "unix:{sock}", "-M pc running over a unix socket"),
    Scenario(
        "tcp-pc-paused-cmdline",
        (*PC, "-S"),
        (*PC, "-S", "-incoming", "tcp:127.0.0.1:{port}"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "query-status"),
            cmd("dst", "query-migrate"),
            cmd("src", "migrate", {"uri": "tcp:127.0.0.1:{port}"}),
            *_finish(),
        ),
        description="-incoming tcp: on the destination's command line",
    ),
    Scenario(
        "exec-file-running",
        NONE,
        (*NONE, "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("src", "migrate", {"uri": "exec:cat > {file}"}),
            event("src", "MIGRATION", {"status": "completed"}),
            cmd("src", "query-migrate"),
            cmd("src", "query-status"),
            cmd("dst", "migrate-incoming", {"uri": "exec:cat {file}"}),
            event("dst", "MIGRATION", {"status": "completed"}),
            cmd("dst", "query-migrate"),
            cmd("dst", "query-status"),
        ),
        description="save with exec:cat > FILE, restore with exec:cat FILE",
    ),
    Scenario(
        "fd-file-paused",
        (*PC, "-S"),
        (*PC, "-S", "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            getfd("src", "migfd", "w"),
            cmd("src", "migrate", {"uri": "fd:migfd"}),
            event("src", "MIGRATION", {"status": "completed"}),
            cmd("src", "query-migrate"),
            cmd("src", "query-status"),
            getfd("dst", "migfd", "r"),
            cmd("dst", "migrate-incoming", {"uri": "fd:migfd"}),
            event("dst", "MIGRATION", {"status": "completed"}),
            cmd("dst", "query-migrate"),
            cmd("dst", "query-status"),
        ),
        description="virsh save/restore: a file passed with getfd on both ends",
    ),
    Scenario(
        "switchover-pc-running",
        PC,
        (*PC, "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd(
                "src",
                "migrate-set-capabilities",
                {"capabilities": [{"capability": "pause-before-switchover", "state": True}]},
            ),
            cmd("src", "migrate-continue", {"state": "pre-switchover"}),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            event("src", "MIGRATION", {"status": "pre-switchover"}),
            cmd("src", "query-status"),
            cmd("src", "migrate-continue", {"state": "active"}),
            cmd("src", "migrate-continue", {"state": "pre-switchover"}),
            *_finish(),
        ),
        description="pause-before-switchover and migrate-continue",
    ),
    Scenario(
        "cancel-pc-throttled",
        (*PC, "-S"),
        (*PC, "-S", "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("src", "migrate-set-parameters", {"max-bandwidth": 65536}),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            event("src", "MIGRATION_PASS"),
            event("src", "MIGRATION", {"status": "active"}),
            cmd("src", "query-migrate"),
            cmd("dst", "query-migrate"),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            cmd("src", "migrate_cancel"),
            event("src", "MIGRATION", {"status": "cancelled"}),
            cmd("src", "query-migrate"),
            cmd("src", "query-status"),
            exits("dst"),
        ),
        description="migrate_cancel while a slow migration runs; the destination fails",
    ),
    Scenario(
        "running-to-paused-destination",
        PC,
        (*PC, "-S", "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            *_finish(),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            cmd("src", "cont"),
            cmd("src", "query-status"),
        ),
        description="a running source, a destination with -S: it ends paused",
    ),
    Scenario(
        "cont-while-incoming",
        PC,
        (*PC, "-S", "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "cont"),
            cmd("dst", "query-status"),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            *_finish(),
        ),
        description="cont on a -S destination before the stream: it runs after",
    ),
    Scenario(
        "switchover-pc-paused",
        (*PC, "-S"),
        (*PC, "-S", "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd(
                "src",
                "migrate-set-capabilities",
                {"capabilities": [{"capability": "pause-before-switchover", "state": True}]},
            ),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            event("src", "MIGRATION", {"status": "pre-switchover"}),
            cmd("src", "query-status"),
            cmd("src", "query-migrate"),
            cmd("src", "migrate-continue", {"state": "pre-switchover"}),
            *_finish(),
        ),
        description="pause-before-switchover with a -S source",
    ),
    Scenario(
        "ram-size-mismatch",
        (*PC, "-S"),
        ("-M", "pc", "-m", "256", "-S", "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            exits("dst"),
            event("src", "MIGRATION", {"status": "failed"}),
            cmd("src", "query-migrate"),
            cmd("src", "query-status"),
        ),
        description="-m 128 into -m 256: the destination fails, then the source",
    ),
    Scenario(
        "machine-type-mismatch",
        (*PC, "-S"),
        (*NONE, "-S", "-incoming", "defer"),
        (
            _events("dst"),
            _events("src"),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate", {"uri": "unix:{sock}"}),
            exits("dst"),
            event("src", "MIGRATION", {"status": "failed"}),
            cmd("src", "query-migrate"),
            cmd("src", "query-status"),
        ),
        description="-M pc into -M none: the destination fails, then the source",
    ),
    Scenario(
        "hmp-info-migrate",
        (*PC, "-S"),
        (*PC, "-S", "-incoming", "tcp:127.0.0.1:{port}"),
        (
            _events("dst"),
            _events("src"),
            _hmp("dst", "info migrate"),
            _hmp("src", "info migrate"),
            cmd("src", "migrate", {"uri": "tcp:127.0.0.1:{port}"}),
            *_finish(),
            _hmp("src", "info migrate"),
            _hmp("dst", "info migrate"),
            _hmp("src", "migrate_incoming unix:{sock}"),
            _hmp("src", "migrate_continue pre-switchover"),
            _hmp("src", "migrate_cancel"),
        ),
        description="HMP's info migrate before and after, and the HMP migration commands",
    ),
    Scenario(
        "errors-source",
        NONE,
        NONE,
        (
            _events("src"),
            cmd("src", "migrate-continue", {"state": "pre-switchover"}),
            cmd("src", "migrate", {"uri": "foo:bar"}),
            cmd("src", "query-migrate"),
            cmd("src", "migrate", {"uri": "tcp:nohostport"}),
            cmd("src", "query-migrate"),
            cmd("src", "migrate", {"uri": "unix:{dir}/nobody.sock"}),
            event("src", "MIGRATION", {"status": "failed"}),
            cmd("src", "query-migrate"),
            cmd("src", "migrate", {"uri": "unix:{sock}", "resume": True}),
            cmd("src", "migrate", {"uri": "unix:{sock}", "blk": True, "inc": True}),
            event("src", "MIGRATION", {"status": "failed"}),
            cmd("src", "query-migrate-capabilities"),
            cmd("src", "migrate", {"uri": "fd:nosuchfd"}),
            cmd("src", "query-migrate"),
            cmd("src", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("src", "migrate_cancel"),
            _hmp("src", "migrate -d tcp:nohostport"),
            _hmp("src", "migrate unix:{dir}/nobody.sock"),
            event("src", "MIGRATION", {"status": "failed"}),
            _hmp("src", "info migrate"),
        ),
        no_destination=True,
        description="the source's refusals",
    ),
    Scenario(
        "errors-incoming",
        NONE,
        (*NONE, "-incoming", "defer"),
        (
            _events("dst"),
            cmd("dst", "migrate-incoming", {"uri": "foo:bar"}),
            cmd("dst", "migrate-incoming", {"uri": "tcp:nohostport"}),
            cmd("dst", "query-migrate"),
            cmd("dst", "migrate", {"uri": "unix:{dir}/x.sock"}),
            cmd("dst", "query-status"),
            cmd("dst", "cont"),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("dst", "migrate-incoming", {"uri": "unix:{sock}"}),
            cmd("dst", "query-migrate"),
        ),
        description="the destination's refusals",
    ),
    *POSTCOPY,
)


def _bad_stream(name: str, content: bytes, description: str, fails: bool = True) -> Scenario:
    end = (exits("dst"),) if fails else (cmd("dst", "query-migrate"), cmd("dst", "query-status"))
    return Scenario(
        name,
        NONE,
        (*NONE, "-incoming", "defer"),
        (
            _events("dst"),
            cmd("dst", "migrate-incoming", {"uri": "exec:cat {file}"}),
            *end,
        ),
        description=description,
        notes=[content.hex()],
    )


#: Streams the destination must refuse: (scenario, the file it reads).
BAD_STREAMS: tuple[Scenario, ...] = (
    _bad_stream("stream-empty", b"", "an empty pipe: QEMU waits for input", fails=False),
    _bad_stream("stream-garbage", b"hello, this is not a migration stream\n", "garbage"),
    _bad_stream(
        "stream-qemu-machine-type",
        b"QEVM\x00\x00\x00\x03\x07\x00\x00\x00\x0dpc-i440fx-7.2",
        "QEMU's header with another machine type",
    ),
    _bad_stream(
        "stream-qemu-no-configuration",
        b"QEVM\x00\x00\x00\x03\x04\x00\x00\x00\x01",
        "QEMU's header, then a section before the configuration",
    ),
    _bad_stream(
        "stream-qemu-unknown-section",
        b"QEVM\x00\x00\x00\x03\x07\x00\x00\x00\x04none"
        b"\x04\x00\x00\x00\x01\x07nothing\x00\x00\x00\x00\x00\x00\x00\x04",
        "QEMU's header and configuration, then a section of an unknown device",
    ),
    _bad_stream(
        "stream-qemu-v2",
        b"QEVM\x00\x00\x00\x02",
        "QEMU's magic with the obsolete version 2",
    ),
    _bad_stream("stream-qemu-truncated", b"QEVM\x00\x00", "QEMU's magic, cut short"),
)


def write_stream(scenario: Scenario) -> Callable[[Path], None]:
    """The ``prepare`` callback that writes a bad-stream scenario's file."""

    def prepare(path: Path) -> None:
        path.write_bytes(bytes.fromhex(scenario.notes[0]) if scenario.notes else b"")

    return prepare
