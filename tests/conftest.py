"""Fixtures for every test.

The recorded command lines that accelerate with KVM were recorded on a host
whose ``/dev/kvm`` works.  A machine made in the test process from such a
line sees such a host wherever the suite runs (the parser's KVM probe says
it starts); tests of the probe itself set their own.  Lines run as a
process meet the real host: their tests check it first
(``qmonitor_testsupport.kvm_cases``).
"""

from __future__ import annotations

import pytest

from qmonitor.options import parser_state


@pytest.fixture(autouse=True)
def _kvm_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser_state, "_probe_kvm", lambda: None)
