"""QEMU's own qos-test drives virtio devices through libqos against qmonitor (issue #18).

The paths run when tools/qtest_suite.py has built qos-test (it is not one
of the suite's programs: this test only uses a build that has it); each
runs in a process of its own against a link named ``qemu-system-x86_64``.
"""

from __future__ import annotations

import os
import sys

import pytest

from qmonitor_testsupport.qtest_suite import Build, Target, default_root, run_subtest

BUS = "/x86_64/pc/i440FX-pcihost/pci-bus-pc/pci-bus"
PREFIX = f"{BUS}/virtio-scsi-pci"
PATHS = [
    f"{PREFIX}/virtio-scsi-pci-tests/iothread-attach-node",
    f"{PREFIX}/virtio-scsi/virtio-scsi-tests/hotplug",
    f"{PREFIX}/virtio-scsi/virtio-scsi-tests/unaligned-write-same",
    f"{PREFIX}/virtio-scsi/virtio-scsi-tests/large-lba-unmap",
    f"{PREFIX}/virtio-scsi/virtio-scsi-tests/write-to-cdrom",
    # Hot-unplug: the guest ejects through the ACPI PCI hotplug registers.
    f"{BUS}/virtio-rng-pci/virtio-rng-pci-tests/hotplug",
    f"{BUS}/virtio-net-pci/virtio-net-pci-tests/hotplug",
    f"{BUS}/virtio-blk-pci/virtio-blk-pci-tests/hotplug",
    # virtio-blk: requests, indirect tables, EVENT_IDX, MSI-X, a resize's config interrupt.
    *(f"{BUS}/virtio-blk-pci/virtio-blk-pci-tests/{t}" for t in ("msix", "idx", "nxvirtq")),
    *(
        f"{BUS}/virtio-blk-pci/virtio-blk/virtio-blk-tests/{t}"
        for t in ("indirect", "config", "basic", "resize")
    ),
]
BUILD = Build(default_root(), "")


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Target:
    link = tmp_path_factory.mktemp("qos") / "qemu-system-x86_64"
    link.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m qmonitor "$@"\n')
    link.chmod(0o755)
    return Target("qmonitor", link, {"PYTHONPATH": os.pathsep.join(sys.path)})


@pytest.mark.skipif(not BUILD.program("qos-test").exists(), reason="qos-test is not built here")
@pytest.mark.parametrize("path", PATHS, ids=[p.rpartition("/")[2] for p in PATHS])
def test_qos_virtio_scsi_path(target: Target, path: str) -> None:
    outcome = run_subtest(BUILD, "qos-test", path, target)
    assert outcome.passed, outcome.output[-3000:]
