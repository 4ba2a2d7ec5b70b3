"""A PC guest's vCPUs in HMP: real QEMU 7.2 and qmonitor with the same command lines.

The recorded guest sessions (tests/golden/hmp/guest.json) are replayed
live by test_hmp_live.py.  This adds what depends on the host or on the
CPU model: the reset-state register and local APIC dumps of a sample of
CPU models under TCG, and ``-cpu host`` and ``-cpu max`` under KVM (the
host's CPUID version).  Both programs answer ``human-monitor-command``.

Skipped when qemu-system-x86_64 is not installed; the KVM cases also when
/dev/kvm cannot be opened, or when QEMU itself cannot run that command
line under this host's KVM (a nested hypervisor may refuse MSRs that
``-cpu host`` sets, and QEMU aborts).  Every wait is bounded.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.hmp_golden import Case, qemu_identity, qmonitor_command, record_case
from qmonitor_testsupport.procs import qmp_replies

QEMU = shutil.which("qemu-system-x86_64")
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed"),
]

#: Commands whose output depends on the CPU model and the accelerator.
LINES = (b"info registers -a", b"info lapic", b"info lapic 1", b"info mem", b"info cpus")
#: CPU models from each vendor and age, versioned and aliased names included.
MODELS = ("qemu64", "qemu32", "486", "Haswell-noTSX", "Icelake-Server-v5", "EPYC-Rome", "base")


def _kvm_usable() -> bool:
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


@functools.cache
def _qemu_refuses(args: tuple[str, ...]) -> str | None:
    """Why QEMU cannot run ``args`` here (its last line of stderr), or None if it can."""
    assert QEMU is not None
    argv = [QEMU, *args, "-display", "none", "-nodefaults", "-monitor", "stdio"]
    try:
        run = subprocess.run(argv, input=b"info cpus\nquit\n", capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "QEMU did not answer within 60 s"
    if run.returncode == 0:
        return None
    lines = run.stderr.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"exit status {run.returncode}"


@functools.cache
def _identity() -> tuple[str, str]:
    assert QEMU is not None
    return qemu_identity(QEMU)


def _answers(binary: list[str], args: tuple[str, ...]) -> list[Any]:
    case = Case("guest", "", LINES, kind="hmc", args=args)
    return [step["recv"] for step in record_case(case, binary)["steps"]]


def _compare(args: tuple[str, ...]) -> None:
    assert QEMU is not None
    theirs = _answers([QEMU], args)
    ours = _answers(qmonitor_command(*_identity()), args)
    # info cpus: the thread ids are each process's own.
    assert [a.split("thread_id=")[0] for a in ours] == [a.split("thread_id=")[0] for a in theirs]
    assert ours[:-1] == theirs[:-1]


@pytest.mark.parametrize("model", MODELS)
def test_cpu_model_under_tcg(model: str) -> None:
    _compare(("-M", "pc", "-smp", "2", "-accel", "tcg", "-cpu", model, "-S"))


@pytest.mark.parametrize(
    "args",
    [("-M", "isapc"), ("-M", "pc", "-cpu", "qemu64,-apic"), ("-M", "pc", "-cpu", "base,apic=on")],
    ids=["isapc", "no-apic", "apic-on"],
)
def test_default_cpu_and_local_apic(args: tuple[str, ...]) -> None:
    """isapc's default CPU is a 486; a single vCPU without the APIC feature has no local APIC."""
    _compare((*args, "-accel", "tcg", "-S"))


@pytest.mark.skipif(not _kvm_usable(), reason="/dev/kvm cannot be opened")
@pytest.mark.parametrize("model", ["host", "max", "qemu64,-x2apic"])
def test_cpu_model_under_kvm(model: str) -> None:
    args = ("-M", "q35", "-smp", "2", "-accel", "kvm", "-cpu", model, "-S")
    refused = _qemu_refuses(args)
    if refused is not None:
        pytest.skip(f"QEMU cannot run -cpu {model} under this host's KVM: {refused}")
    _compare(args)


def test_human_monitor_command_cpu_index(tmp_path: Path) -> None:
    """cpu-index picks the current CPU; indexes are C ints (2**32 + 1 is CPU 1)."""
    assert QEMU is not None
    requests: list[dict[str, Any]] = [{"execute": "qmp_capabilities"}]
    for index in (0, 1, 2, -1, 2**32 + 1, 2**63 - 1):
        arguments = {"command-line": "info cpus", "cpu-index": index}
        requests.append({"execute": "human-monitor-command", "arguments": arguments})
    for line in ("info registers", "info lapic", "cpu 0"):
        arguments = {"command-line": line, "cpu-index": 1}
        requests.append({"execute": "human-monitor-command", "arguments": arguments})
    args = ["-M", "pc", "-display", "none", "-nodefaults", "-smp", "2", "-S"]

    def answers(cmd: list[str]) -> list[bytes]:
        replies = qmp_replies(cmd, args, requests, tmp_path)
        return [re.sub(rb"thread_id=\d+", b"thread_id=N", r) for r in replies]

    theirs = answers([QEMU])
    assert b"* CPU #1" in theirs[2]
    assert answers(qmonitor_command(*_identity())) == theirs
