"""The options libvirt writes for a domain, as QEMU 7.2 reads them.

The guest's shape (-m, -smp, -cpu, -device, -name debug-threads) lands
in :attr:`Config.guest` for the machine to answer from; -rtc, -overcommit,
-sandbox and -boot are only recorded, but checked.  Rejections (and what
is accepted, with its warnings) are compared live with the installed
QEMU's stderr: same vector, same program name.
"""

from __future__ import annotations

import itertools
import subprocess

import pytest

from qmonitor.machine.guest import DEFAULT_RAM_SIZE, GuestDevice, GuestObject, SmpConfig
from qmonitor.options.cmdline import CmdlineError, parse_args
from qmonitor_testsupport.procs import QEMU

BASE = ("-M", "pc", "-display", "none", "-nodefaults", "-accel", "tcg", "-S")
PROG = "qemu-system-x86_64"

REJECTED = (
    ("-m", "foo"),
    ("-m", "64x"),
    ("-smp", "foo"),
    ("-smp", "2,bogus=1"),
    ("-smp", "2,sockets=3"),
    ("-smp", "2,maxcpus=1"),
    ("-smp", "cpus=2,cpus=x"),
    ("-m", "64", "-smp", "x"),
    ("-device", '{"id":"x"}'),
    ("-device", '{"driver":1}'),
    ("-device", '{"a":1'),
    ("-boot", "strict=bogus"),
    ("-boot", "bogus=1"),
    ("-boot", "menu=x"),
    ("-boot", "splash-time=x"),
    ("-rtc", "base=bogus"),
    ("-rtc", "bogus=1"),
    ("-rtc", "clock=bogus"),
    ("-rtc", "driftfix=bogus"),
    ("-overcommit", "bogus=on"),
    ("-overcommit", "mem-lock=x"),
    ("-sandbox", "bogus"),
    ("-sandbox", "on,obsolete=bogus"),
    ("-sandbox", "on,bogus=deny"),
)

#: Accepted: what libvirt 9.0 writes, and some edges.
ACCEPTED = (
    ("-rtc", "base=utc", "-no-shutdown", "-no-acpi", "-boot", "strict=on",
     "-overcommit", "mem-lock=off", "-msg", "timestamp=on",
     "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"),
    ("-rtc", "base=2006-06-17,clock=vm,driftfix=slew", "-boot", "order=cd,menu=on,strict=y"),
    ("-sandbox", "on,obsolete=deny", "-sandbox", "off,obsolete=x"),
    ("-overcommit", "mem-lock"),
)  # fmt: skip


@pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64")
@pytest.mark.parametrize("args", REJECTED, ids=" ".join)
def test_rejected_like_qemu(args: tuple[str, ...]) -> None:
    assert QEMU is not None
    qemu = subprocess.run([QEMU, *BASE, *args], capture_output=True, text=True, timeout=30)
    assert qemu.returncode == 1
    with pytest.raises(CmdlineError) as info:
        parse_args([*BASE, *args], PROG)
    assert info.value.message == qemu.stderr.replace(QEMU, PROG)
    assert info.value.status == 1


@pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64")
@pytest.mark.parametrize("args", ACCEPTED, ids=" ".join)
def test_accepted_like_qemu(args: tuple[str, ...]) -> None:
    """QEMU starts (it runs until stopped): its stderr so far is qmonitor's warnings."""
    assert QEMU is not None
    proc = subprocess.Popen(
        [QEMU, *BASE, *args], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        proc.wait(1)
    except subprocess.TimeoutExpired:
        proc.kill()
    _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == -9, stderr
    config = parse_args([*BASE, *args], PROG)
    assert "".join(config.warnings) == stderr.replace(QEMU, PROG)
    checked = ("-rtc", "-boot", "-overcommit", "-sandbox")
    given = {f"{opt} {value}" for opt, value in itertools.pairwise(args) if opt in checked}
    assert given <= set(config.unmodelled)


def test_guest_shape_from_the_command_line() -> None:
    config = parse_args(
        [*BASE, "-m", "64", "-smp", "3,maxcpus=4,threads=2,sockets=1",
         "-cpu", "qemu64,+ssse3,-sse3,level=13",
         "-name", "guest=g,debug-threads=on",
         "-machine", "usb=off,memory-backend=pc.ram",
         "-object", '{"qom-type":"memory-backend-ram","id":"pc.ram","size":67108864}',
         "-device", '{"driver":"virtio-balloon-pci","id":"balloon0"}',
         "-device", "piix3-usb-uhci",
         "-device", '{"driver":"e1000","id":7}'],
        PROG,
    )  # fmt: skip
    guest = config.guest
    assert guest.ram_size == 64 << 20
    assert guest.smp == SmpConfig(cpus=3, sockets=1, cores=2, threads=2, maxcpus=4)
    assert guest.cpu_model == "qemu64"
    assert guest.cpu_props == (("ssse3", "on"), ("sse3", "off"), ("level", "13"))
    assert guest.debug_threads
    assert guest.machine_typename == "pc-i440fx-7.2"
    assert ("usb", "off") in guest.machine_props
    assert guest.devices == (
        GuestDevice("virtio-balloon-pci", "balloon0"),
        GuestDevice("piix3-usb-uhci", None),
        GuestDevice("e1000", None),
    )
    assert guest.objects == (GuestObject("memory-backend-ram", "pc.ram", (("size", 67108864),)),)


def test_guest_defaults() -> None:
    guest = parse_args(list(BASE), PROG).guest
    assert guest.ram_size == DEFAULT_RAM_SIZE
    assert guest.smp == SmpConfig()
    assert guest.cpu_model == "qemu64"
    assert not guest.debug_threads
    assert parse_args(["-M", "q35"], PROG).guest.machine_typename == "pc-q35-7.2"


@pytest.mark.parametrize(
    ("given", "cpus", "cores", "sockets", "maxcpus"),
    [
        ({"cpus": 2}, 2, 2, 1, 2),
        ({"cpus": 2, "maxcpus": 4}, 2, 4, 1, 4),
        ({"sockets": 2, "cores": 2}, 4, 2, 2, 4),
        ({"maxcpus": 6, "sockets": 2}, 6, 3, 2, 6),
    ],
)
def test_smp_prefers_cores(
    given: dict[str, int], cpus: int, cores: int, sockets: int, maxcpus: int
) -> None:
    """QEMU 7.2's machine types fill in cores before sockets."""
    smp = SmpConfig.resolve(**given)
    assert (smp.cpus, smp.cores, smp.sockets, smp.maxcpus) == (cpus, cores, sockets, maxcpus)


def test_vcpu_slots_and_apic_ids() -> None:
    smp = SmpConfig.resolve(cpus=8, sockets=2, cores=2, threads=2)
    assert smp.props(5) == {"socket-id": 1, "core-id": 0, "thread-id": 1}
    assert [smp.apic_id(i) for i in range(8)] == list(range(8))
    odd = SmpConfig.resolve(cpus=6, sockets=2, cores=3)
    # Three cores take two bits: the second socket starts at APIC ID 4.
    assert [odd.apic_id(i) for i in range(6)] == [0, 1, 2, 4, 5, 6]
    dies = SmpConfig.resolve(cpus=4, dies=2, cores=2)
    assert dies.props(3) == {"socket-id": 0, "die-id": 1, "core-id": 1, "thread-id": 0}
