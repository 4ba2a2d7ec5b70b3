"""Start-up's checks of the vCPUs: ``-cpu`` as QEMU reads it, and what KVM says of them.

``-cpu`` is checked against the models and properties of QEMU 7.2 (or of
a persona's QEMU) once the chardevs are open; under KVM, each vCPU made at
start-up is then checked against what the host's KVM offers
(:mod:`qmonitor.system.kvm_check`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from qmonitor.options.cmdline import Config
from qmonitor.system.kvm_check import KvmStartError, check_kvm_vcpus
from qmonitor.system.startup import StartupError

if TYPE_CHECKING:
    from qmonitor.persona.store import Variant


def _recorded_properties(persona: Variant, typename: str) -> dict[str, str] | None:
    """A type's properties (name to type) as the persona's QEMU listed them; None: not recorded."""
    reply = persona.find("qom-list-properties", {"typename": typename})
    if reply is None or not isinstance(reply.value, list):
        return None
    return {
        p["name"]: p.get("type", "") for p in reply.value if isinstance(p, dict) and "name" in p
    }


def check_cpu(
    config: Config, persona: Variant | None = None, warn: Callable[[str], None] | None = None
) -> None:
    """Check ``-cpu`` as QEMU does once its chardevs are open; ``warn`` gets QEMU's warnings.

    A persona's recorded ``query-cpu-definitions`` names the models its
    QEMU has, and ``qom-list-properties`` their properties.

    :raises StartupError: with QEMU's text.
    """
    if config.cpu_option is not None:
        _check_cpu_option(config, config.cpu_option, persona, warn)
    if persona is None and warn is not None:
        try:
            check_kvm_vcpus(config, warn)
        except KvmStartError as exc:
            raise StartupError(str(exc)) from None


def _check_cpu_option(
    config: Config, cpu_option: str, persona: Variant | None, warn: Callable[[str], None] | None
) -> None:
    """check_cpu_option with the persona's models and properties (or QEMU 7.2's)."""
    from qmonitor.machine.cpu_models import CpuOptionError, check_cpu_option

    models = None
    properties = None
    if persona is not None:
        reply = persona.find("query-cpu-definitions", None)
        if reply is not None and isinstance(reply.value, list):
            models = {d["name"] for d in reply.value if isinstance(d, dict) and "name" in d}
        properties = functools.partial(_recorded_properties, persona)
    try:
        check_cpu_option(
            cpu_option,
            machine_type=config.machine,
            accel=config.accel,
            models=models,
            properties=properties,
            warn=warn,
        )
    except CpuOptionError as exc:
        raise StartupError(str(exc)) from None
