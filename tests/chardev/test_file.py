"""The file chardev: truncate or append, QEMU's open error, no watch needed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from qmonitor.chardev.base import ChardevError
from qmonitor.chardev.file import FileChardev


def test_writes_replace_old_contents(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_bytes(b"old stuff")
    chr = FileChardev("f", str(path))
    assert chr.be_open
    assert chr.write(b"new\r\n") == 5
    assert not chr.add_watch(lambda: None)
    chr.close()
    assert path.read_bytes() == b"new\r\n"
    assert chr.write(b"x") == -1


def test_append(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_bytes(b"old\n")
    chr = FileChardev("f", str(path), append=True)
    chr.write(b"more")
    chr.close()
    assert path.read_bytes() == b"old\nmore"


def test_created_with_0666_less_umask(tmp_path: Path) -> None:
    path = tmp_path / "new"
    old = os.umask(0o022)
    try:
        FileChardev("f", str(path)).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_open_error_text(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    with pytest.raises(ChardevError) as info:
        FileChardev("f", str(missing))
    assert str(info.value) == f"Could not open '{missing}': No such file or directory"
