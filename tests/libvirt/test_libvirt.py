"""libvirt 9.0 runs qmonitor as its QEMU: ``virsh domcapabilities`` is the same XML.

A private libvirtd (tests/libvirt/libvirtd.py) probes the real QEMU and a
wrapper script that runs qmonitor with a persona recorded from that QEMU
in this test; the domain capabilities libvirt derives from the two probes
must be the same, but for the emulator's path.  Skipped where libvirt
cannot be installed or started (not root, no libvirt, no mount namespace).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from libvirtd import Libvirtd, private_libvirtd, why_unavailable

from procs import QEMU
from qmonitor.persona.record import kvm_usable
from qmonitor.persona.serve import NO_RECORDED_ANSWER

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64"),
]

ROOT = Path(__file__).resolve().parents[2]


def write_wrapper(path: Path, persona: Path) -> Path:
    """An emulator binary for libvirt: qmonitor with ``-persona``, QEMU's arguments after."""
    src = ROOT / "src"
    path.write_text(
        "#!/bin/sh\n"
        f"PYTHONPATH={src}${{PYTHONPATH:+:$PYTHONPATH}} "
        f'exec {sys.executable} -m qmonitor -persona {persona} "$@"\n'
    )
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def libvirtd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Libvirtd]:
    reason = why_unavailable()
    if reason is not None:
        pytest.skip(reason)
    with private_libvirtd(tmp_path_factory.mktemp("libvirtd")) as daemon:
        yield daemon


@pytest.fixture(scope="module")
def wrapper(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("persona")
    persona = tmp / "qemu.json"
    assert QEMU is not None
    subprocess.run(
        [sys.executable, "-m", "qmonitor", "persona", "record", "--qemu", QEMU, "-q",
         "-o", str(persona)],
        check=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    return write_wrapper(tmp / "qemu-system-x86_64", persona)


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
