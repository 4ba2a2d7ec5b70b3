"""Fake QEMU for testing QMP clients: a pytest plugin and the handles behind it.

:class:`FakeQemu` runs qmonitor's null machine in a thread of this process
and lets a test script it (canned replies, delays, events, run states),
inject faults (dropped connections, garbage, stalls, slow writes,
duplicated or reordered events) and assert on what its client sent.
:class:`FakeQemuProcess` runs qmonitor as a subprocess with QEMU's command
line.  :class:`Recorder` and :class:`ReplayServer` record a client's
conversation with a real QEMU into a cassette and play it back.  The
pytest plugin (:mod:`qmonitor.testing.plugin`) provides the fixtures
``fake_qemu``, ``fake_qemu_process`` and ``qmp_replay``.

May import every package of qmonitor but ``cli``.
"""

from qmonitor.testing.cassette import Cassette, CassetteError
from qmonitor.testing.fake import FakeQemu, FakeQemuError
from qmonitor.testing.log import RequestLog, Sent
from qmonitor.testing.process import FakeQemuProcess
from qmonitor.testing.proxy import Faults
from qmonitor.testing.replay import Recorder, ReplayDivergence, ReplayServer

__all__ = [
    "Cassette",
    "CassetteError",
    "FakeQemu",
    "FakeQemuError",
    "FakeQemuProcess",
    "Faults",
    "Recorder",
    "ReplayDivergence",
    "ReplayServer",
    "RequestLog",
    "Sent",
]
