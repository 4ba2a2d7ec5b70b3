"""libvirt 9.0 runs qmonitor as its QEMU: the same capabilities, the same domain lifecycle.

A private libvirtd (tests/libvirt/libvirtd.py) probes the real QEMU and a
wrapper script that runs qmonitor with a persona recorded from that QEMU
in this test; the domain capabilities libvirt derives from the two probes
must be the same, but for the emulator's path.  Then one small domain is
defined with each as its emulator and taken through its life (start,
suspend, resume, ``qemu-monitor-command`` in JSON and HMP, destroy,
undefine): what virsh shows must be the same, and so must the whole
conversation libvirt has with each monitor (read from libvirtd's log),
but for what differs between any two runs of QEMU (thread ids, the
domain's number, timestamps).  Skipped where libvirt cannot be installed
or started (not root, no libvirt, no mount namespace).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from qmonitor.persona.record import kvm_usable
from qmonitor.persona.serve import NO_RECORDED_ANSWER
from qmonitor_testsupport.libvirtd import (
    Libvirtd,
    monitor_sessions,
    persona_wrapper,
    private_libvirtd,
    why_unavailable,
)
from qmonitor_testsupport.procs import QEMU

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64"),
]


@pytest.fixture(scope="module")
def libvirtd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Libvirtd]:
    reason = why_unavailable()
    if reason is not None:
        pytest.skip(reason)
    with private_libvirtd(tmp_path_factory.mktemp("libvirtd")) as daemon:
        yield daemon


@pytest.fixture(scope="module")
def wrapper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert QEMU is not None
    return persona_wrapper(tmp_path_factory.mktemp("persona"), QEMU, timeout=300)


@pytest.mark.parametrize("virttype", ["kvm", "qemu"])
def test_domcapabilities_are_qemus(libvirtd: Libvirtd, wrapper: Path, virttype: str) -> None:
    if virttype == "kvm" and not kvm_usable():
        pytest.skip("no usable /dev/kvm")
    assert QEMU is not None
    args = ("domcapabilities", "--virttype", virttype, "--emulatorbin")
    theirs = libvirtd.virsh(*args, QEMU)
    ours = libvirtd.virsh(*args, str(wrapper))
    assert f"<path>{wrapper}</path>" in ours
    assert ours.replace(str(wrapper), QEMU) == theirs
    assert "<domainCapabilities>" in ours
    # Every request libvirt sent was answered from the persona.
    assert NO_RECORDED_ANSWER.split("'")[0] not in libvirtd.log()


#: The smallest domain libvirt starts: TCG, one vCPU, 64 MiB, no disk.
DOMAIN_XML = """\
<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>{emulator}</emulator></devices>
</domain>
"""


@contextlib.contextmanager
def defined_domain(libvirtd: Libvirtd, tmp: Path, name: str, emulator: str) -> Iterator[str]:
    """Define domain ``name`` running ``emulator``; destroy and undefine it at exit."""
    xml = tmp / f"{name}.xml"
    xml.write_text(DOMAIN_XML.format(name=name, emulator=emulator))
    libvirtd.virsh("define", str(xml))
    try:
        yield name
    finally:
        libvirtd.virsh("destroy", name, check=False)
        libvirtd.virsh("undefine", name, check=False)


def _normalized(session: list[tuple[str, str]], name: str) -> list[tuple[str, object]]:
    """A monitor conversation without what differs between two runs of the same QEMU.

    That is the domain's name and number (in the monitor socket's path),
    the events' timestamps and the vCPU threads' ids.
    """
    out: list[tuple[str, object]] = []
    for kind, text in session:
        value = json.loads(re.sub(rf"domain-\d+-{re.escape(name)}/", "domain-N-NAME/", text))
        if kind == "event":
            value.pop("timestamp")
        elif kind == "reply" and isinstance(value.get("return"), list):
            for entry in value["return"]:
                if isinstance(entry, dict) and "cpu-index" in entry:
                    entry.pop("thread-id")  # query-cpus-fast: a thread of that process
        out.append((kind, value))
    return out


def lifecycle(libvirtd: Libvirtd, tmp: Path, name: str, emulator: str) -> dict[str, object]:
    """Take a domain through its life; returns what virsh showed and the monitor conversation."""
    seen: dict[str, object] = {}
    with defined_domain(libvirtd, tmp, name, emulator):
        start = len(libvirtd.log())
        libvirtd.virsh("start", name)
        seen["started"] = libvirtd.virsh("domstate", name).strip()
        libvirtd.virsh("suspend", name)
        seen["suspended"] = libvirtd.virsh("domstate", name).strip()
        libvirtd.virsh("resume", name)
        seen["resumed"] = libvirtd.virsh("domstate", name).strip()
        reply = libvirtd.virsh("qemu-monitor-command", name, '{"execute":"query-status"}')
        seen["query-status"] = json.loads(reply)["return"]
        seen["info status"] = libvirtd.virsh("qemu-monitor-command", name, "--hmp", "info status")
        libvirtd.virsh("destroy", name)
        seen["destroyed"] = libvirtd.virsh("domstate", name).strip()
        sessions = monitor_sessions(libvirtd.log()[start:])
    seen["listed"] = name in libvirtd.virsh("list", "--all", "--name").split()
    domain = [s for s in sessions if any('"execute":"cont"' in text for _, text in s)]
    assert len(domain) == 1, f"no monitor conversation of {name} in the log"
    seen["monitor"] = _normalized(domain[0], name)
    return seen


def test_domain_lifecycle_is_qemus(libvirtd: Libvirtd, wrapper: Path, tmp_path: Path) -> None:
    assert QEMU is not None
    theirs = lifecycle(libvirtd, tmp_path, "lifecycle-qemu", QEMU)
    ours = lifecycle(libvirtd, tmp_path, "lifecycle-qmonitor", str(wrapper))
    assert (ours["started"], ours["suspended"], ours["resumed"]) == ("running", "paused", "running")
    assert ours["query-status"] == {"status": "running", "singlestep": False, "running": True}
    assert str(ours["info status"]).strip() == "VM status: running"
    assert ours["destroyed"] == "shut off"
    assert not ours["listed"]
    # Every request libvirt sent to qmonitor, every answer and event, as with QEMU.
    mine, qemus = ours.pop("monitor"), theirs.pop("monitor")
    assert isinstance(mine, list) and isinstance(qemus, list)
    assert len(mine) == len(qemus)
    for index, (got, want) in enumerate(zip(mine, qemus, strict=True)):
        assert got == want, f"message {index} of the domain's monitor"
    assert ours == theirs
