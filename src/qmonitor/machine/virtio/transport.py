"""The virtio 1.0 PCI transport of QEMU 7.2 (hw/virtio/virtio-pci.c, virtio.c), sans IO.

A modern virtio PCI device answers four regions of its BAR 4, where its
vendor capabilities say: the common configuration (feature words behind
selectors, device status, queue selector and the selected queue's size,
vector, enable flag, notify offset and ring addresses), the ISR (read to
clear: bit 0 a queue interrupt, bit 1 a configuration change), the
device-specific configuration and the notify area, where writing at a
queue's offset kicks that queue.

What a device offers (its features, its queues' sizes, its configuration
bytes) is recorded from QEMU (tools/record_virtio.py, ``devices.json``).
A device that processes requests is a :class:`Backend`; a kick reaches
its ``handle``.  A broken ring marks the device broken and sets
``DEVICE_NEEDS_RESET`` in its status (virtio_error); reset (status 0)
forgets everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol

from qmonitor.machine.virtio.msix import Msix
from qmonitor.machine.virtio.ring import GuestMemory, RingError, VirtQueue

# struct virtio_pci_common_cfg (include/standard-headers/linux/virtio_pci.h).
DFSELECT, DF, GFSELECT, GF = 0x00, 0x04, 0x08, 0x0C
MSIX, NUMQ, STATUS, CFGGENERATION = 0x10, 0x12, 0x14, 0x15
Q_SELECT, Q_SIZE, Q_MSIX, Q_ENABLE, Q_NOFF = 0x16, 0x18, 0x1A, 0x1C, 0x1E
Q_DESCLO, Q_DESCHI, Q_AVAILLO, Q_AVAILHI, Q_USEDLO, Q_USEDHI = 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34
# Status bits and features (include/standard-headers/linux/virtio_config.h, virtio_ring.h).
S_DRIVER_OK = 0x04
S_FEATURES_OK = 0x08
S_NEEDS_RESET = 0x40
F_NOTIFY_ON_EMPTY = 24
F_EVENT_IDX = 29
F_VERSION_1 = 32
NO_VECTOR = 0xFFFF
#: VIRTIO_QUEUE_MAX.
QUEUE_MAX = 1024
ISR_QUEUE, ISR_CONFIG = 1, 2


@dataclass(frozen=True)
class Offer:
    """What a device type offers a driver, as recorded from QEMU."""

    features: int
    num_queues: int
    queue_sizes: tuple[int, ...]
    config: bytes

    def queue_size(self, index: int) -> int:
        sizes = self.queue_sizes
        return sizes[index] if index < len(sizes) else sizes[-1]


@cache
def offers() -> dict[str, Offer]:
    """The recorded offers by PCI device type."""
    text = resources.files("qmonitor.machine.virtio").joinpath("devices.json").read_text()
    out = {}
    for name, rec in json.loads(text)["devices"].items():
        out[name] = Offer(
            rec["features"],
            rec["num_queues"],
            tuple(rec["queue_sizes"]),
            bytes.fromhex(rec["config"]),
        )
    return out


class Backend(Protocol):
    """A device behind the transport: it processes what a kick makes available."""

    def handle(self, transport: VirtioPci, queue: int) -> None: ...


class VirtioPci:
    """One device's transport state: the common configuration, ISR, queues, notifications."""

    def __init__(
        self, offer: Offer, memory: GuestMemory, backend: Backend | None = None, nvectors: int = 0
    ) -> None:
        self.offer = offer
        #: How many MSI-X vectors the function has (a vector past them reads NO_VECTOR).
        self.nvectors = nvectors
        self.memory = memory
        self.backend = backend
        self.queues = [VirtQueue(offer.queue_size(i)) for i in range(offer.num_queues)]
        #: The function's MSI-X table and pending bits, when it has the capability.
        self.msix: Msix | None = None
        self.reset()

    def reset(self) -> None:
        """virtio_pci_reset + virtio_reset: every register back to its start."""
        self.status = 0
        self.isr = 0
        self.dfselect = self.gfselect = 0
        self.guest_features_words = [0, 0]
        self.guest_features = 0
        self.config_vector = NO_VECTOR
        self.queue_sel = 0
        self.broken = False
        self.generation = 0
        self.config = bytearray(self.offer.config)
        self._seen_config = self._device_config()
        for q in self.queues:
            q.reset()

    def has(self, bit: int) -> bool:
        return bool(self.guest_features >> bit & 1)

    # -- the common configuration ------------------------------------------------

    def _queue(self) -> VirtQueue | None:
        return self.queues[self.queue_sel] if self.queue_sel < len(self.queues) else None

    def common_read(self, offset: int, size: int) -> int:
        """virtio_pci_common_read."""
        q = self._queue()
        if offset == DFSELECT:
            return self.dfselect
        if offset == DF:
            return (
                (self.offer.features >> (32 * self.dfselect)) & 0xFFFFFFFF
                if self.dfselect <= 1
                else 0
            )
        if offset == GFSELECT:
            return self.gfselect
        if offset == GF:
            return self.guest_features_words[self.gfselect] if self.gfselect <= 1 else 0
        if offset == MSIX:
            return self.config_vector
        if offset == NUMQ:
            return len(self.queues)
        if offset == STATUS:
            return self.status
        if offset == CFGGENERATION:
            return self.generation & 0xFF
        if offset == Q_SELECT:
            return self.queue_sel
        if q is None:
            return 0
        values = {
            Q_SIZE: q.num, Q_MSIX: q.vector, Q_ENABLE: int(q.enabled), Q_NOFF: self.queue_sel,
            Q_DESCLO: q.desc & 0xFFFFFFFF, Q_DESCHI: q.desc >> 32,
            Q_AVAILLO: q.avail & 0xFFFFFFFF, Q_AVAILHI: q.avail >> 32,
            Q_USEDLO: q.used & 0xFFFFFFFF, Q_USEDHI: q.used >> 32,
        }  # fmt: skip
        return values.get(offset, 0)

    def common_write(self, offset: int, size: int, value: int) -> None:
        """virtio_pci_common_write."""
        q = self._queue()
        if offset == DFSELECT:
            self.dfselect = value
        elif offset == GFSELECT:
            self.gfselect = value
        elif offset == GF:
            if self.gfselect <= 1:
                self.guest_features_words[self.gfselect] = value
                self._set_features(
                    self.guest_features_words[0] | self.guest_features_words[1] << 32
                )
        elif offset == MSIX:
            self.config_vector = value if value < self.nvectors else NO_VECTOR
        elif offset == STATUS:
            self.set_status(value & 0xFF)
        elif offset == Q_SELECT:
            if value < QUEUE_MAX:
                self.queue_sel = value
        elif q is not None:
            self._queue_write(q, offset, value)

    def _queue_write(self, q: VirtQueue, offset: int, value: int) -> None:
        if offset == Q_SIZE:
            # virtio_queue_set_num: a queue cannot appear or vanish, nor grow past the limit.
            if bool(value) == bool(q.max_size) and value <= 1024:
                q.num = value
        elif offset == Q_MSIX:
            q.vector = value if value < self.nvectors else NO_VECTOR
        elif offset == Q_ENABLE:
            if value == 1:
                q.enabled = True
        elif offset in (Q_DESCLO, Q_AVAILLO, Q_USEDLO):
            name = {Q_DESCLO: "desc", Q_AVAILLO: "avail", Q_USEDLO: "used"}[offset]
            setattr(q, name, (getattr(q, name) & ~0xFFFFFFFF) | value)
        elif offset in (Q_DESCHI, Q_AVAILHI, Q_USEDHI):
            name = {Q_DESCHI: "desc", Q_AVAILHI: "avail", Q_USEDHI: "used"}[offset]
            setattr(q, name, (getattr(q, name) & 0xFFFFFFFF) | value << 32)

    def _set_features(self, value: int) -> None:
        """virtio_set_features: ignored once FEATURES_OK is set; only offered bits stay."""
        if self.status & S_FEATURES_OK:
            return
        self.guest_features = value & self.offer.features

    def set_status(self, value: int) -> None:
        """virtio_set_status; zero resets the device."""
        self.status = value
        if value == 0:
            self.reset()

    # -- ISR, device configuration, notifications --------------------------------

    def isr_read(self) -> int:
        """Reading the ISR clears it (and lowers the interrupt line)."""
        value, self.isr = self.isr, 0
        return value

    def config_read(self, offset: int, size: int) -> int:
        """virtio_config_modern_read*: the device fills its configuration first (a disk its
        capacity); out of range reads all ones."""
        config = self._device_config()
        if offset + size > len(config):
            return (1 << (8 * size)) - 1
        return int.from_bytes(config[offset : offset + size], "little")

    def _device_config(self) -> bytes:
        fill = getattr(self.backend, "device_config", None)
        return fill(bytes(self.config)) if fill is not None else bytes(self.config)

    def config_maybe_changed(self) -> None:
        """What the device's configuration shows moved (a disk resized): virtio_notify_config,
        which a driver hears of only once it is ready."""
        now = self._device_config()
        if now == self._seen_config:
            return
        self._seen_config = now
        if not self.status & S_DRIVER_OK:
            return
        self.isr |= ISR_QUEUE | ISR_CONFIG
        self.generation += 1
        msix = self.msix
        if msix is not None and msix.enabled and self.config_vector != NO_VECTOR:
            msix.notify(self.config_vector, self.memory)

    def config_write(self, offset: int, size: int, value: int) -> None:
        if offset + size <= len(self.config):
            self.config[offset : offset + size] = value.to_bytes(size, "little")

    def notify(self, queue: int) -> None:
        """virtio_queue_notify: a kick of queue ``queue``."""
        if queue >= len(self.queues) or self.broken or self.backend is None:
            return
        if not self.queues[queue].ready:
            return
        try:
            self.backend.handle(self, queue)
        except RingError:
            self.set_broken()

    def set_broken(self) -> None:
        """virtio_error: a VERSION_1 device asks for a reset and stops processing."""
        self.broken = True
        if self.has(F_VERSION_1):
            self.status |= S_NEEDS_RESET
            self.isr |= ISR_CONFIG

    def interrupt(self, queue: int) -> None:
        """virtio_notify: the queue's used ring moved; interrupt if the driver wants it."""
        q = self.queues[queue]
        if q.should_notify(self.memory, self.has(F_EVENT_IDX), self.has(F_NOTIFY_ON_EMPTY)):
            self.isr |= ISR_QUEUE
            msix = self.msix
            if msix is not None and msix.enabled and q.vector != NO_VECTOR:
                msix.notify(q.vector, self.memory)
