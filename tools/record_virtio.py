#!/usr/bin/env python3
"""Record what QEMU's virtio PCI devices offer a driver: features, queues, device configuration.

For each device the tool maps its modern BAR through qtest, reads both
words of the offered features, the number of queues, each queue's size
and the first bytes of the device-specific configuration, and writes them
to src/qmonitor/machine/virtio/devices.json, which the machine's virtio
transport serves.  Run it under ``-accel qtest`` (set QEMU_MODULE_DIR for
Debian's modular QEMU).

Usage: ``python tools/record_virtio.py [--qemu PATH] [--out FILE]``.
"""

from __future__ import annotations

import json
from pathlib import Path

from qmonitor_testsupport.qtest_transcripts import Script, play
from qmonitor_testsupport.qtest_virtio import COMMON, DEVICE, VirtioDriver
from qmonitor_testsupport.recording import qemu_version, recorder_parser

#: The devices, with what each needs beside it.
DEVICES: dict[str, tuple[str, ...]] = {
    "virtio-scsi-pci": ("-device", "virtio-scsi-pci,addr=04.0"),
    "virtio-blk-pci": (
        "-drive", "if=none,id=d0,file=null-co://,format=raw",
        "-device", "virtio-blk-pci,drive=d0,addr=04.0",
    ),
    "virtio-net-pci": ("-device", "virtio-net-pci,addr=04.0"),
    "virtio-rng-pci": ("-device", "virtio-rng-pci,addr=04.0"),
    "virtio-serial-pci": ("-device", "virtio-serial-pci,addr=04.0"),
    "virtio-balloon-pci": ("-device", "virtio-balloon-pci,addr=04.0"),
}  # fmt: skip
#: How many bytes of device configuration are read.
CONFIG_BYTES = 64
MAX_QUEUES = 8


def _value(reply: list[str] | None) -> int:
    assert reply is not None and reply[-1].startswith("OK "), reply
    return int(reply[-1].split()[1], 16)


def probe(qemu: str, args: tuple[str, ...]) -> dict[str, object]:
    drv = VirtioDriver(4)
    drv.enable()
    drv.common(0x14, 1, 0)
    for sel in (0, 1):
        drv.common(0x00, 4, sel)
        drv.common(0x04, 4)
    drv.common(0x12, 2)
    for q in range(MAX_QUEUES):
        drv.common(0x16, 2, q)
        drv.common(0x18, 2)
    for off in range(CONFIG_BYTES):
        drv.lines.append(f"readb 0x{DEVICE + off:x}")
    script = Script("probe", "", ("-M", "pc", "-nodefaults", *args), tuple(drv.lines))
    replies = [rep for _, rep in play([qemu], script)["exchanges"]]
    pairs = zip(drv.lines, replies, strict=True)
    reads = [_value(r) for (line, r) in pairs if line.startswith("read")]
    lo, hi, nq, *rest = reads
    sizes, config = rest[:MAX_QUEUES], rest[MAX_QUEUES:]
    return {
        "features": lo | hi << 32,
        "num_queues": nq,
        "queue_sizes": sizes[:nq],
        "config": bytes(config).hex(),
    }


def main() -> int:
    default = Path(__file__).resolve().parent.parent / "src/qmonitor/machine/virtio/devices.json"
    ns = recorder_parser(__doc__, default).parse_args()
    out = {"version": qemu_version(ns.qemu), "common": f"0x{COMMON:x}", "devices": {}}
    for name, args in DEVICES.items():
        out["devices"][name] = probe(ns.qemu, args)  # type: ignore[index]
    ns.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"{len(DEVICES)} devices written to {ns.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
