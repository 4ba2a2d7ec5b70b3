"""The ``qmonitor.testing`` pytest plugin: the ``fake_qemu`` fixtures.

Installed with qmonitor (a ``pytest11`` entry point), so any project that
has qmonitor installed can ask for:

``fake_qemu``
    a :class:`~qmonitor.testing.fake.FakeQemu` running in this process;
    options come from ``@pytest.mark.fake_qemu(name=..., start_paused=...,
    oob=..., qemu_version=..., extensions=...)``.
``qmp_replay``
    a factory: ``qmp_replay("tests/cassettes/x.json")`` serves a recorded
    cassette (:class:`~qmonitor.testing.replay.ReplayServer`); the test
    fails if its client strays from the recording.
``fake_qemu_process``
    a :class:`~qmonitor.testing.process.FakeQemuProcess`: qmonitor as a
    subprocess; extra QEMU options come from
    ``@pytest.mark.fake_qemu_args("-S", "-name", "vm")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from qmonitor.testing.cassette import Cassette
from qmonitor.testing.fake import FakeQemu
from qmonitor.testing.process import DEFAULT_ARGS, FakeQemuProcess
from qmonitor.testing.replay import ReplayServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fake_qemu(**options): options of the fake_qemu fixture's FakeQemu"
    )
    config.addinivalue_line(
        "markers", "fake_qemu_args(*args): QEMU options for the fake_qemu_process fixture"
    )


@pytest.fixture
def fake_qemu(request: pytest.FixtureRequest) -> Iterator[FakeQemu]:
    """A fake QEMU in this process; connect clients to ``fake_qemu.socket_path``."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("fake_qemu"))):
        options.update(marker.kwargs)
    with FakeQemu(**options) as fake:
        yield fake


@pytest.fixture
def fake_qemu_process(request: pytest.FixtureRequest) -> Iterator[FakeQemuProcess]:
    """qmonitor as a subprocess with QEMU's command line, behind the logging proxy."""
    args = list(DEFAULT_ARGS)
    for marker in reversed(list(request.node.iter_markers("fake_qemu_args"))):
        args.extend(str(a) for a in marker.args)
    with FakeQemuProcess(args) as fake:
        yield fake


@pytest.fixture
def qmp_replay() -> Iterator[Callable[..., ReplayServer]]:
    """Start replay servers for cassettes; at teardown, fail on any divergence."""
    servers: list[ReplayServer] = []

    def start(cassette: Cassette | str | Path, *, time_scale: float = 1.0) -> ReplayServer:
        server = ReplayServer(cassette, time_scale=time_scale).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
    for server in servers:
        server.check()
