"""SCSI disks and CD-ROMs answering commands, as QEMU 7.2's scsi-disk.c and scsi-bus.c.

A command is parsed first (scsi_req_parse_cdb): its length from the
opcode's group, how many bytes it moves and which way, its LBA.  A device
that has a unit attention pending (POWER ON after a reset) answers it to
the first command that is not INQUIRY, REPORT LUNS or REQUEST SENSE; an
unknown opcode is ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.  Data
goes to and from the drive's medium through the block layer
(:mod:`qmonitor.machine.block.block_io`), ``blocksize`` bytes a block.
Sense data is in fixed format (18 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Status codes and sense keys (include/scsi/constants.h).
GOOD = 0x00
CHECK_CONDITION = 0x02
NOT_READY, ILLEGAL_REQUEST, UNIT_ATTENTION, DATA_PROTECT = 0x02, 0x05, 0x06, 0x07


@dataclass(frozen=True)
class Sense:
    """A sense key with its additional sense code and qualifier (scsi/utils.c SENSE_CODE)."""

    key: int
    asc: int
    ascq: int

    def fixed(self) -> bytes:
        """scsi_build_sense in fixed format."""
        return bytes(
            [0x70, 0, self.key, 0, 0, 0, 0, 10, 0, 0, 0, 0, self.asc, self.ascq, 0, 0, 0, 0]
        )


INVALID_OPCODE = Sense(ILLEGAL_REQUEST, 0x20, 0x00)
LBA_OUT_OF_RANGE = Sense(ILLEGAL_REQUEST, 0x21, 0x00)
INVALID_FIELD = Sense(ILLEGAL_REQUEST, 0x24, 0x00)
LUN_NOT_SUPPORTED = Sense(ILLEGAL_REQUEST, 0x25, 0x00)
INVALID_PARAM_LEN = Sense(ILLEGAL_REQUEST, 0x1A, 0x00)
WRITE_PROTECTED = Sense(DATA_PROTECT, 0x27, 0x00)
NO_MEDIUM = Sense(NOT_READY, 0x3A, 0x00)
POWER_ON = Sense(UNIT_ATTENTION, 0x29, 0x00)

# Opcodes (include/scsi/constants.h).
TEST_UNIT_READY, REQUEST_SENSE, READ_6, WRITE_6, INQUIRY = 0x00, 0x03, 0x08, 0x0A, 0x12
READ_CAPACITY_10, READ_10, WRITE_10, SYNCHRONIZE_CACHE = 0x25, 0x28, 0x2A, 0x35
WRITE_SAME_10, UNMAP, READ_16, WRITE_16, WRITE_SAME_16 = 0x41, 0x42, 0x88, 0x8A, 0x93
SERVICE_ACTION_IN_16, REPORT_LUNS, READ_12, WRITE_12 = 0x9E, 0xA0, 0xA8, 0xAA
SAI_READ_CAPACITY_16 = 0x10
READS = (READ_6, READ_10, READ_12, READ_16)
WRITES = (WRITE_6, WRITE_10, WRITE_12, WRITE_16)
#: Commands that move data to the device (scsi_cmd_xfer_mode's list, those a disk knows).
TO_DEVICE = (*WRITES, WRITE_SAME_10, WRITE_SAME_16, UNMAP, 0x15, 0x55, 0x2E, 0x3B, 0xAE, 0x8E)
#: What a unit attention does not stop (scsi_req_new).
UA_EXEMPT = (INQUIRY, REPORT_LUNS, 0x46, 0x4A)
#: SCSI_MAX_INQUIRY_LEN.
MAX_INQUIRY_LEN = 256
MODE_NONE, MODE_FROM_DEV, MODE_TO_DEV = 0, 1, 2


class Medium(Protocol):
    """The drive under a SCSI device, in bytes (None when it has no medium)."""

    def size(self) -> int | None: ...

    def writable(self) -> bool: ...

    def read(self, offset: int, length: int) -> bytes: ...

    def write(self, offset: int, data: bytes | None, length: int, unmap: bool = False) -> None: ...

    def discard(self, offset: int, length: int) -> None: ...


@dataclass(frozen=True)
class Command:
    """A parsed CDB (SCSICommand): its bytes, transfer length, direction and LBA."""

    cdb: bytes
    xfer: int
    mode: int
    lba: int


def _be(data: bytes) -> int:
    return int.from_bytes(data, "big")


def cdb_length(opcode: int) -> int:
    """scsi_cdb_length: by the opcode's group; -1 for the vendor groups."""
    return {0: 6, 1: 10, 2: 10, 4: 16, 5: 12}.get(opcode >> 5, -1)


def parse_cdb(cdb: bytes, blocksize: int) -> Command | None:
    """scsi_req_parse_cdb for a disk; None when the opcode's length is unknown."""
    length = cdb_length(cdb[0])
    if length < 0:
        return None
    cdb = cdb[:length]
    group = cdb[0] >> 5
    xfer = {0: cdb[4], 1: _be(cdb[7:9]), 2: _be(cdb[7:9]), 4: _be(cdb[10:14]), 5: _be(cdb[6:10])}[
        group
    ]
    op = cdb[0]
    if op in (TEST_UNIT_READY, SYNCHRONIZE_CACHE, 0x1B, 0x91):
        xfer = 0
    elif op in (READ_6, WRITE_6):
        xfer = (xfer or 256) * blocksize
    elif op in (*READS, *WRITES):
        xfer *= blocksize
    elif op in (WRITE_SAME_10, WRITE_SAME_16):
        xfer = 0 if cdb[1] & 1 else blocksize
    elif op == INQUIRY:
        xfer = cdb[4] | cdb[3] << 8
    elif op == READ_CAPACITY_10:
        xfer = 8
    lba = {0: _be(cdb[0:4]) & 0x1FFFFF, 1: _be(cdb[2:6]), 2: _be(cdb[2:6]), 4: _be(cdb[2:10])}.get(
        group, _be(cdb[2:6])
    )
    mode = MODE_NONE if xfer == 0 else MODE_TO_DEV if op in TO_DEVICE else MODE_FROM_DEV
    return Command(cdb, xfer, mode, lba)


@dataclass
class Result:
    """What a command ended with: status, sense, data for the initiator."""

    status: int = GOOD
    sense: bytes = b""
    data: bytes = b""
    #: How many bytes a DMA command moved (the residual is counted from it), None if emulated.
    dma: int | None = None


def check(sense: Sense) -> Result:
    return Result(CHECK_CONDITION, sense.fixed())


class ScsiDisk:
    """One scsi-hd or scsi-cd: its type, block size, medium and pending unit attention."""

    def __init__(self, kind: str, medium: Medium, blocksize: int, lun: int) -> None:
        self.kind = kind
        self.rom = kind == "scsi-cd"
        self.medium = medium
        self.blocksize = blocksize
        self.lun = lun
        #: scsi_disk_reset's unit attention, reported once.
        self.unit_attention: Sense | None = POWER_ON

    def max_lba(self) -> int:
        size = self.medium.size() or 0
        return size // self.blocksize - 1

    def lba_ok(self, lba: int, count: int) -> bool:
        """check_lba_range."""
        return lba <= lba + count <= self.max_lba() + 1

    def execute(self, cmd: Command, lun: int, data_out: bytes, sg_size: int = 0) -> Result:
        """scsi_req_new's choice of handler, then the handler."""
        if self.unit_attention is not None and cmd.cdb[0] not in UA_EXEMPT:
            sense, self.unit_attention = self.unit_attention, None
            return check(sense)
        if lun != self.lun:
            if cmd.cdb[0] == INQUIRY:
                return Result(data=bytes([0x7F]) + bytes(35))
            return check(LUN_NOT_SUPPORTED)
        op = cmd.cdb[0]
        handler = _HANDLERS.get(op)
        if handler is None:
            return check(INVALID_OPCODE)
        if op in (*READS, *WRITES):
            return self._rw(cmd, data_out, sg_size)
        return handler(self, cmd, data_out)

    # -- emulated commands -----------------------------------------------------------

    def _ready(self, cmd: Command, data_out: bytes) -> Result:
        return Result() if self.medium.size() is not None else check(NO_MEDIUM)

    def _inquiry(self, cmd: Command, data_out: bytes) -> Result:
        """scsi_disk_emulate_inquiry, standard data only."""
        if cmd.cdb[1] & 1 or cmd.cdb[2]:
            return check(INVALID_FIELD)
        buflen = min(cmd.xfer, MAX_INQUIRY_LEN)
        out = bytearray(max(buflen, 36))
        out[0] = 5 if self.rom else 0
        out[1] = 0x80 if self.rom else 0
        out[8:16] = b"QEMU    "
        out[16:32] = b"QEMU CD-ROM     " if self.rom else b"QEMU HARDDISK   "
        out[32:36] = b"2.5+"
        out[2] = 5
        out[3] = 2 | 0x10
        out[4] = buflen - 5 if buflen > 36 else 36 - 5
        out[7] = 0x10 | 0x02
        return Result(data=bytes(out[:buflen]))

    def _capacity10(self, cmd: Command, data_out: bytes) -> Result:
        if self.medium.size() is None:
            return check(NO_MEDIUM)
        last = min(self.max_lba(), 0xFFFFFFFF)
        return Result(data=last.to_bytes(4, "big") + self.blocksize.to_bytes(4, "big"))

    def _service_action_in(self, cmd: Command, data_out: bytes) -> Result:
        if cmd.cdb[1] & 0x1F != SAI_READ_CAPACITY_16:
            return check(INVALID_FIELD)
        if self.medium.size() is None:
            return check(NO_MEDIUM)
        out = bytearray(32)
        out[0:8] = self.max_lba().to_bytes(8, "big")
        out[8:12] = self.blocksize.to_bytes(4, "big")
        if not self.rom:
            out[14] = 0x80  # LBPME: a disk takes UNMAP and WRITE SAME's unmapping
        return Result(data=bytes(out[: cmd.xfer]))

    def _nothing(self, cmd: Command, data_out: bytes) -> Result:
        return Result()

    def _rw(self, cmd: Command, data_out: bytes, sg_size: int) -> Result:
        """scsi_disk_dma_command for READ and WRITE."""
        if self.medium.size() is None:
            return check(NO_MEDIUM)
        count = cmd.xfer // self.blocksize
        write = cmd.cdb[0] in WRITES
        if write and (self.rom or not self.medium.writable()):
            return check(WRITE_PROTECTED)
        if cmd.cdb[0] not in (READ_6, WRITE_6) and cmd.cdb[1] & 0xE0:
            return check(INVALID_FIELD)
        if not self.lba_ok(cmd.lba, count):
            return check(LBA_OUT_OF_RANGE)
        # The DMA moves the whole scatter-gather list, whatever the CDB asked for
        # (scsi_do_read / scsi_write_data with r->req.sg).
        offset = cmd.lba * self.blocksize
        if write:
            self.medium.write(offset, data_out, len(data_out))
            return Result(dma=len(data_out))
        return Result(data=self.medium.read(offset, sg_size), dma=sg_size)

    def _write_same(self, cmd: Command, data_out: bytes) -> Result:
        """scsi_disk_emulate_write_same, reached only with data: with NDOB nothing moves,
        and an emulated command that moves nothing ends GOOD at once."""
        if cmd.xfer == 0:
            return Result()
        count = _be(cmd.cdb[7:9]) if cmd.cdb[0] == WRITE_SAME_10 else _be(cmd.cdb[10:14])
        if count == 0 or cmd.cdb[1] & 0x16:
            return check(INVALID_FIELD)
        if self.rom or not self.medium.writable():
            return check(WRITE_PROTECTED)
        if not self.lba_ok(cmd.lba, count):
            return check(LBA_OUT_OF_RANGE)
        offset, length = cmd.lba * self.blocksize, count * self.blocksize
        block = data_out[: self.blocksize]
        if not any(block):
            self.medium.write(offset, None, length, unmap=bool(cmd.cdb[1] & 0x08))
        else:
            self.medium.write(offset, block * count, length)
        return Result()

    def _unmap(self, cmd: Command, data_out: bytes) -> Result:
        """scsi_disk_emulate_unmap: the parameter list checked, then each range in turn
        checked and discarded (scsi_unmap_complete_noio); nothing to move is GOOD."""
        if cmd.xfer == 0:
            return Result()
        p = data_out[: cmd.xfer]
        size = cmd.xfer
        if cmd.cdb[1] & 1:
            return check(INVALID_FIELD)
        if size < 8 or size < _be(p[0:2]) + 2 or size < _be(p[2:4]) + 8 or _be(p[2:4]) & 15:
            return check(INVALID_PARAM_LEN)
        if self.rom or not self.medium.writable():
            return check(WRITE_PROTECTED)
        for pos in range(8, 8 + _be(p[2:4]), 16):
            lba, count = _be(p[pos : pos + 8]), _be(p[pos + 8 : pos + 12])
            if not self.lba_ok(lba, count):
                return check(LBA_OUT_OF_RANGE)
            self.medium.discard(lba * self.blocksize, count * self.blocksize)
        return Result()


_HANDLERS = {
    TEST_UNIT_READY: ScsiDisk._ready,
    INQUIRY: ScsiDisk._inquiry,
    READ_CAPACITY_10: ScsiDisk._capacity10,
    SERVICE_ACTION_IN_16: ScsiDisk._service_action_in,
    SYNCHRONIZE_CACHE: ScsiDisk._nothing,
    **{op: ScsiDisk._nothing for op in (*READS, *WRITES)},  # see execute: they take the sg size
    WRITE_SAME_10: ScsiDisk._write_same,
    WRITE_SAME_16: ScsiDisk._write_same,
    UNMAP: ScsiDisk._unmap,
}
