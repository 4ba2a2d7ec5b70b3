"""Answer QMP commands from a persona while the machine's own state stays live.

:func:`install_persona` registers a :class:`PersonaCommand` for every
command the persona recorded and for every other command the recorded
QEMU listed in ``query-commands``.  Commands that read or change the
machine's own state (:data:`LIVE_COMMANDS`: run state, ``quit``, HMP,
the chardevs, ...) keep their live handlers; the persona answers the facts
about the QEMU binary and what the null machine does not have.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qmonitor.persona.store import Reply, Variant
from qmonitor.qapi.commands import QmpCommand
from qmonitor.qapi.error import ErrorClass, QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

log = logging.getLogger(__name__)

#: Commands about the machine's own state: when the machine has them, they
#: stay live even if the persona recorded them.  Everything else the persona
#: recorded (facts about the QEMU binary) is answered from the persona.
LIVE_COMMANDS = frozenset(
    {"qmp_capabilities", "query-status", "stop", "cont", "quit", "system_reset",
     "system_powerdown", "system_wakeup", "human-monitor-command", "query-name", "query-uuid",
     "set-action", "watchdog-set-action", "yank", "query-yank", "query-chardev",
     "query-cpus-fast", "query-hotpluggable-cpus", "migrate-set-capabilities",
     "query-migrate-capabilities", "migrate-set-parameters", "query-migrate-parameters",
     "query-migrate", "qom-list", "qom-get", "qom-set", "query-iothreads",
     "query-named-block-nodes", "query-block", "query-blockstats", "query-mice",
     "query-balloon", "balloon", "query-pci", "query-memory-devices", "query-memdev", "query-jobs",
     "query-block-jobs", "device_add", "device_del", "object-add", "object-del",
     "chardev-add", "chardev-remove", "getfd", "closefd", "add-fd", "remove-fd",
     "query-fdsets", "netdev_add", "netdev_del", "blockdev-add", "blockdev-del",
     "query-replay", "query-acpi-ospm-status"}
)  # fmt: skip

#: The type name the recorder asks about to learn a command's "not found" error;
#: a miss on such a command answers that error with the name put in.
UNKNOWN_NAME = "qmonitor-no-such-type"

#: qmonitor's own text for a request the recorded QEMU was never asked.
NO_RECORDED_ANSWER = "qmonitor persona: no recorded answer for '{}' with these arguments"


@dataclass(slots=True)
class PersonaCommand(QmpCommand):
    """A command that takes any arguments and answers what the recorded QEMU answered.

    The dispatcher's short road calls ``handler()`` for a request without
    arguments; every other request comes through :meth:`call`.
    """

    variant: Variant | None = None

    def call(self, arguments: dict[str, Any]) -> Any:
        return self.answer(arguments)

    def answer(self, arguments: dict[str, Any]) -> Any:
        """The recorded reply's value; raises the recorded error."""
        assert self.variant is not None
        reply = self.variant.find(self.name, arguments)
        if reply is None:
            reply = _from_template(self.variant, self.name, arguments)
        if reply is None:
            log.info("persona: no answer for %s %s", self.name, arguments)
            raise QapiError(NO_RECORDED_ANSWER.format(self.name))
        if reply.error is not None:
            cls, desc = reply.error
            raise QapiError(desc, ErrorClass(cls))
        return reply.value


def _from_template(variant: Variant, name: str, arguments: dict[str, Any]) -> Reply | None:
    """The recorded "not found" error for ``name``, about the name asked for instead."""
    for key, value in arguments.items():
        if not isinstance(value, str):
            continue
        template = variant.find(name, {**arguments, key: UNKNOWN_NAME})
        if template is not None and template.error is not None:
            cls, desc = template.error
            return Reply(name, arguments, None, (cls, desc.replace(UNKNOWN_NAME, value)))
    return None


def recorded_version(variant: Variant) -> tuple[tuple[int, int, int], str] | None:
    """The ``(major, minor, micro)`` and package the recorded QEMU reported, if recorded."""
    reply = variant.find("query-version", {})
    if reply is None or reply.error is not None:
        return None
    qemu = reply.value["qemu"]
    return (int(qemu["major"]), int(qemu["minor"]), int(qemu["micro"])), str(reply.value["package"])


def _listed_commands(variant: Variant) -> list[str]:
    reply = variant.find("query-commands", {})
    if reply is None or reply.error is not None:
        return []
    return [str(entry["name"]) for entry in reply.value]


def install_persona(machine: Machine, variant: Variant) -> None:
    """Let ``machine`` answer as the QEMU ``variant`` was recorded from.

    Its vCPUs become the ones recorded for their CPU model.
    """
    machine.vcpu_records = variant.vcpus
    full = machine.commands.full
    names = dict.fromkeys([*variant.commands(), *_listed_commands(variant)])
    recorded = set(variant.commands())
    for name in names:
        existing = full.find(name)
        if existing is not None and (name in LIVE_COMMANDS or name not in recorded):
            continue
        cmd = PersonaCommand(name, _no_handler, any_thread=True, variant=variant)
        cmd.handler = functools.partial(cmd.answer, {})
        full.register(cmd)


def _no_handler() -> None:  # pragma: no cover - replaced before the command is registered
    raise AssertionError("unreachable")
