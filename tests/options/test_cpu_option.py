"""``-cpu`` and ``-device`` checks beyond the recorded command lines (test_cmdline.py)."""

from __future__ import annotations

import pytest

from qmonitor.machine.cpu_models import MODELS, CpuOptionError, check_cpu_option
from qmonitor.options.cmdline import CmdlineError, parse_args
from qmonitor.persona.store import Reply, Variant
from qmonitor.system.cpu_check import check_cpu
from qmonitor.system.startup import StartupError


def _persona() -> Variant:
    """A persona of a QEMU with one more CPU model and one more property on it."""
    variant = Variant(argv=[])
    names = [{"name": "qemu64"}, {"name": "Newlake"}]
    variant.add(Reply("query-cpu-definitions", {}, names))
    listed = [{"name": "sse", "type": "bool"}, {"name": "newfeat", "type": "bool"}]
    variant.add(Reply("qom-list-properties", {"typename": "Newlake-x86_64-cpu"}, listed))
    return variant


def _check(cpu: str, persona: Variant | None = None) -> None:
    check_cpu(parse_args(["-M", "pc", "-cpu", cpu], "q"), persona)


def test_a_persona_brings_its_models_and_their_properties() -> None:
    persona = _persona()
    _check("Newlake,newfeat=on,+sse", persona)
    with pytest.raises(StartupError, match="unable to find CPU model 'Newlake'"):
        _check("Newlake")
    with pytest.raises(StartupError, match="unable to find CPU model 'Haswell'"):
        _check("Haswell", persona)
    with pytest.raises(StartupError, match=r"Property 'Newlake-x86_64-cpu\.pmu' not found"):
        _check("Newlake,+pmu", persona)
    # A model whose properties were not recorded is checked against QEMU 7.2's.
    _check("qemu64,pmu=on", persona)


@pytest.mark.parametrize(
    "cpu",
    ["qemu64,level=0x10,family=0x10,sse=no,ucode-rev=-1,tsc-freq=2.5G", "max,migratable=off"],
)
def test_values_qemu_takes(cpu: str) -> None:
    check_cpu_option(cpu, machine_type="pc", accel=None)


def test_host_needs_kvm() -> None:
    check_cpu_option("host", machine_type="q35", accel="kvm")
    with pytest.raises(CpuOptionError, match=r"^CPU model 'host' requires KVM or HVF$"):
        check_cpu_option("host", machine_type="q35", accel="qtest")


def test_every_listed_model_is_accepted() -> None:
    for name, _ in MODELS:
        if name != "host":
            check_cpu_option(name, machine_type="pc", accel=None)


def test_devices_are_checked_against_qemu_7_2_only_without_a_persona() -> None:
    with pytest.raises(CmdlineError, match="'newdev' is not a valid device model name"):
        parse_args(["-M", "pc", "-device", "newdev"], "q")
    # A persona's QEMU may have devices 7.2 has not.
    config = parse_args(["-M", "pc", "-persona", "p.json", "-device", "newdev"], "q")
    assert [device.driver for device in config.guest.devices] == ["newdev"]
    # -device help is not taken for a driver named "help": it lists QEMU's devices.
    with pytest.raises(CmdlineError) as info:
        parse_args(["-M", "pc", "-device", "help"], "q")
    assert (info.value.status, info.value.stream) == (0, "stdout")
    # An alias names its device; the devices QEMU makes are accepted.
    parse_args(["-M", "pc", "-device", "virtio-net", "-device", '{"driver":"e1000"}'], "q")
