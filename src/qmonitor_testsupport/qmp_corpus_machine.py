"""The ``machine`` theme of the QMP golden corpus: machine commands that are not queries.

What QEMU 7.2 answers on ``-M none`` and on a PC to wake-up, NMI, memory
saves, NUMA, FDT, replay, SEV and SGX, PCI, statistics and virtio
commands.  Imported by :mod:`.qmp_corpus`.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import NEG, PROBE, Opts, cmd, table

_PC = Opts(("-M", "pc", "-accel", "qtest"))
_SAVE: dict[str, Any] = {"val": 0, "size": 16, "filename": "/dev/null"}

_COMMON = (
    cmd("pmemsave", _SAVE, "pmemsave"),
    cmd("pmemsave", {**_SAVE, "filename": "/nonexistent/x"}, "pmemsave-open"),
    cmd("memsave", {**_SAVE, "cpu-index": 1}, "memsave-cpu1"),
    cmd("set-numa-node", {"type": "node"}, "numa"),
    cmd("dumpdtb", {"filename": "/dev/null"}, "dtb"),
    cmd("replay-break", {"icount": 1}, "rb"),
    cmd("replay-delete-break", id="rdb"),
    cmd("replay-seek", {"icount": 1}, "rs"),
    cmd("add_client", {"protocol": "vnc", "fdname": "x"}, "add-client"),
    cmd("rtc-reset-reinjection", id="rtc"),
    cmd("query-sev", id="sev"),
    cmd("query-sev-launch-measure", id="sev-m"),
    cmd("query-sev-capabilities", id="sev-c"),
    cmd("sev-inject-launch-secret", {"packet-header": "x", "secret": "y"}, "sev-i"),
    cmd("query-sev-attestation-report", {"mnonce": "x"}, "sev-a"),
    cmd("query-sgx", id="sgx"),
    cmd("query-sgx-capabilities", id="sgx-c"),
    cmd("query-stats", {"target": "vm"}, "stats-vm"),
    cmd("query-stats", {"target": "vcpu", "vcpus": ["/machine"]}, "stats-vcpu"),
    cmd("query-stats", {"target": "vm", "providers": [{"provider": "kvm"}]}, "stats-kvm"),
    cmd("query-stats", {"target": "cryptodev"}, "stats-bad"),
    cmd("x-query-virtio", id="virtio"),
    cmd("x-query-virtio-status", {"path": "/machine"}, "virtio-status"),
    cmd("x-query-virtio-queue-status", {"path": "/x", "queue": 0}, "virtio-q"),
    cmd("x-query-virtio-vhost-queue-status", {"path": "/x", "queue": 0}, "virtio-vq"),
    cmd("x-query-virtio-queue-element", {"path": "/x", "queue": 0}, "virtio-e"),
    cmd("x-query-virtio-queue-element", {"path": "/x", "queue": 65536}, "virtio-e-big"),
    cmd("system_wakeup", id="wakeup"),
    cmd("inject-nmi", id="nmi"),
    cmd("memsave", _SAVE, "memsave"),
)

table("machine", [
    ("mc_none", "machine commands on -M none", NEG, *_COMMON, cmd("query-pci", id="pci"),
     PROBE),
    ("mc_pc", "machine commands on a PC", NEG, *_COMMON, PROBE, _PC),
])  # fmt: skip
