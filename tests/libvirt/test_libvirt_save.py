"""libvirt 9.0 saves, restores and snapshots a qmonitor domain as it does a QEMU one.

The private libvirtd and the qmonitor wrapper are those of
tests/libvirt/test_libvirt.py.  A small domain with a qcow2 disk is taken,
once with QEMU and once with qmonitor as its emulator, through ``virsh
save`` / ``restore``, ``managedsave`` then ``start``, and internal
snapshots (``snapshot-create-as``, ``snapshot-list``, ``snapshot-revert``,
``snapshot-delete``).  What virsh shows must be the same, and so must
every monitor conversation libvirt had with the domain's processes (one
per start or restore, read from libvirtd's log), but for what differs
between any two runs of QEMU (thread ids, the domain's name and number,
timestamps, the descriptor number libvirtd hands a restoring process, the
times and rates of a migration) and for what depends on a guest that ran
its firmware (the pages QEMU sends as normal rather than zero ones, the
size of the VM state a snapshot holds).

Then ``virsh migrate --live`` between two private libvirtds on this
machine, each in a UTS namespace with its own hostname and with its own
host UUID (libvirt refuses to migrate to what looks like the same host),
the migration stream over TCP on 127.0.0.1: both daemons' conversations
must be QEMU's, but for the port libvirt picked and the order of
migrate-continue's reply and MIGRATION ``device``, which race in QEMU.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_libvirt import _normalized

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

#: TCG, one vCPU, 64 MiB and one qcow2 disk (internal snapshots need one).
DOMAIN_XML = """\
<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>{emulator}</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
"""

#: Members that measure the host (times and rates) or the guest's memory
#: (QEMU's guest ran its firmware, which dirtied pages the null guest leaves
#: zero, so QEMU sends more normal pages and fewer zero ones).
MIGRATION_FIGURES = frozenset(
    {
        "total-time", "setup-time", "downtime", "expected-downtime", "throughput",
        "mbps", "pages-per-second", "precopy-bytes", "transferred", "normal-bytes",
        "normal", "remaining", "dirty-sync-count", "dirty-pages-rate", "duplicate",
        "downtime-bytes",
        # query-block's internal snapshots: when they were taken, and the size of
        # the VM state (QEMU's holds those firmware pages; qmonitor's stream is its
        # own), hence of the image file too.
        "date-sec", "date-nsec", "vm-clock-sec", "vm-clock-nsec", "vm-state-size",
        "actual-size",
    }
)  # fmt: skip


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Libvirtd]:
    reason = why_unavailable()
    if reason is not None:
        pytest.skip(reason)
    with private_libvirtd(tmp_path_factory.mktemp("libvirtd")) as running:
        yield running


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """qmonitor with a persona recorded from the installed QEMU (test_libvirt's wrapper)."""
    assert QEMU is not None
    return persona_wrapper(tmp_path_factory.mktemp("persona"), QEMU, timeout=300)


@contextlib.contextmanager
def domain_with_disk(libvirtd: Libvirtd, tmp: Path, name: str, emulator: str) -> Iterator[str]:
    """Define ``name`` with a fresh 64 MiB qcow2 disk; destroy and undefine it at exit."""
    disk = tmp / f"{name}.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(disk), "64M"], check=True)
    xml = tmp / f"{name}.xml"
    xml.write_text(DOMAIN_XML.format(name=name, emulator=emulator, disk=disk))
    libvirtd.virsh("define", str(xml))
    try:
        yield name
    finally:
        libvirtd.virsh("managedsave-remove", name, check=False)
        libvirtd.virsh("destroy", name, check=False)
        for snap in libvirtd.virsh("snapshot-list", name, "--name", check=False).split():
            libvirtd.virsh("snapshot-delete", name, snap, "--metadata", check=False)
        libvirtd.virsh("undefine", name, check=False)


def _without_figures(value: Any) -> Any:
    """``value`` with the host- and guest-dependent migration figures replaced by a mark."""
    if isinstance(value, dict):
        return {
            k: "<figure>" if k in MIGRATION_FIGURES else _without_figures(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_figures(v) for v in value]
    return value


def _conversation(session: list[tuple[str, str]], name: str, tmp: Path) -> list[Any]:
    """A conversation without what differs between two runs (see the module docstring).

    Beyond test_libvirt's normalisation: the temp dir and the domain's name
    in paths, and the number of the descriptor libvirt hands a restoring
    process (``migrate-incoming`` ``fd:N``: libvirtd's own numbering).
    """
    text = []
    for kind, line in session:
        line = line.replace(str(tmp), "TMP").replace(f"TMP/{name}.", "TMP/NAME.")
        text.append((kind, re.sub(r'"uri": ?"fd:\d+"', '"uri": "fd:N"', line)))
    return [(kind, _without_figures(value)) for kind, value in _normalized(text, name)]


def _state(libvirtd: Libvirtd, name: str) -> str:
    return libvirtd.virsh("domstate", "--reason", name).strip()


def save_and_snapshots(libvirtd: Libvirtd, tmp: Path, name: str, emulator: str) -> dict[str, Any]:
    """Save, restore, managed save and snapshots; what virsh showed and the conversations."""
    seen: dict[str, Any] = {}
    with domain_with_disk(libvirtd, tmp, name, emulator):
        start = len(libvirtd.log())
        libvirtd.virsh("start", name)
        seen["started"] = _state(libvirtd, name)
        saved = tmp / f"{name}.save"
        libvirtd.virsh("save", name, str(saved))
        seen["saved"] = _state(libvirtd, name)
        libvirtd.virsh("restore", str(saved))
        seen["restored"] = _state(libvirtd, name)
        libvirtd.virsh("managedsave", name)
        seen["managed-saved"] = _state(libvirtd, name)
        libvirtd.virsh("start", name)
        seen["managed-started"] = _state(libvirtd, name)
        libvirtd.virsh("snapshot-create-as", name, "snap1", "first")
        libvirtd.virsh("snapshot-create-as", name, "snap2")
        seen["snapshots"] = libvirtd.virsh("snapshot-list", name, "--name").split()
        seen["current"] = libvirtd.virsh("snapshot-current", name, "--name").strip()
        libvirtd.virsh("snapshot-revert", name, "snap1")
        seen["reverted"] = _state(libvirtd, name)
        seen["current after revert"] = libvirtd.virsh("snapshot-current", name, "--name").strip()
        libvirtd.virsh("snapshot-delete", name, "snap2")
        libvirtd.virsh("snapshot-delete", name, "snap1")
        seen["snapshots after delete"] = libvirtd.virsh("snapshot-list", name, "--name").split()
        reply = libvirtd.virsh("qemu-monitor-command", name, "--hmp", "info snapshots")
        seen["info snapshots"] = reply
        libvirtd.virsh("destroy", name)
        sessions = monitor_sessions(libvirtd.log()[start:])
    seen["monitors"] = [_conversation(s, name, tmp) for s in sessions]
    return seen


def test_save_restore_snapshots_are_qemus(daemon: Libvirtd, emulator: Path, tmp_path: Path) -> None:
    assert QEMU is not None
    theirs = save_and_snapshots(daemon, tmp_path, "save-qemu", QEMU)
    ours = save_and_snapshots(daemon, tmp_path, "save-qmonitor", str(emulator))
    assert ours["started"] == "running (booted)"
    assert ours["saved"] == "shut off (saved)"
    assert ours["snapshots"] == ["snap1", "snap2"]
    assert ours["snapshots after delete"] == []
    # Every conversation, message by message, as with QEMU.
    mine, qemus = ours.pop("monitors"), theirs.pop("monitors")
    assert len(mine) == len(qemus)
    for number, (got, want) in enumerate(zip(mine, qemus, strict=True)):
        assert len(got) == len(want), f"monitor {number}"
        for index, (message, expected) in enumerate(zip(got, want, strict=True)):
            assert message == expected, f"message {index} of monitor {number}"
    assert ours == theirs


#: The smallest domain of test_libvirt (no disk: nothing to share between hosts).
MIGRATED_XML = """\
<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><emulator>{emulator}</emulator></devices>
</domain>
"""


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Libvirtd, Libvirtd]]:
    """Two private libvirtds that look like two hosts (own hostname and host UUID)."""
    reason = why_unavailable()
    if reason is not None:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("hosts")
    with (
        private_libvirtd(
            tmp / "src", hostname="qm-src", host_uuid="5e1f0c6a-0000-4000-8000-000000000001"
        ) as src,
        private_libvirtd(
            tmp / "dst", hostname="qm-dst", host_uuid="5e1f0c6a-0000-4000-8000-000000000002"
        ) as dst,
    ):
        yield src, dst


def _switchover_settled(conversation: list[Any]) -> list[Any]:
    """migrate-continue's reply before MIGRATION ``device``, wherever they raced.

    QEMU's migration thread sets ``device`` once the command woke it, so the
    event comes before or after the reply (a race tools/record_migration.py
    names too): both orders are QEMU's.
    """
    out = list(conversation)
    for index in range(len(out) - 1):
        first, second = out[index], out[index + 1]
        if (
            first[0] == "event"
            and first[1].get("data") == {"status": "device"}
            and second[0] == "reply"
            and second[1].get("return") == {}
        ):
            out[index], out[index + 1] = second, first
    return out


def _without_qtest_accel(conversation: list[Any]) -> list[Any]:
    """Type listings without ``qtest-accel``, the type of a module QEMU loads on demand.

    Once, in a run with two CPU hogs alongside, one capability probe's
    ``qom-list-types`` listed it on one side only; every other type and
    message still has to be the same.
    """
    out = []
    for kind, value in conversation:
        listed = value.get("return") if isinstance(value, dict) else None
        if kind == "reply" and isinstance(listed, list):
            kept = [t for t in listed if not isinstance(t, dict) or t.get("name") != "qtest-accel"]
            value = {**value, "return": kept}
        out.append((kind, value))
    return out


def _without_ports(session: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The migration port libvirt picked (from its own pool) as a placeholder."""
    return [(kind, re.sub(r"(tcp:[0-9.]+):\d+", r"\1:PORT", text)) for kind, text in session]


def migrate(
    hosts: tuple[Libvirtd, Libvirtd], tmp: Path, name: str, emulator: str
) -> dict[str, Any]:
    """``virsh migrate --live`` from one daemon to the other; what both showed and said."""
    src, dst = hosts
    seen: dict[str, Any] = {}
    xml = tmp / f"{name}.xml"
    xml.write_text(MIGRATED_XML.format(name=name, emulator=emulator))
    src.virsh("define", str(xml))
    marks = len(src.log()), len(dst.log())
    try:
        src.virsh("start", name)
        src.virsh("migrate", "--live", name, dst.uri, "tcp://127.0.0.1")
        seen["source"] = src.virsh("domstate", "--reason", name).strip()
        seen["destination"] = dst.virsh("domstate", "--reason", name).strip()
        seen["query-status"] = json.loads(
            dst.virsh("qemu-monitor-command", name, '{"execute":"query-status"}')
        )["return"]
        dst.virsh("destroy", name)
    finally:
        dst.virsh("destroy", name, check=False)
        src.virsh("destroy", name, check=False)
        src.virsh("undefine", name, check=False)
    for side, daemon, mark in (("src", src, marks[0]), ("dst", dst, marks[1])):
        sessions = monitor_sessions(daemon.log()[mark:])
        seen[f"{side} monitors"] = [
            _without_qtest_accel(_switchover_settled(_conversation(_without_ports(s), name, tmp)))
            for s in sessions
        ]
    return seen


def test_migrate_between_two_daemons_is_qemus(
    two_hosts: tuple[Libvirtd, Libvirtd], emulator: Path, tmp_path: Path
) -> None:
    assert QEMU is not None
    theirs = migrate(two_hosts, tmp_path, "migrate-qemu", QEMU)
    ours = migrate(two_hosts, tmp_path, "migrate-qmonitor", str(emulator))
    assert ours["source"] == "shut off (migrated)"
    assert ours["destination"] == "running (migrated)"
    for side in ("src monitors", "dst monitors"):
        mine, qemus = ours.pop(side), theirs.pop(side)
        assert len(mine) == len(qemus), side
        for number, (got, want) in enumerate(zip(mine, qemus, strict=True)):
            assert len(got) == len(want), f"{side} {number}"
            for index, (message, expected) in enumerate(zip(got, want, strict=True)):
                assert message == expected, f"message {index} of {side} {number}"
    assert ours == theirs
