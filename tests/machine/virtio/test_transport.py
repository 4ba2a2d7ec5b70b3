"""The virtio PCI transport's common configuration, features, queues, ISR and notifications."""

from __future__ import annotations

from qmonitor.machine.virtio import transport as t
from qmonitor.machine.virtio.transport import VirtioPci, offers
from qmonitor_testsupport.virtio_fakes import Ram


class _Counting:
    def __init__(self) -> None:
        self.kicks: list[int] = []

    def handle(self, transport: VirtioPci, queue: int) -> None:
        self.kicks.append(queue)
        transport.isr |= t.ISR_QUEUE


def _scsi(backend: object = None) -> VirtioPci:
    return VirtioPci(offers()["virtio-scsi-pci"], Ram(), backend, nvectors=4)  # type: ignore[arg-type]


def test_the_recorded_offer_of_virtio_scsi() -> None:
    dev = _scsi()
    dev.common_write(t.DFSELECT, 4, 0)
    assert dev.common_read(t.DF, 4) == 0x30000006
    dev.common_write(t.DFSELECT, 4, 1)
    assert dev.common_read(t.DF, 4) & 1  # VIRTIO_F_VERSION_1
    dev.common_write(t.DFSELECT, 4, 2)
    assert dev.common_read(t.DF, 4) == 0
    assert dev.common_read(t.NUMQ, 2) == 3
    assert dev.config_read(0, 4) == 1  # num_queues
    assert dev.config_read(0x14, 4) == 96  # sense_size
    assert dev.config_read(0x40, 4) == 0xFFFFFFFF  # past the configuration


def test_features_keep_only_what_is_offered_and_freeze_at_features_ok() -> None:
    dev = _scsi()
    dev.common_write(t.GFSELECT, 4, 0)
    dev.common_write(t.GF, 4, 0xFFFFFFFF)
    assert dev.common_read(t.GF, 4) == 0xFFFFFFFF  # the register keeps what was written
    assert dev.guest_features == 0x30000006  # the device takes what it offers
    dev.common_write(t.STATUS, 1, t.S_FEATURES_OK)
    dev.common_write(t.GF, 4, 0)
    assert dev.guest_features == 0x30000006


def test_queue_registers_follow_the_selector_and_reset_clears_them() -> None:
    dev = _scsi()
    dev.common_write(t.Q_SELECT, 2, 2)
    assert dev.common_read(t.Q_SIZE, 2) == 256
    assert dev.common_read(t.Q_NOFF, 2) == 2
    dev.common_write(t.Q_DESCLO, 4, 0x100000)
    dev.common_write(t.Q_DESCHI, 4, 1)
    assert dev.queues[2].desc == 0x1_00100000
    dev.common_write(t.Q_SIZE, 2, 2048)  # past VIRTQUEUE_MAX_SIZE: ignored
    dev.common_write(t.Q_SIZE, 2, 64)
    dev.common_write(t.Q_ENABLE, 2, 1)
    assert (dev.common_read(t.Q_SIZE, 2), dev.common_read(t.Q_ENABLE, 2)) == (64, 1)
    dev.common_write(t.Q_MSIX, 2, 3)
    assert dev.common_read(t.Q_MSIX, 2) == 3
    dev.common_write(t.Q_MSIX, 2, 4)  # the function has four vectors
    assert dev.common_read(t.Q_MSIX, 2) == t.NO_VECTOR
    dev.common_write(t.Q_SELECT, 2, 7)  # no such queue: its registers read zero
    assert dev.common_read(t.Q_SIZE, 2) == 0
    dev.common_write(t.STATUS, 1, 0)
    assert dev.common_read(t.Q_SELECT, 2) == 0
    assert dev.queues[2].desc == 0 and dev.queues[2].num == 256


def test_a_kick_reaches_the_device_only_on_a_ready_queue_and_isr_clears_on_read() -> None:
    backend = _Counting()
    dev = _scsi(backend)
    dev.notify(2)
    assert backend.kicks == []  # no rings yet
    dev.queues[2].desc = 0x1000
    dev.notify(2)
    dev.notify(9)  # no such queue
    assert backend.kicks == [2]
    assert dev.isr_read() == t.ISR_QUEUE
    assert dev.isr_read() == 0


def test_a_broken_device_asks_for_reset_and_stops() -> None:
    backend = _Counting()
    dev = _scsi(backend)
    dev.guest_features = 1 << t.F_VERSION_1
    dev.set_broken()
    assert dev.status & t.S_NEEDS_RESET and dev.isr & t.ISR_CONFIG
    dev.queues[2].desc = 0x1000
    dev.notify(2)
    assert backend.kicks == []
    dev.set_status(0)
    assert not dev.broken and dev.status == 0
