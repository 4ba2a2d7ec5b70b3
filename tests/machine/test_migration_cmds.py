"""migrate-set-parameters checks (machine/migration_cmds.py); the commands are
replayed against QEMU's recordings in tests/golden (theme ``migration``)."""

from __future__ import annotations

from typing import Any

import pytest

from qmonitor.machine.migration import DEFAULT_PARAMETERS, MigrationState
from qmonitor.machine.migration_cmds import set_parameters
from qmonitor.qapi.error import QapiError


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"compress-level": 10}, "Parameter 'compress_level' expects a value between 0 and 9"),
        ({"xbzrle-cache-size": 2048}, "a power of two no less than the target page size"),
        ({"cpu-throttle-initial": 99, "max-cpu-throttle": 98}, "cpu_throttle_initial to 99"),
        ({"announce-step": 0}, "Parameter 'announce_step' expects a value between 0 and 10000"),
        ({"compress-level": 1, "compress-threads": 0}, "'compress_threads' expects"),
    ],
)
def test_refused_values_change_nothing(given: dict[str, Any], error: str) -> None:
    state = MigrationState()
    with pytest.raises(QapiError) as info:
        set_parameters(state, given)
    assert error in info.value.desc
    assert state.parameters == DEFAULT_PARAMETERS


def test_values_kept_except_the_multifd_levels() -> None:
    state = MigrationState()
    set_parameters(state, {"downtime-limit": 500, "multifd-zlib-level": 10, "tls-creds": None})
    assert state.parameters["downtime-limit"] == 500
    assert state.parameters["multifd-zlib-level"] == 1
    assert state.parameters["tls-creds"] == ""


def test_zero_copy_refuses_tls() -> None:
    state = MigrationState()
    state.capabilities["zero-copy-send"] = True
    with pytest.raises(QapiError, match="Zero copy"):
        set_parameters(state, {"tls-creds": "t"})
