"""virtio-scsi's queues, as QEMU 7.2's hw/scsi/virtio-scsi.c processes them.

Queue 0 is control, 1 events, 2 and up requests.  A request is a
``virtio_scsi_cmd_req`` (LUN, tag, attributes, 32-byte CDB) then the data
to write, in the device-readable buffers; the device-writable ones take a
``virtio_scsi_cmd_resp`` (sense length, residual, status qualifier,
status, response, then sense) and the data read.  Without
VIRTIO_F_ANY_LAYOUT the header is the whole first buffer.  Headers that do
not fit break the device; a request with data both ways fails
(VIRTIO_SCSI_S_FAILURE); a LUN with nobody there answers BAD_TARGET; a
command that would move more than the buffers hold, or the other way,
answers OVERRUN.  Only what the device writes reaches guest memory: the
12 bytes of the response header, then the sense when there is one.
"""

from __future__ import annotations

from collections.abc import Callable

from qmonitor.machine.virtio.ring import Element, GuestMemory, RingError
from qmonitor.machine.virtio.scsi_disk import (
    GOOD,
    INVALID_OPCODE,
    MODE_FROM_DEV,
    MODE_NONE,
    MODE_TO_DEV,
    Result,
    ScsiDisk,
    check,
    parse_cdb,
)
from qmonitor.machine.virtio.transport import VirtioPci

# include/standard-headers/linux/virtio_scsi.h
S_OK, S_OVERRUN, S_BAD_TARGET, S_FAILURE = 0, 1, 3, 9
REQ_SIZE = 19 + 32  # the header with VIRTIO_SCSI_CDB_DEFAULT_SIZE
RESP_SIZE = 12 + 96  # with VIRTIO_SCSI_SENSE_DEFAULT_SIZE
RESP_HEADER = 12
F_ANY_LAYOUT = 27
BAD_HEADERS = "wrong size for virtio-scsi headers"
#: Finds the device at (target, LUN): the one with that LUN, else one of that target, else None.
Lookup = Callable[[int, int], ScsiDisk | None]


def _split(chunks: list[tuple[int, int]], head: int, any_layout: bool) -> list[tuple[int, int]]:
    """The buffers past the header (qemu_sgl_concat's skip)."""
    skip = head if any_layout or not chunks else chunks[0][1]
    out = []
    for addr, length in chunks:
        if skip >= length:
            skip -= length
            continue
        out.append((addr + skip, length - skip))
        skip = 0
    return out


class VirtioScsi:
    """The request queues of one virtio-scsi device."""

    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup

    def handle(self, transport: VirtioPci, queue: int) -> None:
        if queue < 2:
            return  # control and event requests wait, as with no task management done
        q = transport.queues[queue]
        mem = transport.memory
        event_idx = transport.has(29)
        while True:
            q.set_notification(mem, False, event_idx)
            while (elem := q.pop(mem, event_idx)) is not None:
                self._request(transport, queue, elem)
            q.set_notification(mem, True, event_idx)
            if q.empty(mem):
                break

    def _request(self, transport: VirtioPci, queue: int, elem: Element) -> None:
        mem = transport.memory
        q = transport.queues[queue]
        raw = elem.read_out(mem)
        if len(raw) < REQ_SIZE or elem.in_size < RESP_SIZE:
            transport.set_broken()
            q.inuse -= 1
            raise RingError(BAD_HEADERS)
        any_layout = transport.has(F_ANY_LAYOUT)
        outs = _split(elem.out, REQ_SIZE, any_layout)
        ins = _split(elem.inn, RESP_SIZE, any_layout)
        out_size = sum(n for _, n in outs)
        in_size = sum(n for _, n in ins)
        sgl_size = out_size or in_size
        lun = raw[0:8]
        cdb = raw[19:REQ_SIZE]
        resp = bytearray(RESP_HEADER)
        sense = b""
        if out_size and in_size:
            resp[11] = S_FAILURE
            sgl_size = out_size + in_size
        else:
            mode = MODE_TO_DEV if out_size else MODE_FROM_DEV if in_size else MODE_NONE
            disk = self._device(lun)
            if disk is None:
                resp[11] = S_BAD_TARGET
            else:
                number = (lun[2] << 8 | lun[3]) & 0x3FFF
                cmd = parse_cdb(cdb, disk.blocksize)
                if cmd is None:
                    result = check(INVALID_OPCODE)
                elif cmd.mode != MODE_NONE and (cmd.mode != mode or cmd.xfer > sgl_size):
                    resp[11] = S_OVERRUN
                    result = None
                else:
                    data_out = b"".join(mem.read(a, n) for a, n in outs) if out_size else b""
                    result = disk.execute(cmd, number, data_out, sgl_size)
                if result is not None:
                    resp[10] = result.status
                    if result.status == GOOD:
                        if result.data:
                            _scatter(mem, ins, result.data)
                        resp[4:8] = _resid(cmd.xfer if cmd else 0, sgl_size, result)
                    else:
                        sense = result.sense[: elem.in_size - RESP_SIZE + 96]
                        resp[0:4] = len(sense).to_bytes(4, "little")
        elem.write_in(mem, 0, bytes(resp) + sense)
        q.push(mem, elem, sgl_size + RESP_SIZE)
        transport.interrupt(queue)

    def _device(self, lun: bytes) -> ScsiDisk | None:
        """virtio_scsi_device_get."""
        if lun[0] != 1:
            return None
        if lun[2] != 0 and not 0x40 <= lun[2] < 0x80:
            return None
        return self.lookup(lun[1], (lun[2] << 8 | lun[3]) & 0x3FFF)


def _resid(xfer: int, sg_size: int, result: Result) -> bytes:
    """The residual the response reports: a DMA command's is the CDB's length less what
    the list moved (negative when the list is longer, as a 32-bit number); an emulated
    command's what the buffers held beyond the data it returned (none when it takes data)."""
    if result.dma is not None:
        return ((xfer - result.dma) & 0xFFFFFFFF).to_bytes(4, "little")
    if not result.data:
        return bytes(4)
    return max(sg_size - min(len(result.data), xfer), 0).to_bytes(4, "little")


def _scatter(mem: GuestMemory, chunks: list[tuple[int, int]], data: bytes) -> None:
    """``data`` into the data-in buffers, as far as they reach."""
    pos = 0
    for addr, length in chunks:
        if pos >= len(data):
            break
        piece = data[pos : pos + length]
        mem.write(addr, piece)
        pos += len(piece)
