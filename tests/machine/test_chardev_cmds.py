"""Helpers of the chardev commands (machine/chardev_cmds.py); the commands are
replayed against QEMU's recordings in tests/golden (theme ``chardev``)."""

from __future__ import annotations

import pytest

from qmonitor.machine.chardev_cmds import BASE64_INVALID, BASE64_NUL, base64_decode, utf8_text
from qmonitor.qapi.error import QapiError


@pytest.mark.parametrize(
    ("text", "data"),
    [("aGVsbG8=", b"hello"), ("YWJj\nZA", b"abc"), ("YQ", b""), ("", b"")],
)
def test_base64_decodes_whole_groups(text: str, data: bytes) -> None:
    assert base64_decode(text) == data


@pytest.mark.parametrize(("text", "error"), [("a*b", BASE64_INVALID), ("a\0b", BASE64_NUL)])
def test_base64_errors(text: str, error: str) -> None:
    with pytest.raises(QapiError, match=error.replace("(", r"\(")):
        base64_decode(text)


def test_utf8_text_stops_at_nul_and_replaces_bad_bytes() -> None:
    assert utf8_text(b"ab\0cd") == "ab"
    assert utf8_text(b"\xc3") == "\ufffd"
    assert utf8_text(b"\xa9t\xc3\xa9") == "\ufffdt\u00e9"


def test_chardev_add_pty_returns_its_path() -> None:
    import asyncio
    import os

    from qmonitor.machine.machine import Machine, MachineOptions

    async def main() -> tuple[dict[str, object], str]:
        machine = Machine(MachineOptions(use_io_thread=False))
        add = machine.commands.full.find("chardev-add")
        assert add is not None
        ret = add.call({"id": "p0", "backend": {"type": "pty", "data": {}}})
        filename = machine.chardevs["p0"].filename
        from qmonitor.machine.qom_commands import machine_qom

        # QEMU's type is chardev-pty (was chardev-chardev).
        listing = machine_qom(machine).qom_list("/chardevs")
        assert {"name": "p0", "type": "child<chardev-pty>"} in listing
        remove = machine.commands.full.find("chardev-remove")
        assert remove is not None
        remove.call({"id": "p0"})
        return ret, filename

    ret, filename = asyncio.run(main())
    assert isinstance(ret["pty"], str) and os.path.basename(ret["pty"]).isdigit()
    assert filename == f"pty:{ret['pty']}"
