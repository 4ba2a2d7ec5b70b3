"""virtio-blk's request queue, as QEMU 7.2's hw/block/virtio-blk.c processes it.

A request is a 16-byte header (type, priority, sector) in the
device-readable buffers followed by the data to write; the
device-writable buffers take the data read and, in their last byte, the
status (OK, IOERR, UNSUPP).  Reads and writes must be whole logical
blocks inside the disk; discard and write-zeroes take 16-byte segments
(sector, count, flags).  The configuration's capacity is the drive's size
in 512-byte sectors, read when the driver reads it.
"""

from __future__ import annotations

from qmonitor.machine.virtio.ring import Element, RingError
from qmonitor.machine.virtio.scsi_disk import Medium
from qmonitor.machine.virtio.transport import VirtioPci

# include/standard-headers/linux/virtio_blk.h
T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WRITE_ZEROES = 0, 1, 4, 8, 11, 13
T_BARRIER = 0x80000000
S_OK, S_IOERR, S_UNSUPP = 0, 1, 2
F_DISCARD, F_WRITE_ZEROES = 13, 14
WRITE_ZEROES_F_UNMAP = 1
ID_BYTES = 20
SECTOR = 512
#: BDRV_REQUEST_MAX_SECTORS.
REQUEST_MAX_SECTORS = (2**31 - 1) // SECTOR
# Texts of hw/block/virtio-blk.c (virtio_error).
MISSING_HEADERS = "virtio-blk missing headers"
OUTHDR_SHORT = "virtio-blk request outhdr too short"
INHDR_SHORT = "virtio-blk request inhdr too short"
DWZ_SHORT = "virtio-blk discard/write_zeroes header too short"


class VirtioBlk:
    """The request queue of one virtio-blk device over its drive's medium."""

    def __init__(self, medium: Medium, serial: str = "", blocksize: int = SECTOR) -> None:
        self.medium = medium
        self.serial = serial
        self.blocksize = blocksize

    def capacity(self) -> int:
        return (self.medium.size() or 0) // SECTOR

    def device_config(self, recorded: bytes) -> bytes:
        """The configuration with the drive's capacity in place of the recorded one."""
        return self.capacity().to_bytes(8, "little") + recorded[8:]

    def handle(self, transport: VirtioPci, queue: int) -> None:
        q = transport.queues[queue]
        mem = transport.memory
        event_idx = transport.has(29)
        while True:
            q.set_notification(mem, False, event_idx)
            while (elem := q.pop(mem, event_idx)) is not None:
                self._request(transport, elem)
                q.push(mem, elem, elem.in_size)
                transport.interrupt(queue)
            q.set_notification(mem, True, event_idx)
            if q.empty(mem):
                break

    def _request(self, transport: VirtioPci, elem: Element) -> None:
        mem = transport.memory
        if not elem.out or not elem.inn:
            raise RingError(MISSING_HEADERS)
        out = elem.read_out(mem)
        if len(out) < 16:
            raise RingError(OUTHDR_SHORT)
        if elem.in_size < 1:
            raise RingError(INHDR_SHORT)
        kind = int.from_bytes(out[0:4], "little") & ~T_BARRIER
        sector = int.from_bytes(out[8:16], "little")
        data = out[16:]
        room = elem.in_size - 1
        status = S_OK
        reply = b""
        if kind == T_IN:
            if not self._range_ok(sector, room):
                status = S_IOERR
            else:
                reply = self.medium.read(sector * SECTOR, room)
        elif kind == T_OUT:
            if not self._range_ok(sector, len(data)) or not self.medium.writable():
                status = S_IOERR
            else:
                self.medium.write(sector * SECTOR, data, len(data))
        elif kind == T_FLUSH:
            pass
        elif kind == T_GET_ID:
            reply = self.serial.encode()[:ID_BYTES].ljust(min(room, ID_BYTES), b"\0")[:room]
        elif kind in (T_DISCARD, T_WRITE_ZEROES):
            if len(data) < 16:
                raise RingError(DWZ_SHORT)
            status = self._discard_write_zeroes(transport, kind, data)
        else:
            status = S_UNSUPP
        if reply:
            elem.write_in(mem, 0, reply)
        elem.write_in(mem, room, bytes([status]))

    def _range_ok(self, sector: int, size: int) -> bool:
        """virtio_blk_sect_range_ok."""
        sectors = size // SECTOR
        total = self.capacity()
        if sectors > REQUEST_MAX_SECTORS or sector & (self.blocksize // SECTOR - 1):
            return False
        if size % self.blocksize:
            return False
        return sector <= total and sectors <= total - sector

    def _discard_write_zeroes(self, transport: VirtioPci, kind: int, data: bytes) -> int:
        """virtio_blk_handle_discard_write_zeroes, one segment."""
        feature = F_DISCARD if kind == T_DISCARD else F_WRITE_ZEROES
        if not transport.has(feature):
            return S_UNSUPP
        sector = int.from_bytes(data[0:8], "little")
        count = int.from_bytes(data[8:12], "little")
        flags = int.from_bytes(data[12:16], "little")
        if flags & ~WRITE_ZEROES_F_UNMAP or (kind == T_DISCARD and flags):
            return S_UNSUPP
        if not self._range_ok(sector, count * SECTOR):
            return S_IOERR
        if not self.medium.writable():
            return S_IOERR
        if kind == T_DISCARD:
            self.medium.discard(sector * SECTOR, count * SECTOR)
        else:
            self.medium.write(sector * SECTOR, None, count * SECTOR, unmap=bool(flags))
        return S_OK
