"""The QMP commands of the machine: its run state, and the guest's shape as configured.

A ``-M none`` machine has no guest; a PC has the vCPUs, balloon and
devices its command line gave it (:mod:`qmonitor.machine.guest`), and the
commands that read them answer from that configuration.

Each handler returns its reply with members in the order QEMU's output
visitor inserts them (the schema's order); the encoder takes care of the
order on the wire.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qmonitor.chardev.socket import SocketChardev
from qmonitor.machine.defaults import NIL_UUID
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.machine.schema import machine_schema
from qmonitor.machine.singlestep import singlestep_on
from qmonitor.machine.watchdog import WatchdogAction
from qmonitor.monitor.monitor import current_monitor
from qmonitor.monitor.qmp import MonitorQMP
from qmonitor.qapi.binding import bind_command, schema_type
from qmonitor.qapi.commands import Handler
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.types import EnumType

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


def _enum(name: str) -> EnumType:
    typ = schema_type(machine_schema(), name)
    assert isinstance(typ, EnumType)
    return typ


#: The capabilities ``qmp_capabilities`` takes (the schema's QMPCapability).
QMP_CAPABILITY = _enum("QMPCapability")


def register_commands(machine: Machine) -> None:
    """Register the null machine's commands in both command lists.

    Each command's arguments and flags are the schema's
    (:mod:`qmonitor.machine.schema`); the order of registration is the
    order ``query-commands`` lists them in (reversed).
    """
    schema = machine_schema()
    full = machine.commands.full

    # Queries read state under the big lock only: any_thread lets the
    # monitor I/O thread answer them while the main loop is idle.
    def cmd(name: str, *, any_thread: bool = False) -> Callable[[Handler], Handler]:
        def wrap(fn: Handler) -> Handler:
            full.register(bind_command(schema, name, fn, any_thread=any_thread))
            return fn

        return wrap

    def qmp_capabilities(enable: list[str] | None = None) -> None:
        mon = current_monitor()
        assert isinstance(mon, MonitorQMP)
        mon.accept_capabilities(enable or [])

    caps = bind_command(schema, "qmp_capabilities", qmp_capabilities)
    machine.commands.cap_negotiation.register(caps)
    full.register(caps)

    @cmd("query-version", any_thread=True)
    def query_version() -> dict[str, Any]:
        return machine.query_version()

    @cmd("query-commands", any_thread=True)
    def query_commands() -> list[dict[str, Any]]:
        from qmonitor.machine.command_groups import command_rank

        mon = current_monitor()
        cmds = mon.commands if isinstance(mon, MonitorQMP) else full
        # In QEMU's order (its registration order, recorded); commands QEMU
        # does not have (an embedder's, the extensions) first, newest first,
        # as QEMU prepends each command while walking its list.
        rank = command_rank()
        names = cmds.names()[::-1]
        ours = [n for n in names if n not in rank]
        known = sorted((n for n in names if n in rank), key=rank.__getitem__)
        return [{"name": n} for n in ours + known]

    @cmd("query-status", any_thread=True)
    def query_status() -> dict[str, Any]:
        state = machine.runstate
        # _value_ is the member's value without the descriptor's cost: this
        # is the command pollers call most.
        return {
            "running": state is RunState.RUNNING,
            "singlestep": singlestep_on(machine),
            "status": state._value_,
        }

    @cmd("query-name", any_thread=True)
    def query_name() -> dict[str, Any]:
        name = machine.options.name
        return {} if name is None else {"name": name}

    @cmd("query-uuid", any_thread=True)
    def query_uuid() -> dict[str, Any]:
        return {"UUID": machine.options.uuid or NIL_UUID}

    @cmd("query-kvm", any_thread=True)
    def query_kvm() -> dict[str, Any]:
        return {"enabled": machine.options.accel == "kvm", "present": True}

    @cmd("query-target", any_thread=True)
    def query_target() -> dict[str, Any]:
        return {"arch": machine.options.target_arch}

    @cmd("query-machines", any_thread=True)
    def query_machines() -> list[dict[str, Any]]:
        from qmonitor.machine.recorded import machines_record

        # QEMU 7.2's machine types, as it lists them.
        return [dict(m) for m in machines_record()["machines"]]

    @cmd("query-cpus-fast", any_thread=True)
    def query_cpus_fast() -> list[dict[str, Any]]:
        from qmonitor.machine.qom import vcpu_path

        smp = machine.options.guest.smp
        return [
            {
                "cpu-index": index,
                "qom-path": vcpu_path(index),
                "thread-id": tid,
                "props": smp.props(index),
                "target": machine.options.target_arch,
            }
            for index, tid in enumerate(machine.vcpu_thread_ids())
        ]

    @cmd("stop")
    def stop() -> None:
        machine.vm_stop()

    @cmd("cont")
    def cont() -> None:
        machine.cont()

    @cmd("system_reset")
    def system_reset() -> None:
        machine.system_reset_request(ShutdownCause.HOST_QMP_SYSTEM_RESET)

    @cmd("system_powerdown")
    def system_powerdown() -> None:
        machine.system_powerdown()

    @cmd("quit")
    def quit_() -> None:
        machine.shutdown(ShutdownCause.HOST_QMP_QUIT)

    @cmd("watchdog-set-action")
    def watchdog_set_action(action: str) -> None:
        machine.watchdog_action = WatchdogAction(action)

    @cmd("set-action")
    def set_action(
        reboot: str | None = None,
        shutdown: str | None = None,
        panic: str | None = None,
        watchdog: str | None = None,
    ) -> None:
        # The panic action matters only to the opt-in guest (-qmonitor-guest).
        if panic is not None:
            machine.panic_action = panic
        if reboot is not None:
            machine.reboot_action = reboot
        if shutdown is not None:
            machine.shutdown_action = shutdown
        if watchdog is not None:
            machine.watchdog_action = WatchdogAction(watchdog)

    @cmd("human-monitor-command")
    def human_monitor_command(command_line: str, cpu_index: int | None = None) -> str:
        from qmonitor.machine.hmp_exec import run_hmp_command

        return run_hmp_command(machine, command_line, cpu_index)

    @cmd("query-qmp-schema", any_thread=True)
    def query_qmp_schema() -> list[dict[str, Any]]:
        from qmonitor.machine.schema import machine_schema_info

        # -qmonitor-extensions registers its commands after this one: ask
        # when the client does whether they are there.
        return machine_schema_info(
            full.find("x-qmonitor-emit-event") is not None,
            full.find("x-qmonitor-guest-unplug") is not None,
        )

    register_yank(machine)
    register_command_line_options(machine)
    register_device_queries(machine)
    from qmonitor.machine.qmp_fds import register_fd_commands

    register_fd_commands(machine)
    from qmonitor.machine.command_groups import register_lazy_groups

    register_lazy_groups(machine)


def _yank_instances(machine: Machine) -> dict[str, SocketChardev]:
    """Socket chardevs register a yank instance, in the order they were made."""
    return {label: chr for label, chr in machine.chardevs.items() if isinstance(chr, SocketChardev)}


def register_yank(machine: Machine) -> None:
    """``yank`` and ``query-yank`` (QEMU's util/yank.c): out-of-band commands."""

    schema = machine_schema()

    def query_yank() -> list[dict[str, Any]]:
        return [{"type": "chardev", "id": label} for label in _yank_instances(machine)]

    def yank(instances: list[dict[str, Any]]) -> None:
        known = _yank_instances(machine)
        # All or nothing: every instance must exist before any is yanked.
        targets = []
        for instance in instances:
            chr = known.get(instance["id"]) if instance["type"] == "chardev" else None
            if chr is None:
                raise QapiError("Instance not found", ErrorClass.DEVICE_NOT_FOUND)
            targets.append(chr)
        for chr in targets:
            chr.yank()

    full = machine.commands.full
    full.register(bind_command(schema, "query-yank", query_yank, any_thread=True))
    full.register(bind_command(schema, "yank", yank))


#: qemuopts' option types as QEMU's CommandLineParameterType names them.
_PARAMETER_TYPES = {"str": "string", "bool (on/off)": "boolean", "num": "number", "size": "size"}

#: Text of qmp_query_command_line_options (util/qemu-config.c).
INVALID_OPTION_NAME = "invalid option name: {}"


def command_line_options(machine: Machine) -> list[dict[str, Any]]:
    """The option lists of the machine's command line, as QEMU lists them.

    QEMU walks its option groups and the descriptions of each, prepending
    to its result, so both come out in reverse of definition order.  The
    lists come from whoever built the machine (MachineOptions), already in
    QEMU's order: the machine knows no command line of its own.
    """
    out = []
    for opts in machine.options.command_line_options:
        params = []
        for desc in reversed(opts.descs):
            param: dict[str, Any] = {"name": desc.name, "type": _PARAMETER_TYPES[desc.type.value]}
            if desc.help is not None:
                param["help"] = desc.help
            if desc.default is not None:
                param["default"] = desc.default
            params.append(param)
        out.append({"option": opts.name, "parameters": params})
    return out


def register_command_line_options(machine: Machine) -> None:
    """``query-command-line-options`` (util/qemu-config.c)."""
    from qmonitor.machine.schema import machine_schema
    from qmonitor.qapi.binding import bind_command

    def query_command_line_options(option: str | None = None) -> list[dict[str, Any]]:
        options = command_line_options(machine)
        if option is None:
            return options
        found = [o for o in options if o["option"] == option]
        if not found:
            raise QapiError(INVALID_OPTION_NAME.format(option))
        return found

    machine.commands.full.register(
        bind_command(
            machine_schema(),
            "query-command-line-options",
            query_command_line_options,
            any_thread=True,
        )
    )


#: The chardev backends of QEMU 7.2 as query-chardev-backends lists them.
CHARDEV_BACKENDS = (
    "testdev", "pty", "wctablet", "serial", "file", "memory", "udp", "parallel", "vc",
    "socket", "msmouse", "null", "qemu-vdagent", "pipe", "mux", "ringbuf", "stdio",
)  # fmt: skip

#: qmp_query_hotpluggable_cpus (hw/core/machine-qmp-cmds.c) on a machine without CPU hot-plug.
HOTPLUG_NOT_ENABLED = "The feature 'query-hotpluggable-cpus' is not enabled"


def register_device_queries(machine: Machine) -> None:
    """What libvirt asks about devices: chardevs, block devices, I/O threads, CPU slots."""

    schema = machine_schema()
    full = machine.commands.full

    def query_chardev() -> list[dict[str, Any]]:
        from qmonitor.machine.chardev_cmds import chardev_table

        chardevs = machine.chardevs
        return [
            {
                "label": label,
                "filename": chardevs[label].filename,
                # A frontend attached (a monitor, or a mux over its base).
                "frontend-open": chardevs[label].loop is not None,
            }
            for label in chardev_table(machine).listing_order()
        ]

    def query_chardev_backends() -> list[dict[str, Any]]:
        return [{"name": name} for name in CHARDEV_BACKENDS]

    def query_block() -> list[dict[str, Any]]:
        from qmonitor.machine.block.backend_cmds import machine_query_block

        return machine_query_block(machine)

    def query_named_block_nodes(flat: bool | None = None) -> list[dict[str, Any]]:
        from qmonitor.machine.block.commands import graph_of
        from qmonitor.machine.block.queries import named_nodes

        return named_nodes(graph_of(machine), bool(flat))

    def query_iothreads() -> list[dict[str, Any]]:
        from qmonitor.machine.qom_commands import machine_qom

        # QEMU lists the children of /objects, making the container if need be.
        machine_qom(machine).objects_root()
        return []

    def query_hotpluggable_cpus() -> list[dict[str, Any]]:
        from qmonitor.machine.qom import vcpu_path, vcpu_typename
        from qmonitor.machine.recorded import machine_info

        guest = machine.options.guest
        info = machine_info(guest.machine_typename or machine.options.machine_type)
        # A machine type without CPU hot-plug (microvm): QEMU's recorded attribute.
        hotpluggable = info["hotpluggable-cpus"] if info is not None else True
        if not machine.options.has_cpus or not hotpluggable:
            raise QapiError(HOTPLUG_NOT_ENABLED)
        slots = []
        # QEMU prepends each possible CPU: the last slot comes first.
        for index in reversed(range(guest.smp.maxcpus)):
            slot: dict[str, Any] = {
                "type": vcpu_typename(guest),
                "vcpus-count": 1,
                "props": guest.smp.props(index),
            }
            if index < guest.smp.cpus:
                slot["qom-path"] = vcpu_path(index)
            slots.append(slot)
        return slots

    def balloon(value: int) -> None:
        from qmonitor.machine.devices.balloon import balloon

        balloon(machine, value)

    def query_balloon() -> dict[str, Any]:
        from qmonitor.machine.devices.balloon import query_balloon

        return query_balloon(machine)

    for name, handler in (
        ("query-block", query_block),
        ("query-named-block-nodes", query_named_block_nodes),
        ("query-chardev", query_chardev),
        ("query-chardev-backends", query_chardev_backends),
        ("query-hotpluggable-cpus", query_hotpluggable_cpus),
        ("query-iothreads", query_iothreads),
        ("query-balloon", query_balloon),
    ):
        full.register(bind_command(schema, name, handler, any_thread=True))
    full.register(bind_command(schema, "balloon", balloon))


def register_migration(machine: Machine) -> None:
    """Migration settings kept per machine (:mod:`qmonitor.machine.migration`)."""
    from qmonitor.machine.migration import MigrationState

    schema = machine_schema()
    full = machine.commands.full
    state = machine.part(MigrationState, MigrationState)

    def migrate_set_capabilities(capabilities: list[dict[str, Any]]) -> None:
        state.set_capabilities(capabilities)

    from qmonitor.machine.migration_cmds import register_migration_commands

    register_migration_commands(machine, state)
    from qmonitor.machine.migrate.commands import register_live_migration

    register_live_migration(machine)
    full.register(bind_command(schema, "migrate-set-capabilities", migrate_set_capabilities))
    full.register(bind_command(schema, "migrate-pause", state.pause, any_thread=True))
    full.register(
        bind_command(
            schema, "query-migrate-capabilities", state.query_capabilities, any_thread=True
        )
    )
    full.register(
        bind_command(schema, "query-migrate-parameters", state.query_parameters, any_thread=True)
    )
