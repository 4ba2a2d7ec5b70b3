"""QEMU's own qos-test drives virtio-scsi through libqos against qmonitor (issue #18).

The paths run when tools/qtest_suite.py has built qos-test (it is not one
of the suite's programs: this test only uses a build that has it); each
runs in a process of its own against a link named ``qemu-system-x86_64``.
"""

from __future__ import annotations

import os
import sys

import pytest

from qmonitor_testsupport.qtest_suite import Build, Target, default_root, run_subtest

PREFIX = "/x86_64/pc/i440FX-pcihost/pci-bus-pc/pci-bus/virtio-scsi-pci"
PATHS = [
    f"{PREFIX}/virtio-scsi-pci-tests/iothread-attach-node",
    f"{PREFIX}/virtio-scsi/virtio-scsi-tests/hotplug",
    f"{PREFIX}/virtio-scsi/virtio-scsi-tests/unaligned-write-same",
    f"{PREFIX}/virtio-scsi/virtio-scsi-tests/large-lba-unmap",
    f"{PREFIX}/virtio-scsi/virtio-scsi-tests/write-to-cdrom",
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
