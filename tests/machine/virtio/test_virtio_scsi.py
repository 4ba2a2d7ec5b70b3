"""virtio-scsi requests end to end, sans IO: guest RAM as a bytearray, disks over media in memory.

Each test sends one command family through the request queue as a
driver does and checks what lands in the response, the data buffers, the
used ring and the medium (facts from hw/scsi/virtio-scsi.c, scsi-disk.c,
scsi-bus.c; the same families are replayed against QEMU's recording in
tests/golden/qtest/virtio_scsi.json).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from qmonitor.machine.virtio.ring import DESC_F_NEXT, DESC_F_WRITE
from qmonitor.machine.virtio.scsi import VirtioScsi
from qmonitor.machine.virtio.scsi_disk import ScsiDisk
from qmonitor.machine.virtio.transport import (
    F_VERSION_1,
    ISR_QUEUE,
    S_NEEDS_RESET,
    VirtioPci,
    offers,
)
from qmonitor_testsupport.virtio_fakes import MemMedium, Ram

DESC, AVAIL, USED = 0x100000, 0x101000, 0x102000
REQ, DOUT, RESP, DIN = 0x200000, 0x201000, 0x210000, 0x211000
MARK = 0xA5


@dataclass
class Reply:
    response: int
    status: int
    resid: int
    sense: bytes
    data: bytes
    used_len: int


class Rig:
    """A virtio-scsi transport with disks at targets 1 (disk), 2 (CD-ROM), 3 (4 KiB blocks)."""

    def __init__(self) -> None:
        self.ram = Ram()
        self.media = {1: MemMedium(1 << 20), 2: MemMedium(1 << 20), 3: MemMedium(1 << 22)}
        self.disks = {
            1: ScsiDisk("scsi-hd", self.media[1], 512, 0),
            2: ScsiDisk("scsi-cd", self.media[2], 2048, 0),
            3: ScsiDisk("scsi-hd", self.media[3], 4096, 0),
        }
        self.dev = VirtioPci(offers()["virtio-scsi-pci"], self.ram, VirtioScsi(self._lookup))
        self.dev.guest_features = 1 << F_VERSION_1 | 0x6
        q = self.dev.queues[2]
        q.desc, q.avail, q.used, q.enabled = DESC, AVAIL, USED, True
        self.sent = 0

    def _lookup(self, target: int, lun: int) -> ScsiDisk | None:
        return self.disks.get(target)

    def command(
        self, cdb: bytes, *, target: int = 1, lun: int = 0, out: bytes = b"", din: int = 0,
        lun_bytes: bytes | None = None, clear_ua: bool = True,
    ) -> Reply:  # fmt: skip
        if clear_ua and target in self.disks:
            self.disks[target].unit_attention = None
        lun_field = lun_bytes or bytes([1, target, 0, lun])
        header = lun_field.ljust(8, b"\0") + bytes(11) + cdb.ljust(32, b"\0")
        chain = [(REQ, len(header), 0)]
        self.ram.write(REQ, header)
        if out:
            self.ram.write(DOUT, out)
            chain.append((DOUT, len(out), 0))
        self.ram.write(RESP, bytes([MARK]) * 108)
        chain.append((RESP, 108, DESC_F_WRITE))
        if din:
            self.ram.write(DIN, bytes([MARK]) * din)
            chain.append((DIN, din, DESC_F_WRITE))
        for i, (addr, length, flags) in enumerate(chain):
            more = DESC_F_NEXT if i + 1 < len(chain) else 0
            raw = addr.to_bytes(8, "little") + length.to_bytes(4, "little")
            self.ram.write(
                DESC + 16 * i,
                raw + (flags | more).to_bytes(2, "little") + (i + 1).to_bytes(2, "little"),
            )
        self.ram.write(AVAIL + 4 + 2 * (self.sent % 256), b"\0\0")
        self.sent += 1
        self.ram.write(AVAIL + 2, self.sent.to_bytes(2, "little"))
        self.dev.notify(2)
        assert int.from_bytes(self.ram.read(USED + 2, 2), "little") == self.sent
        slot = USED + 4 + 8 * ((self.sent - 1) % 256)
        used_len = int.from_bytes(self.ram.read(slot + 4, 4), "little")
        resp = self.ram.read(RESP, 108)
        sense_len = int.from_bytes(resp[0:4], "little")
        return Reply(resp[11], resp[10], int.from_bytes(resp[4:8], "little"),
                     resp[12 : 12 + sense_len], self.ram.read(DIN, din), used_len)  # fmt: skip


def _cdb10(op: int, lba: int, count: int, flags: int = 0) -> bytes:
    return bytes([op, flags]) + lba.to_bytes(4, "big") + b"\0" + count.to_bytes(2, "big")


def _sense(reply: Reply) -> tuple[int, int, int]:
    assert reply.status == 2 and reply.sense[0] == 0x70 and len(reply.sense) == 18
    return reply.sense[2], reply.sense[12], reply.sense[13]


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_test_unit_ready_reports_power_on_once(rig: Rig) -> None:
    first = rig.command(bytes(6), clear_ua=False)
    assert (first.response, _sense(first), first.used_len) == (0, (6, 0x29, 0), 108)
    second = rig.command(bytes(6), clear_ua=False)
    assert (second.status, second.sense) == (0, b"")
    assert rig.dev.isr_read() == ISR_QUEUE


def test_inquiry_passes_the_unit_attention_and_names_the_device(rig: Rig) -> None:
    disk = rig.command(bytes([0x12, 0, 0, 0, 96, 0]), din=96, clear_ua=False)
    assert disk.status == 0 and disk.data[:8] == bytes([0, 0, 5, 0x12, 91, 0, 0, 0x12])
    assert disk.data[8:36] == b"QEMU    QEMU HARDDISK   2.5+" and disk.data[36:] == bytes(60)
    cd = rig.command(bytes([0x12, 0, 0, 0, 36, 0]), target=2, din=64)
    assert cd.data[:2] == bytes([5, 0x80]) and cd.data[16:32] == b"QEMU CD-ROM     "
    assert cd.resid == 28 and cd.data[36:] == bytes([MARK]) * 28
    assert rig.disks[1].unit_attention is not None  # still pending for other commands


def test_read_capacity_10_and_16(rig: Rig) -> None:
    cap = rig.command(bytes([0x25]) + bytes(9), target=3, din=8)
    assert cap.data == (1023).to_bytes(4, "big") + (4096).to_bytes(4, "big")
    cdb = bytes([0x9E, 0x10]) + bytes(8) + (32).to_bytes(4, "big") + bytes(2)
    cap16 = rig.command(cdb, din=32)
    assert cap16.data[:12] == (2047).to_bytes(8, "big") + (512).to_bytes(4, "big")
    assert cap16.data[14] == 0x80  # LBPME
    cd16 = rig.command(cdb, target=2, din=32)
    assert cd16.data[14] == 0


def test_write_then_read_moves_the_bytes_and_the_whole_buffer_list(rig: Rig) -> None:
    data = bytes(range(256)) * 2
    w = rig.command(_cdb10(0x2A, 3, 1), out=data)
    assert (w.status, w.resid, w.used_len) == (0, 0, 512 + 108)
    assert rig.media[1].data[3 * 512 : 4 * 512] == data
    r = rig.command(_cdb10(0x28, 3, 1), din=1024)  # a buffer list longer than the CDB asks
    assert r.data[:512] == data and r.data[512:] == bytes(512)
    assert r.resid == (512 - 1024) & 0xFFFFFFFF  # QEMU's negative residual
    r16 = rig.command(
        bytes([0x88, 0]) + (3).to_bytes(8, "big") + (1).to_bytes(4, "big") + bytes(2), din=512
    )
    assert r16.data == data


def test_reads_and_writes_check_the_range_and_the_direction(rig: Rig) -> None:
    assert _sense(rig.command(_cdb10(0x28, 2048, 1), din=512)) == (5, 0x21, 0)
    assert _sense(rig.command(_cdb10(0x28, 0, 1, flags=0x20), din=512)) == (5, 0x24, 0)
    assert rig.command(_cdb10(0x28, 0, 2), din=512).response == 1  # OVERRUN
    assert rig.command(_cdb10(0x2A, 0, 1), din=512).response == 1  # the wrong way
    both = rig.command(_cdb10(0x2A, 0, 1), out=bytes(512), din=512)
    assert (both.response, both.used_len) == (9, 512 + 512 + 108)  # VIRTIO_SCSI_S_FAILURE


def test_write_same_writes_zeroes_repeats_a_block_and_ignores_ndob(rig: Rig) -> None:
    rig.media[1].data[:] = b"\xff" * len(rig.media[1].data)
    assert rig.command(_cdb10(0x41, 1, 2, flags=0x08), out=bytes(512)).status == 0
    assert rig.media[1].data[512:1536] == bytes(1024) and rig.media[1].unmapped_writes == [
        (512, 1024)
    ]
    block = bytes([7]) * 512
    assert rig.command(_cdb10(0x41, 4, 3), out=block).status == 0
    assert rig.media[1].data[2048 : 2048 + 1536] == block * 3
    # NDOB moves no data: QEMU 7.2 ends the command GOOD without writing or checking.
    assert rig.command(_cdb10(0x41, 2047, 9, flags=1)).status == 0
    assert _sense(rig.command(_cdb10(0x41, 1, 0), out=bytes(512))) == (5, 0x24, 0)
    assert _sense(rig.command(_cdb10(0x41, 2047, 2), out=bytes(512))) == (5, 0x21, 0)


def _unmap(*ranges: tuple[int, int]) -> bytes:
    body = b"".join(lba.to_bytes(8, "big") + n.to_bytes(4, "big") + bytes(4) for lba, n in ranges)
    return (len(body) + 6).to_bytes(2, "big") + len(body).to_bytes(2, "big") + bytes(4) + body


def test_unmap_discards_block_ranges_in_the_device_block_size(rig: Rig) -> None:
    params = _unmap((0x3F, 0x1), (0x100, 0x10))
    assert rig.command(_cdb10(0x42, 0, len(params)), out=params, target=3).status == 0
    assert rig.media[3].discards == [(0x3F * 4096, 4096), (0x100 * 4096, 0x10 * 4096)]
    # The first range is discarded before the second one fails its range check.
    params = _unmap((0, 1), (1023, 2))
    assert _sense(rig.command(_cdb10(0x42, 0, len(params)), out=params, target=3)) == (5, 0x21, 0)
    assert rig.media[3].discards[-1] == (0, 4096)
    short = _unmap((0, 1))[:12]
    assert _sense(rig.command(_cdb10(0x42, 0, len(short)), out=short)) == (5, 0x1A, 0)
    assert _sense(rig.command(_cdb10(0x42, 0, 24, flags=1), out=_unmap((0, 1)))) == (5, 0x24, 0)


def test_a_cd_rom_is_write_protected(rig: Rig) -> None:
    assert _sense(rig.command(_cdb10(0x2A, 0, 1), target=2, out=bytes(2048))) == (7, 0x27, 0)
    assert _sense(rig.command(_cdb10(0x41, 0, 1), target=2, out=bytes(2048))) == (7, 0x27, 0)


def test_unknown_opcodes_and_addresses(rig: Rig) -> None:
    assert _sense(rig.command(bytes([0x02]) + bytes(5))) == (5, 0x20, 0)
    assert _sense(rig.command(bytes([0xE0]) + bytes(15))) == (5, 0x20, 0)
    assert rig.command(bytes(6), target=9).response == 3  # BAD_TARGET
    assert rig.command(bytes(6), lun_bytes=bytes([2, 1, 0, 0])).response == 3
    assert _sense(rig.command(bytes(6), lun=5)) == (5, 0x25, 0)  # LUN NOT SUPPORTED
    assert rig.command(bytes([0x12, 0, 0, 0, 36, 0]), lun=5, din=36).data[0] == 0x7F


def test_headers_too_short_break_the_device(rig: Rig) -> None:
    rig.ram.write(DESC, (REQ).to_bytes(8, "little") + (10).to_bytes(4, "little") + bytes(4))
    rig.ram.write(AVAIL + 2, b"\x01\x00")
    rig.dev.notify(2)
    assert rig.dev.broken and rig.dev.status & S_NEEDS_RESET
    assert rig.ram.read(USED + 2, 2) == b"\0\0"  # nothing was used
