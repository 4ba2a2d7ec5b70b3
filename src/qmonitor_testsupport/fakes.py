"""Test doubles shared by the unit tests: a chardev that records writes."""

from __future__ import annotations

from collections.abc import Callable

from qmonitor.chardev.base import Chardev


class FakeChardev(Chardev):
    """A chardev whose writes land in ``written``; ``capacity`` limits each write."""

    def __init__(self, label: str = "fake", capacity: int | None = None) -> None:
        super().__init__(label)
        self.written = bytearray()
        self.capacity = capacity
        self.fail = False
        self.watches: list[Callable[[], None]] = []
        self.accept_input_calls = 0
        self.can_watch = True

    def write(self, data: bytes) -> int:
        if self.fail:
            return -1
        n = len(data) if self.capacity is None else min(self.capacity, len(data))
        self.written += data[:n]
        if self.capacity is not None:
            self.capacity -= n
        return n

    def add_watch(self, callback: Callable[[], None]) -> bool:
        if not self.can_watch:
            return False
        self.watches.append(callback)
        return True

    def fire_watches(self) -> None:
        watches, self.watches = self.watches, []
        for cb in watches:
            cb()

    def accept_input(self) -> None:
        self.accept_input_calls += 1
