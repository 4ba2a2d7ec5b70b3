"""What QEMU 7.2 says of the vCPUs it realizes under KVM: the features the host's KVM lacks.

Under ``-accel kvm`` (``-enable-kvm``, ``-M accel=kvm``) each vCPU the
machine makes at start-up is checked against what ``/dev/kvm`` offers
(:mod:`qmonitor.machine.kvm_cpuid`): a warning per missing feature, and
with ``-cpu ...,enforce`` a failed start.  The host is asked once, as
QEMU does (:mod:`qmonitor.machine.kvm_host`); where ``/dev/kvm`` cannot
be used the start fails with QEMU's texts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from qmonitor.errors import QmonitorError
from qmonitor.options.config import Config


class KvmStartError(QmonitorError):
    """KVM refused the start: the message is printed with the program's name."""


def check_kvm_vcpus(config: Config, warn: Callable[[str], None]) -> None:
    """Warn of (or, with ``enforce``, refuse) the features the host's KVM lacks.

    Only the vCPUs made at start-up are checked: a machine without a
    ``-cpu`` on ``-M none`` has none.

    :raises KvmStartError: with QEMU's text.
    """
    if config.accel != "kvm":
        return
    from qmonitor.machine.kvm_cpuid import cpu_request, realize_messages
    from qmonitor.machine.kvm_host import KvmUnavailable, host_kvm

    try:
        host = host_kvm()
    except KvmUnavailable as exc:
        sys.stderr.write(exc.raw)
        raise KvmStartError(exc.message) from None
    if config.cpu_option is None and config.machine == "none":
        return
    request = cpu_request(config.cpu_option or config.guest.cpu_model)
    warnings, error = realize_messages(request, host)
    for _ in range(config.guest.smp.cpus):
        for line in warnings:
            warn(line)
        if error is not None:
            raise KvmStartError(error)
