"""qtest scripts that drive a virtio PCI device as a driver does, for recording and replay.

A script maps the device's modern BAR, negotiates features, sets up its
virtqueues in guest RAM and sends requests through them, reading back
everything the device writes: the used ring, the ISR and each request's
response and data buffers (prefilled with a marker byte, so that what the
device leaves alone shows too).  The lines are plain qtest, so the same
script records QEMU (tools/record_qtest.py) and replays against qmonitor
(tests/machine/test_qtest_golden.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Where the scripts map the modern BAR (BAR 4) and its regions (QEMU's layout, from the
#: device's vendor capabilities: common, ISR, device, notify, 4 KiB apart).
BAR4 = 0xE0000000
COMMON, ISR, DEVICE, NOTIFY = BAR4, BAR4 + 0x1000, BAR4 + 0x2000, BAR4 + 0x3000
NOTIFY_MULTIPLIER = 4
#: Guest RAM the scripts use: the rings of queue N at RINGS + N * RING_STRIDE.
RINGS = 0x100000
RING_STRIDE = 0x10000
ALIGN = 0x1000
#: Request header, data-out, response and data-in buffers.
REQ, DOUT, RESP, DIN = 0x200000, 0x201000, 0x210000, 0x211000
#: What the response and data-in buffers hold before the device writes them.
MARK = 0xA5
#: struct virtio_scsi_cmd_req / _resp with QEMU's default CDB and sense sizes.
SCSI_REQ_SIZE = 51
SCSI_RESP_SIZE = 108
#: Descriptor flags (VRING_DESC_F_*).
F_NEXT, F_WRITE = 1, 2


def _config(slot: int, reg: int, op: str, value: int | None = None) -> list[str]:
    select = f"outl 0xcf8 0x{0x80000000 | slot << 11 | reg & ~3:x}"
    port = f"0x{0xCFC + (reg & 3):x}"
    return [select, f"{op} {port}" if value is None else f"{op} {port} 0x{value:x}"]


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


@dataclass
class VirtioDriver:
    """Builds the qtest lines of a driver talking to the device in ``slot``."""

    slot: int
    queue_size: int = 256
    lines: list[str] = field(default_factory=list)
    #: Each queue's next avail index.
    avail_idx: dict[int, int] = field(default_factory=dict)

    def ring(self, queue: int) -> tuple[int, int, int]:
        """Where queue ``queue``'s descriptor table, avail ring and used ring are."""
        desc = RINGS + queue * RING_STRIDE
        avail = desc + 16 * self.queue_size
        used = (avail + 2 * (3 + self.queue_size) + ALIGN - 1) & ~(ALIGN - 1)
        return desc, avail, used

    def enable(self) -> None:
        """Map BAR 4 and turn on memory decoding and bus mastering."""
        self.lines += _config(self.slot, 0x20, "outl", BAR4)
        self.lines += _config(self.slot, 0x24, "outl", 0)
        self.lines += _config(self.slot, 0x04, "outw", 0x0006)

    def common(self, offset: int, size: int, value: int | None = None) -> None:
        op = {1: "b", 2: "w", 4: "l"}[size]
        if value is None:
            self.lines.append(f"read{op} 0x{COMMON + offset:x}")
        else:
            self.lines.append(f"write{op} 0x{COMMON + offset:x} 0x{value:x}")

    def handshake(self, queues: int, features: int) -> None:
        """Reset, ACKNOWLEDGE, DRIVER, the offered features read, ``features`` written,
        FEATURES_OK, each queue set up and enabled, DRIVER_OK: libqos's order."""
        self.common(0x14, 1, 0)
        self.common(0x14, 1, 1)
        self.common(0x14, 1, 3)
        for sel in (0, 1):
            self.common(0x00, 4, sel)
            self.common(0x04, 4)
        for sel in (0, 1):
            self.common(0x08, 4, sel)
            self.common(0x0C, 4, (features >> (32 * sel)) & 0xFFFFFFFF)
            self.common(0x0C, 4)
        self.common(0x14, 1, 0xB)
        self.common(0x14, 1)
        self.common(0x12, 2)
        for q in range(queues):
            self.common(0x16, 2, q)
            self.common(0x18, 2)
            desc, avail, used = self.ring(q)
            for off, addr in ((0x20, desc), (0x28, avail), (0x30, used)):
                self.common(off, 4, addr & 0xFFFFFFFF)
                self.common(off + 4, 4, addr >> 32)
            self.common(0x1E, 2)
            self.common(0x1C, 2, 1)
            self.common(0x1C, 2)
        self.common(0x14, 1, 0xF)
        self.common(0x14, 1)

    def submit(self, queue: int, out: list[tuple[int, bytes]], inn: list[tuple[int, int]]) -> None:
        """Write ``out`` buffers, prefill the ``inn`` ones, chain them, kick, then read back."""
        desc, avail, used = self.ring(queue)
        chain: list[tuple[int, int, int]] = []
        for addr, data in out:
            self.lines.append(f"write 0x{addr:x} {len(data)} {_hex(data)}")
            chain.append((addr, len(data), 0))
        for addr, length in inn:
            self.lines.append(f"memset 0x{addr:x} {length} 0x{MARK:x}")
            chain.append((addr, length, F_WRITE))
        table = b""
        for i, (addr, length, flags) in enumerate(chain):
            more = F_NEXT if i + 1 < len(chain) else 0
            nxt = i + 1 if more else 0
            table += addr.to_bytes(8, "little") + length.to_bytes(4, "little")
            table += (flags | more).to_bytes(2, "little") + nxt.to_bytes(2, "little")
        self.lines.append(f"write 0x{desc:x} {len(table)} {_hex(table)}")
        idx = self.avail_idx.get(queue, 0)
        self.lines.append(f"writew 0x{avail + 4 + 2 * (idx % self.queue_size):x} 0x0")
        self.lines.append(f"writew 0x{avail + 2:x} 0x{idx + 1:x}")
        self.avail_idx[queue] = idx + 1
        self.lines.append(f"writew 0x{NOTIFY + NOTIFY_MULTIPLIER * queue:x} 0x{queue:x}")
        # QEMU completes block requests a few main-loop turns later: the reads wait.
        self.lines += ["clock_step 100"] * 3
        self.lines.append(f"readw 0x{used + 2:x}")
        self.lines.append(f"readq 0x{used + 4 + 8 * (idx % self.queue_size):x}")
        for addr, length in inn:
            self.lines.append(f"read 0x{addr:x} {length}")
        self.lines.append(f"readb 0x{ISR:x}")
        self.lines.append(f"readb 0x{ISR:x}")


def scsi_command(
    drv: VirtioDriver,
    cdb: bytes,
    *,
    target: int = 1,
    lun: int = 0,
    data_out: bytes = b"",
    data_in: int = 0,
    queue: int = 2,
    lun_bytes: bytes | None = None,
) -> None:
    """One virtio-scsi command on request queue ``queue`` (libqos's virtio_scsi_do_command)."""
    lun_field = lun_bytes or bytes([1, target, 0x40 | lun >> 8 if lun > 255 else 0, lun & 0xFF])
    header = lun_field.ljust(8, b"\0") + bytes(8 + 3) + cdb.ljust(32, b"\0")
    out = [(REQ, header)]
    if data_out:
        out.append((DOUT, data_out))
    inn = [(RESP, SCSI_RESP_SIZE)]
    if data_in:
        inn.append((DIN, data_in))
    drv.submit(queue, out, inn)


def _cdb10(op: int, lba: int, count: int, flags: int = 0) -> bytes:
    return bytes([op, flags]) + lba.to_bytes(4, "big") + bytes([0]) + count.to_bytes(2, "big")


def _cdb16(op: int, lba: int, count: int, flags: int = 0) -> bytes:
    return bytes([op, flags]) + lba.to_bytes(8, "big") + count.to_bytes(4, "big") + bytes(2)


def _unmap_params(*ranges: tuple[int, int], length: int | None = None) -> bytes:
    body = b"".join(lba.to_bytes(8, "big") + n.to_bytes(4, "big") + bytes(4) for lba, n in ranges)
    data_len = len(body) + 6 if length is None else length
    return data_len.to_bytes(2, "big") + len(body).to_bytes(2, "big") + bytes(4) + body


#: virtio-scsi features the scripts' driver accepts: VERSION_1 and the two SCSI ones.
SCSI_FEATURES = 1 << 32 | 0x6
#: Three devices: a disk at target 1, a CD-ROM at target 2, a disk of 4 KiB blocks at 3.
SCSI_ARGS = (
    "-M", "pc", "-nodefaults",
    "-drive", "if=none,id=d1,file=null-co://,file.read-zeroes=on,format=raw",
    "-drive", "if=none,id=d2,file=null-co://,file.read-zeroes=on,format=raw",
    "-drive", "if=none,id=d3,file=null-co://,file.read-zeroes=on,file.size=64M,format=raw",
    "-device", "virtio-scsi-pci,addr=04.0",
    "-device", "scsi-hd,drive=d1,scsi-id=1,lun=0",
    "-device", "scsi-cd,drive=d2,scsi-id=2,lun=0",
    "-device", "scsi-hd,drive=d3,scsi-id=3,lun=0,logical_block_size=4k,physical_block_size=4k",
)  # fmt: skip


def scsi_lines() -> tuple[str, ...]:
    """The virtio-scsi script: every command family on each kind of device."""
    drv = VirtioDriver(4)
    drv.enable()
    drv.handshake(3, SCSI_FEATURES)
    for off in range(0, 0x24, 4):
        drv.lines.append(f"readl 0x{DEVICE + off:x}")
    tur = bytes(6)
    for target in (1, 2, 3):
        scsi_command(drv, tur, target=target)  # POWER ON first
        scsi_command(drv, tur, target=target)
        scsi_command(drv, bytes([0x12, 0, 0, 0, 96, 0]), target=target, data_in=96)
        scsi_command(drv, bytes([0x12, 0, 0, 0, 36, 0]), target=target, data_in=64)
        scsi_command(drv, bytes([0x25]) + bytes(9), target=target, data_in=8)
        scsi_command(drv, _cdb10(0x28, 0, 1), target=target, data_in=4096)
        scsi_command(drv, _cdb10(0x2A, 0, 1), target=target, data_out=bytes([0x5A]) * 4096)
    scsi_command(
        drv, bytes([0x9E, 0x10]) + bytes(8) + (32).to_bytes(4, "big") + bytes(2), data_in=32
    )
    scsi_command(drv, _cdb10(0x28, 0x1FFFFF, 1), data_in=512)  # the last block
    scsi_command(drv, _cdb10(0x28, 0x200000, 1), data_in=512)  # past the end
    scsi_command(drv, _cdb16(0x88, 8, 2), data_in=1024)
    scsi_command(drv, _cdb16(0x8A, 8, 1), data_out=bytes(512))
    scsi_command(drv, _cdb10(0x28, 0, 2), data_in=512)  # more than the buffer: overrun
    scsi_command(drv, _cdb10(0x2A, 0, 1), data_in=512)  # the wrong way: overrun
    scsi_command(drv, _cdb10(0x2A, 0, 1), data_out=bytes(512), data_in=512)  # both ways
    scsi_command(drv, _cdb10(0x41, 1, 2), data_out=bytes(512))
    scsi_command(drv, _cdb10(0x41, 1, 2), data_out=bytes([1]) + bytes(511))
    scsi_command(drv, _cdb10(0x41, 1, 0x3300, 1))  # NDOB
    scsi_command(drv, _cdb10(0x41, 1, 0, 1))  # no blocks
    scsi_command(drv, _cdb10(0x41, 0x1FFFFF, 2, 1))  # past the end
    scsi_command(drv, _cdb16(0x93, 4, 4, 1))
    for params in (
        _unmap_params((0x7FFF, 0x3FF)),
        _unmap_params((0x1FFFF0, 0x20)),  # past the end
        _unmap_params((0, 1), length=2),  # a bad data length
        _unmap_params((0, 1), (8, 8)),
    ):
        scsi_command(drv, _cdb10(0x42, 0, len(params)), data_out=params)
    scsi_command(drv, _cdb10(0x42, 0, 0x18), data_out=_unmap_params((0x7FFF, 0x3FF)), target=3)
    scsi_command(drv, bytes([0x35]) + bytes(9))
    scsi_command(drv, bytes([0x02]) + bytes(5))  # not a command
    scsi_command(drv, bytes([0xE0]) + bytes(15))  # a vendor group: no known length
    scsi_command(drv, _cdb10(0x2A, 0, 1), target=2, data_out=bytes(2048))  # a CD-ROM
    scsi_command(drv, tur, target=9)  # nobody there
    scsi_command(drv, tur, target=1, lun=5)  # no such LUN
    scsi_command(drv, bytes([0x12, 0, 0, 0, 36, 0]), target=1, lun=5, data_in=36)
    scsi_command(drv, tur, lun_bytes=bytes([2, 1, 0, 0]))  # not a LUN address
    return tuple(drv.lines)
