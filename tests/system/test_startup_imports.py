"""What the plain start-up path loads: issue #7's gains must stay.

``qmonitor -M none ... -qmp unix:...`` is timed from process start to the
QMP greeting (bench/run.py's startup row); the modules are those loaded
by the time the first command is answered.  Modules only some command
lines need (TLS credentials, personas, ctypes for thread names, ...) are
imported where they are used, not at the top of the modules every start
goes through.  The real command runs under ``-X importtime`` until its
greeting; what it imported by then is checked here.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from qmonitor_testsupport import procs

#: Not imported at all on the plain path.
NOT_LOADED = (
    "qmonitor.persona",  # the persona package: -persona only
    "qmonitor.options.objects",  # -object (TLS credentials) only
    "ctypes",  # vCPU thread names (-name debug-threads=on) only
    "pathlib",
    # OpenSSL, through asyncio's own TLS: the command line imports asyncio
    # without ssl (qmonitor.system.lean), TLS chardevs import it when one is
    # made.  (asyncio's attempts to import ssl still show, halted, as "ssl".)
    "_ssl",
    "_hashlib",  # OpenSSL's digests: a dirty bitmap's sha256 only
)
#: Not imported by qmonitor's start-up modules at module level.  asyncio
#: itself imports subprocess (base_events.py), so it is loaded anyway; what
#: matters is that qmonitor adds no dependency on it of its own.
NOT_IMPORTED_AT_TOP = ("subprocess", *NOT_LOADED)

_IMPORT_LINE = re.compile(r"import time:\s+\d+ \|\s+\d+ \| +(\S+)")


def _startup_modules(tmp_path: Path) -> list[str]:
    """The modules ``qmonitor -qmp unix:...`` imports up to its greeting."""
    sock = tmp_path / "qmp.sock"
    log = tmp_path / "importtime.txt"
    argv = [sys.executable, "-X", "importtime", "-m", "qmonitor", *procs.BASE_ARGS]
    argv += ["-qmp", f"unix:{sock},server=on,wait=off"]
    with open(log, "wb") as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    try:
        greeting = b""
        end = time.monotonic() + 30
        while greeting.count(b"\r\n") < 2 and time.monotonic() < end:
            assert proc.poll() is None, log.read_text(errors="replace")
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                try:
                    client.connect(str(sock))
                except (FileNotFoundError, ConnectionRefusedError):
                    time.sleep(0.01)
                    continue
                client.settimeout(30)
                # The early greeter greets before the machine is built: the
                # reply to a command comes once start-up is done.
                client.sendall(b'{"execute": "qmp_capabilities"}')
                while greeting.count(b"\r\n") < 2:
                    chunk = client.recv(4096)
                    if not chunk:
                        break
                    greeting += chunk
        assert greeting.startswith(b'{"QMP":'), greeting
        assert greeting.endswith(b'\r\n{"return": {}}\r\n'), greeting
    finally:
        # Killed, not terminated: what shutting down imports is not start-up.
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    text = log.read_text(errors="replace")
    return [m.group(1) for m in map(_IMPORT_LINE.match, text.splitlines()) if m]


def _top_level_imports(source: str) -> set[str]:
    """Modules a source imports outside functions and ``if TYPE_CHECKING:``."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If):
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, (ast.Try, ast.With, ast.ClassDef)):
                visit(node.body)
                if isinstance(node, ast.Try):
                    for handler in node.handlers:
                        visit(handler.body)
                    visit(node.orelse)
                    visit(node.finalbody)

    visit(ast.parse(source).body)
    return found


def _is(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def test_plain_startup_imports(tmp_path: Path) -> None:
    loaded = _startup_modules(tmp_path)
    assert "qmonitor.system.startup" in loaded and "asyncio" in loaded  # the log is complete
    assert [m for m in loaded if any(_is(m, bad) for bad in NOT_LOADED)] == []
    offenders = []
    for name in sorted({m for m in loaded if _is(m, "qmonitor")}):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        for imported in _top_level_imports(Path(spec.origin).read_text(encoding="utf-8")):
            if any(_is(imported, bad) for bad in NOT_IMPORTED_AT_TOP):
                offenders.append(f"{name} imports {imported}")
    assert offenders == []


def test_top_level_imports_seen() -> None:
    # The static check sees what it must, and skips what it must.
    source = (
        "import ssl\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import pathlib\n"
        "try:\n    import ctypes\nexcept ImportError:\n    pass\n"
        "def f():\n    import subprocess\n"
        "class C:\n    from qmonitor.persona import store\n"
    )
    imports = _top_level_imports(source)
    assert {"ssl", "ctypes", "qmonitor.persona", "qmonitor.persona.store"} <= imports
    assert "pathlib" not in imports and "subprocess" not in imports
