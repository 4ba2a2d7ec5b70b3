"""asyncio imported without ssl (qmonitor.system.lean): ssl still works afterwards."""

from __future__ import annotations

import subprocess
import sys

_PROGRAM = """
import sys
from qmonitor.system.lean import import_asyncio_without_ssl
import_asyncio_without_ssl()
assert "asyncio" in sys.modules
assert "_ssl" not in sys.modules and "ssl" not in sys.modules
import ssl  # a TLS chardev's import, later
print(type(ssl.MemoryBIO()).__name__)
"""


def test_asyncio_comes_without_ssl_and_ssl_stays_importable() -> None:
    res = subprocess.run(
        [sys.executable, "-c", _PROGRAM], capture_output=True, text=True, timeout=60, check=False
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "MemoryBIO"


def test_nothing_changes_once_asyncio_is_imported() -> None:
    program = "import asyncio, sys\n" + _PROGRAM.replace(
        'assert "_ssl" not in sys.modules and "ssl" not in sys.modules',
        'assert "ssl" in sys.modules',
    )
    res = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )
    assert res.returncode == 0, res.stderr
