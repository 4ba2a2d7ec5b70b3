"""virtio-blk requests, MSI-X delivery and the resize notification, sans IO."""

from __future__ import annotations

from qmonitor.machine.virtio.blk import S_IOERR, S_OK, S_UNSUPP, VirtioBlk
from qmonitor.machine.virtio.msix import FLAGS_ENABLE, FLAGS_MASKALL, Msix
from qmonitor.machine.virtio.ring import DESC_F_NEXT, DESC_F_WRITE
from qmonitor.machine.virtio.transport import (
    F_VERSION_1,
    ISR_CONFIG,
    ISR_QUEUE,
    S_DRIVER_OK,
    VirtioPci,
    offers,
)
from qmonitor_testsupport.virtio_fakes import MemMedium, Ram

DESC, AVAIL, USED, BUF = 0x100000, 0x101000, 0x102000, 0x200000


def _rig(size: int = 1 << 20) -> tuple[VirtioPci, MemMedium, Ram]:
    ram, medium = Ram(), MemMedium(size)
    dev = VirtioPci(offers()["virtio-blk-pci"], ram, VirtioBlk(medium, "disk-serial"), nvectors=2)
    dev.guest_features = 1 << F_VERSION_1 | 1 << 13 | 1 << 14
    q = dev.queues[0]
    q.desc, q.avail, q.used = DESC, AVAIL, USED
    return dev, medium, ram


def _send(
    dev: VirtioPci, ram: Ram, kind: int, sector: int, out: bytes = b"", din: int = 0
) -> tuple[int, bytes, int]:
    header = kind.to_bytes(4, "little") + bytes(4) + sector.to_bytes(8, "little")
    ram.write(BUF, header + out)
    chain = [(BUF, 16 + len(out), 0), (BUF + 0x1000, din + 1, DESC_F_WRITE)]
    ram.write(BUF + 0x1000, b"\xaa" * (din + 1))
    for i, (addr, length, flags) in enumerate(chain):
        more = DESC_F_NEXT if i == 0 else 0
        raw = addr.to_bytes(8, "little") + length.to_bytes(4, "little")
        ram.write(
            DESC + 16 * i, raw + (flags | more).to_bytes(2, "little") + (1).to_bytes(2, "little")
        )
    idx = int.from_bytes(ram.read(AVAIL + 2, 2), "little")
    ram.write(AVAIL + 4 + 2 * idx, b"\0\0")
    ram.write(AVAIL + 2, (idx + 1).to_bytes(2, "little"))
    dev.notify(0)
    used_len = int.from_bytes(ram.read(USED + 4 + 8 * idx + 4, 4), "little")
    return ram.read(BUF + 0x1000 + din, 1)[0], ram.read(BUF + 0x1000, din), used_len


def test_write_read_flush_and_id() -> None:
    dev, medium, ram = _rig()
    assert dev.config_read(0, 8) == 2048  # capacity in sectors, from the drive
    data = b"TEST".ljust(512, b"\0")
    assert _send(dev, ram, 1, 3, out=data)[::2] == (S_OK, 1)
    assert medium.data[3 * 512 : 4 * 512] == data
    status, got, used = _send(dev, ram, 0, 3, din=512)
    assert (status, got, used) == (S_OK, data, 513)
    assert _send(dev, ram, 4, 0)[0] == S_OK
    assert _send(dev, ram, 8, 0, din=20)[1] == b"disk-serial".ljust(20, b"\0")
    assert _send(dev, ram, 99, 0)[0] == S_UNSUPP
    assert dev.isr_read() == ISR_QUEUE


def test_out_of_range_or_partial_sectors_are_io_errors() -> None:
    dev, _, ram = _rig()
    assert _send(dev, ram, 0, 2048, din=512)[0] == S_IOERR
    assert _send(dev, ram, 1, 0, out=bytes(100))[0] == S_IOERR


def test_discard_and_write_zeroes_segments() -> None:
    dev, medium, ram = _rig()
    medium.data[:1024] = b"\xff" * 1024
    seg = (1).to_bytes(8, "little") + (1).to_bytes(4, "little")
    assert _send(dev, ram, 13, 0, out=seg + (1).to_bytes(4, "little"))[0] == S_OK
    assert medium.data[512:1024] == bytes(512) and medium.unmapped_writes == [(512, 512)]
    assert _send(dev, ram, 11, 0, out=seg + bytes(4))[0] == S_OK
    assert medium.discards == [(512, 512)]
    assert _send(dev, ram, 11, 0, out=seg + (1).to_bytes(4, "little"))[0] == S_UNSUPP


def test_msix_messages_pending_bits_and_the_resize_notification() -> None:
    dev, medium, ram = _rig()
    control = [FLAGS_ENABLE]
    dev.msix = Msix(2, 32, lambda: control[0])
    dev.msix.write(16, 8, 0x300000, ram)  # vector 1: address, data
    dev.msix.write(24, 4, 0x12345678, ram)
    dev.queues[0].vector = 1
    _send(dev, ram, 4, 0)
    assert dev.msix.read(32, 4) == 0b10  # still masked: pending
    dev.msix.write(28, 4, 0, ram)  # unmasked: the message goes out
    assert ram.read(0x300000, 4) == (0x12345678).to_bytes(4, "little") and dev.msix.pending == 0
    control[0] |= FLAGS_MASKALL
    assert dev.msix.masked(1)
    dev.isr_read()
    medium._size = 1 << 21  # the drive grew
    dev.config_maybe_changed()
    assert dev.isr == 0  # the driver is not ready yet: nothing
    medium._size = 1 << 22
    dev.status = S_DRIVER_OK
    dev.config_maybe_changed()
    assert dev.isr == ISR_QUEUE | ISR_CONFIG and dev.common_read(0x15, 1) == 1
    assert dev.config_read(0, 8) == (1 << 22) // 512
