"""``-device help`` and ``-device DRIVER,help`` print QEMU 7.2's texts and end the program.

The expectations are QEMU's (tests/golden/qom/, recorded through HMP's
``device_add``, which prints the same texts with CR LF line ends).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.qom_types import type_table
from qmonitor.options.cmdline import parse_args
from qmonitor.options.config import CmdlineError

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "qom"
HELP: dict[str, Any] = json.loads((GOLDEN / "device_help.json").read_text())


def _stop(*args: str) -> CmdlineError:
    with pytest.raises(CmdlineError) as info:
        parse_args(["-display", "none", *args], "qemu")
    return info.value


def test_device_help_lists_qemus_devices() -> None:
    err = _stop("-device", "help")
    assert (err.status, err.stream) == (0, "stdout")
    assert err.message == type_table().device_help
    assert err.message.startswith("Controller/Bridge/Hub devices:\nname ")


@pytest.mark.parametrize("driver", ["e1000", "ib700", "usb-mouse", "AC97"])
def test_driver_help_is_qemus(driver: str) -> None:
    err = _stop("-device", f"{driver},help")
    assert (err.status, err.stream) == (0, "stdout")
    digest = hashlib.sha256(err.message.replace("\n", "\r\n").encode()).hexdigest()
    assert digest == HELP["sha256"][driver]


def test_an_alias_shows_its_type() -> None:
    assert _stop("-device", "virtio-net,help").message.startswith("virtio-net-pci options:\n")


@pytest.mark.parametrize(
    ("driver", "text"),
    [
        ("nope", "Device 'nope' not found"),
        ("device", "Parameter 'typename' expects a non-abstract device type"),
    ],
)
def test_a_failing_driver_help_still_ends_with_status_0(driver: str, text: str) -> None:
    err = _stop("-device", f"{driver},help")
    assert (err.status, err.stream) == (0, "stderr")
    assert err.message == f"qemu: -device {driver},help: {text}\n"
