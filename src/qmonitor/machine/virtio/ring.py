"""Split virtqueues in guest memory, as QEMU 7.2's hw/virtio/virtio.c runs them (sans IO).

The driver lays out three areas: the descriptor table (16 bytes each:
address, length, flags, next), the available ring (flags, index, a ring
of heads, then ``used_event``) and the used ring (flags, index, a ring of
(id, length) pairs, then ``avail_event``).  The device pops a head the
driver made available, follows its chain (``NEXT``, and an ``INDIRECT``
table read as a chain of its own), and pushes the head back onto the used
ring with how many bytes it wrote.  Whether the driver wants an interrupt
then follows ``VRING_AVAIL_F_NO_INTERRUPT`` or, with
``VIRTIO_RING_F_EVENT_IDX``, its ``used_event`` (virtio_should_notify).

A malformed ring (a loop, a head out of range, an index run ahead) raises
:class:`RingError` with QEMU's text; the transport marks the device broken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from qmonitor.errors import QmonitorError

# include/standard-headers/linux/virtio_ring.h
DESC_F_NEXT = 1
DESC_F_WRITE = 2
DESC_F_INDIRECT = 4
AVAIL_F_NO_INTERRUPT = 1
USED_F_NO_NOTIFY = 1
#: VIRTQUEUE_MAX_SIZE (include/hw/virtio/virtio.h).
MAX_SIZE = 1024
# Texts of hw/virtio/virtio.c (virtio_error).
AVAIL_AHEAD = "Guest moved used index from {} to {}"
HEAD_RANGE = "Guest says index {} is available"
DESC_RANGE = "Desc next is {}"
LOOPED = "Looped descriptor"
INDIRECT_SIZE = "Invalid size for indirect buffer table"
INDIRECT_NESTED = "Indirect descriptor in indirect table"
INDIRECT_CHAIN = "Indirect descriptor in a chain"


class RingError(QmonitorError):
    """The driver broke the ring's rules (QEMU's virtio_error)."""


class GuestMemory(Protocol):
    """Guest physical memory as the device sees it (DMA)."""

    def read(self, addr: int, length: int) -> bytes: ...

    def write(self, addr: int, data: bytes) -> None: ...


def _u16(mem: GuestMemory, addr: int) -> int:
    return int.from_bytes(mem.read(addr, 2), "little")


@dataclass
class Element:
    """One popped request: its head and its device-readable and device-writable buffers."""

    head: int
    out: list[tuple[int, int]] = field(default_factory=list)
    inn: list[tuple[int, int]] = field(default_factory=list)

    def read_out(self, mem: GuestMemory) -> bytes:
        """Everything the driver gave the device, in order."""
        return b"".join(mem.read(addr, length) for addr, length in self.out)

    @property
    def in_size(self) -> int:
        return sum(length for _, length in self.inn)

    def write_in(self, mem: GuestMemory, offset: int, data: bytes) -> int:
        """Write ``data`` into the writable buffers from ``offset``; how much fitted."""
        done = 0
        pos = 0
        for addr, length in self.inn:
            if offset < pos + length and done < len(data):
                start = max(offset - pos, 0)
                chunk = data[done : done + length - start]
                mem.write(addr + start, chunk)
                done += len(chunk)
            pos += length
        return done


@dataclass
class VirtQueue:
    """A queue's registers and the device's place in its rings."""

    max_size: int
    num: int = 0
    desc: int = 0
    avail: int = 0
    used: int = 0
    enabled: bool = False
    vector: int = 0xFFFF
    last_avail_idx: int = 0
    used_idx: int = 0
    signalled_used: int = 0
    signalled_used_valid: bool = False
    inuse: int = 0

    def __post_init__(self) -> None:
        self.num = self.max_size

    def reset(self) -> None:
        """virtio_reset's per-queue part."""
        self.num = self.max_size
        self.desc = self.avail = self.used = 0
        self.enabled = False
        self.vector = 0xFFFF
        self.last_avail_idx = self.used_idx = self.signalled_used = self.inuse = 0
        self.signalled_used_valid = False

    @property
    def ready(self) -> bool:
        return self.desc != 0 and self.num != 0

    def avail_idx(self, mem: GuestMemory) -> int:
        return _u16(mem, self.avail + 2)

    def empty(self, mem: GuestMemory) -> bool:
        return not self.ready or self.avail_idx(mem) == self.last_avail_idx

    def set_notification(self, mem: GuestMemory, enable: bool, event_idx: bool) -> None:
        """virtio_queue_set_notification: ask the driver for kicks, or not."""
        if not self.ready:
            return
        if event_idx:
            if enable:
                self._set_avail_event(mem, self.avail_idx(mem))
        else:
            flags = _u16(mem, self.used)
            flags = flags & ~USED_F_NO_NOTIFY if enable else flags | USED_F_NO_NOTIFY
            mem.write(self.used, flags.to_bytes(2, "little"))

    def _set_avail_event(self, mem: GuestMemory, value: int) -> None:
        mem.write(self.used + 4 + 8 * self.num, (value & 0xFFFF).to_bytes(2, "little"))

    def pop(self, mem: GuestMemory, event_idx: bool) -> Element | None:
        """virtqueue_split_pop: the next available request, None when there is none."""
        if self.empty(mem):
            return None
        avail_idx = self.avail_idx(mem)
        if (avail_idx - self.last_avail_idx) & 0xFFFF > self.num:
            raise RingError(AVAIL_AHEAD.format(self.last_avail_idx, avail_idx))
        slot = self.avail + 4 + 2 * (self.last_avail_idx % self.num)
        head = _u16(mem, slot)
        self.last_avail_idx = (self.last_avail_idx + 1) & 0xFFFF
        if head >= self.num:
            raise RingError(HEAD_RANGE.format(head))
        if event_idx:
            self._set_avail_event(mem, self.last_avail_idx)
        elem = Element(head)
        table, size, index = self.desc, self.num, head
        addr, length, flags, nxt = self._desc(mem, table, index)
        if flags & DESC_F_INDIRECT:
            if length == 0 or length % 16:
                raise RingError(INDIRECT_SIZE)
            table, size, index = addr, length // 16, 0
            addr, length, flags, nxt = self._desc(mem, table, 0)
            if flags & DESC_F_INDIRECT:
                raise RingError(INDIRECT_NESTED)
        seen = 0
        while True:
            seen += 1
            if seen > size:
                raise RingError(LOOPED)
            if flags & DESC_F_INDIRECT:
                raise RingError(INDIRECT_CHAIN if table == self.desc else INDIRECT_NESTED)
            (elem.inn if flags & DESC_F_WRITE else elem.out).append((addr, length))
            if not flags & DESC_F_NEXT:
                break
            if nxt >= size:
                raise RingError(DESC_RANGE.format(nxt))
            addr, length, flags, nxt = self._desc(mem, table, nxt)
        self.inuse += 1
        return elem

    @staticmethod
    def _desc(mem: GuestMemory, table: int, index: int) -> tuple[int, int, int, int]:
        raw = mem.read(table + 16 * index, 16)
        return (
            int.from_bytes(raw[0:8], "little"),
            int.from_bytes(raw[8:12], "little"),
            int.from_bytes(raw[12:14], "little"),
            int.from_bytes(raw[14:16], "little"),
        )

    def push(self, mem: GuestMemory, elem: Element, length: int) -> None:
        """virtqueue_push: the element on the used ring, then the used index moved on."""
        slot = self.used + 4 + 8 * (self.used_idx % self.num)
        mem.write(slot, elem.head.to_bytes(4, "little") + length.to_bytes(4, "little"))
        self.used_idx = (self.used_idx + 1) & 0xFFFF
        mem.write(self.used + 2, self.used_idx.to_bytes(2, "little"))
        self.inuse -= 1

    def should_notify(self, mem: GuestMemory, event_idx: bool, notify_on_empty: bool) -> bool:
        """virtio_split_should_notify: whether the driver wants to hear of the used ring."""
        if notify_on_empty and not self.inuse and self.empty(mem):
            return True
        if not event_idx:
            return not _u16(mem, self.avail) & AVAIL_F_NO_INTERRUPT
        valid = self.signalled_used_valid
        self.signalled_used_valid = True
        old, new = self.signalled_used, self.used_idx
        self.signalled_used = new
        event = _u16(mem, self.avail + 4 + 2 * self.num)
        return not valid or (new - event - 1) & 0xFFFF < (new - old) & 0xFFFF
