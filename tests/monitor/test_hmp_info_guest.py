"""HMP commands that read a PC's guest (qmonitor.machine.hmp_info) against QEMU 7.2.

The sessions recorded from QEMU in tests/golden/hmp/guest.json are
replayed here in-process, on a machine built from the recorded command
line (test_hmp_golden.py replays them against a ``python -m qmonitor``
process too).  Thread ids are compared as ``N``; the tests below check
that they are the vCPU threads' real ids.  The other tests cover what the
sessions cannot: every CPU model's CPUID version (recorded in
tests/golden/cpu_versions.json), the host's, and one monitor's current CPU
not leaking into another's.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from qmonitor.machine.guest import GuestConfig
from qmonitor.machine.hmp_exec import run_hmp_command
from qmonitor.machine.hmp_info import (
    CPUID_VERSIONS,
    cpuid_version,
    cpuinfo_version,
    decode_cpuid_version,
    encode_cpuid_version,
    host_cpuid_version,
)
from qmonitor.machine.machine import Machine
from qmonitor.monitor.hmp import MonitorHMP
from qmonitor.options.cmdline import parse_args
from qmonitor.qapi.error import QapiError
from qmonitor.system.startup import machine_options
from qmonitor_testsupport.fakes import FakeChardev
from qmonitor_testsupport.hmp_golden import (
    describe_mismatch,
    from_json_text,
    load_theme,
    recv_matches,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
THEME = load_theme(GOLDEN / "hmp" / "guest.json")
CPU_VERSIONS: dict[str, Any] = json.loads((GOLDEN / "cpu_versions.json").read_text())

_T = TypeVar("_T")


def machine_from(args: list[str] | tuple[str, ...]) -> Machine:
    """A machine as ``qmonitor -M none -display none -nodefaults ARGS`` makes it.

    Call inside a running loop; the recorded QEMU's version is claimed.
    """
    config = parse_args(["-M", "none", "-display", "none", "-nodefaults", *args], "qemu")
    major, minor, micro = (int(x) for x in THEME["qemu"]["version"].split("."))
    options = machine_options(config, ((major, minor, micro), THEME["qemu"]["package"]))
    # The monitors run on the main loop here: no I/O thread to stop.
    return Machine(dataclasses.replace(options, use_io_thread=False))


def with_machine(args: list[str] | tuple[str, ...], body: Callable[[Machine], Awaitable[_T]]) -> _T:
    """Run ``body`` with a machine made from ``args``; its vCPU threads end afterwards."""

    async def run() -> _T:
        machine = machine_from(args)
        try:
            return await body(machine)
        finally:
            await machine.cleanup()

    return asyncio.run(run())


def hmc(args: list[str] | tuple[str, ...], *lines: str) -> list[str]:
    """What ``human-monitor-command`` returns for each line, on a machine made from ``args``."""

    async def body(machine: Machine) -> list[str]:
        return [run_hmp_command(machine, line, None) for line in lines]

    return with_machine(args, body)


# -- the recorded sessions ------------------------------------------------------------


async def _replay(machine: Machine, case: dict[str, Any]) -> list[str]:
    chr = FakeChardev()
    chr.be_open = True
    mon = MonitorHMP(machine, chr)
    mon.start()
    problems: list[str] = []
    for i, step in enumerate(case["steps"]):
        if i:
            chr.be_write(from_json_text(step["send"]))
        for _ in range(3):
            await asyncio.sleep(0)
        got = bytes(chr.written)
        chr.written.clear()
        if not recv_matches(step, got):
            problems.append(f"step {i} {step['send'][:40]!r}: {describe_mismatch(step, got)}")
            break
    return problems


@pytest.mark.parametrize("case", THEME["cases"], ids=[c["name"] for c in THEME["cases"]])
def test_recorded_session(case: dict[str, Any]) -> None:
    async def body(machine: Machine) -> list[str]:
        return await _replay(machine, case)

    assert with_machine(case["args"], body) == []


def test_the_sessions_cover_each_command() -> None:
    sent = {s["send"].split()[:2][-1] for c in THEME["cases"] for s in c["steps"][1:]}
    for name in ("cpus", "hotpluggable-cpus", "registers", "lapic", "mem", "tlb", "balloon"):
        assert name in sent
    for name in ("block", "blockstats", "mice", "cpu"):
        assert name in sent


# -- thread ids, the current CPU ------------------------------------------------------


PC2 = ("-M", "pc", "-smp", "2", "-S")


def test_info_cpus_lists_the_vcpu_threads() -> None:
    async def body(machine: Machine) -> tuple[str, list[int]]:
        return run_hmp_command(machine, "info cpus", None), machine.vcpu_thread_ids()

    text, tids = with_machine(PC2, body)
    assert text == f"* CPU #0: thread_id={tids[0]}\r\n  CPU #1: thread_id={tids[1]}\r\n"


def test_the_current_cpu_belongs_to_one_monitor() -> None:
    async def body(machine: Machine) -> tuple[bytes, str]:
        chr = FakeChardev()
        chr.be_open = True
        mon = MonitorHMP(machine, chr)
        mon.start()
        chr.be_write(b"cpu 1\rinfo cpus\r")
        for _ in range(3):
            await asyncio.sleep(0)
        # human-monitor-command runs on a monitor of its own: CPU 0 is current there.
        return bytes(chr.written), run_hmp_command(machine, "info cpus", None)

    shown, other = with_machine(PC2, body)
    assert re.search(rb"\r\n  CPU #0: thread_id=\d+\r\n\* CPU #1: thread_id=\d+\r\n", shown)
    assert other.startswith("* CPU #0:")


def test_human_monitor_command_runs_on_the_cpu_it_names() -> None:
    async def body(machine: Machine) -> list[str]:
        return [run_hmp_command(machine, "info cpus", i) for i in (0, 1, 2**32 + 1)]

    first, second, wrapped = with_machine(PC2, body)
    assert first.startswith("* CPU #0:") and "\n  CPU #1:" in first
    assert second.startswith("  CPU #0:") and "\n* CPU #1:" in second
    assert wrapped == second


@pytest.mark.parametrize("index", [2, -1, 2**63 - 1])
def test_human_monitor_command_refuses_a_cpu_that_is_not_there(index: int) -> None:
    async def body(machine: Machine) -> None:
        with pytest.raises(QapiError, match=r"^Parameter 'cpu-index' expects a CPU number$"):
            run_hmp_command(machine, "info cpus", index)

    with_machine(PC2, body)


def test_registers_of_an_out_of_range_vcpu_read_back_as_a_c_int() -> None:
    # 0xffffffff is -1 as a C int: the current CPU, not "CPU#4294967295".
    plain, wrapped = hmc(PC2, "info registers", "info registers 0xffffffff")
    assert wrapped == plain
    assert plain.startswith("\r\nCPU#0\r\n")


def test_kvm_without_x2apic_names_an_apic_id() -> None:
    (lapic,) = hmc(("-M", "pc", "-accel", "kvm", "-cpu", "qemu64,-x2apic", "-S"), "info lapic")
    assert "ICR2\t 0x00000000 cpu 0 (APIC ID)\r\n" in lapic


def test_a_machine_without_ps2_has_no_mouse() -> None:
    (mice,) = hmc(("-M", "microvm", "-S"), "info mice")
    assert mice == "No mouse devices connected\r\n"


# -- CPUID versions ----------------------------------------------------------------------


@pytest.mark.parametrize("model", sorted(CPU_VERSIONS["versions"]))
def test_cpuid_version_of_every_model(model: str) -> None:
    want = int(CPU_VERSIONS["versions"][model], 16)
    assert cpuid_version(GuestConfig(cpu_model=model), "tcg") == want


def test_every_tabled_model_was_recorded() -> None:
    assert set(CPUID_VERSIONS) <= set(CPU_VERSIONS["versions"])


@pytest.mark.parametrize(
    ("family", "model", "stepping", "version"),
    [(15, 0x6B, 1, 0x60FB1), (15, 6, 1, 0xF61), (0x17, 0x31, 0, 0x830F10), (6, 0xA7, 1, 0xA0671)],
)
def test_cpuid_version_fields(family: int, model: int, stepping: int, version: int) -> None:
    assert encode_cpuid_version(family, model, stepping) == version
    assert decode_cpuid_version(version) == (family, model, stepping)


def test_cpu_options_override_the_model() -> None:
    guest = GuestConfig(cpu_model="Haswell-v2", cpu_props=(("family", "23"), ("model", "0x10")))
    assert decode_cpuid_version(cpuid_version(guest, "tcg")) == (23, 16, 1)


def test_cpu_options_are_c_numbers() -> None:
    """-cpu family=010 is octal, as QEMU's visitor reads it (Python's int(x, 0) refuses it)."""
    guest = GuestConfig(cpu_model="Haswell-v2", cpu_props=(("family", "010"), ("model", " 0x10")))
    assert decode_cpuid_version(cpuid_version(guest, "tcg")) == (8, 16, 1)


def test_an_unknown_model_answers_as_qemu64() -> None:
    assert cpuid_version(GuestConfig(cpu_model="no-such-cpu"), "tcg") == 0x60FB1


CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 167
model name\t: Intel(R) Xeon(R) Processor
stepping\t: 1

processor\t: 1
cpu family\t: 15
model\t\t: 1
stepping\t: 2
"""


def test_host_version_from_the_first_processor() -> None:
    assert cpuinfo_version(CPUINFO) == 0xA0671
    assert cpuinfo_version("processor\t: 0\nmodel name\t: x\n") is None


def test_host_and_max_under_kvm_are_the_host_cpu() -> None:
    host = host_cpuid_version()
    if host is None:
        pytest.skip("no CPU family in /proc/cpuinfo")
    assert cpuid_version(GuestConfig(cpu_model="host"), "kvm") == host
    assert cpuid_version(GuestConfig(cpu_model="max"), "kvm") == host
    assert cpuid_version(GuestConfig(cpu_model="max"), "tcg") == CPUID_VERSIONS["max"]
