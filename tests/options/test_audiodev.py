"""``-audiodev`` values QEMU 7.2 takes (the refused ones are recorded in test_cmdline.py)."""

from __future__ import annotations

import pytest

from qmonitor.options.audiodev import check_audiodev


@pytest.mark.parametrize(
    "arg",
    [
        # timer-period is read as strtoull reads it: octal, hexadecimal, blanks, a sign.
        "id=a,driver=none,timer-period=010",
        "id=a,driver=none,timer-period=0x10",
        "id=a,driver=none,timer-period= 5",
        "id=a,driver=none,timer-period=+5",
        '{"id": "a", "driver": "none", "timer-period": 4294967295}',
    ],
)
def test_values_qemu_takes(arg: str) -> None:
    assert check_audiodev(arg) == "a"
