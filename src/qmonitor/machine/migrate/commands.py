"""The QMP commands of live migration: migrate, migrate-incoming, cancel, continue, query.

Both halves of a machine's migration live in ``machine.part``: the
source's :class:`~.outgoing.Outgoing` and the destination's
:class:`~.incoming.Incoming`, over the settings of
:class:`~qmonitor.machine.migration.MigrationState`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.migrate.incoming import Incoming
from qmonitor.machine.migrate.outgoing import Outgoing
from qmonitor.machine.migration import MigrationState
from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


def outgoing(machine: Machine) -> Outgoing:
    """The machine's outgoing migration."""
    settings = machine.part(MigrationState, MigrationState)
    return machine.part(Outgoing, lambda: Outgoing(machine, settings))


def incoming(machine: Machine) -> Incoming:
    """The machine's incoming migration."""
    settings = machine.part(MigrationState, MigrationState)
    return machine.part(Incoming, lambda: _new_incoming(machine, settings))


def _new_incoming(machine: Machine, settings: MigrationState) -> Incoming:
    dest = Incoming(machine, settings)
    machine.on_exit(dest.close)
    return dest


def query_migrate(machine: Machine) -> dict[str, Any]:
    """qmp_query_migrate: the destination's part, then the source's over it."""
    out = incoming(machine).query()
    out.update(outgoing(machine).query())
    return out


def register_live_migration(machine: Machine) -> None:
    """Register the commands (replacing any registered before)."""
    schema = machine_schema()
    full = machine.commands.full
    source, dest = outgoing(machine), incoming(machine)

    def migrate(
        uri: str,
        blk: bool | None = None,
        inc: bool | None = None,
        detach: bool | None = None,
        resume: bool | None = None,
    ) -> None:
        # ``detach`` is ignored, as QEMU 7.2 ignores it.
        source.start(uri, bool(blk), bool(inc), bool(resume))

    def migrate_incoming(uri: str) -> None:
        dest.start(uri)

    def migrate_cancel() -> None:
        source.cancel()

    def migrate_continue(state: str) -> None:
        source.resume_switchover(state)

    def query() -> dict[str, Any]:
        return query_migrate(machine)

    def migrate_start_postcopy() -> None:
        source.start_postcopy()

    def migrate_recover(uri: str) -> None:
        dest.recover(uri)

    settings = machine.part(MigrationState, MigrationState)
    settings.pause_hooks[:] = [source.pause, dest.pause]

    for name, handler in (
        ("migrate", migrate),
        ("migrate-incoming", migrate_incoming),
        ("migrate_cancel", migrate_cancel),
        ("migrate-continue", migrate_continue),
        ("migrate-start-postcopy", migrate_start_postcopy),
    ):
        full.register(bind_command(schema, name, handler))
    full.register(bind_command(schema, "migrate-recover", migrate_recover, any_thread=True))
    full.register(bind_command(schema, "query-migrate", query, any_thread=True))
