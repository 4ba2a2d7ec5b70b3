"""FakeQemuProcess: qmonitor as a subprocess with QEMU's command line.

For tests that want a separate process (signals, exit status, a client
that forks), or QEMU's own options (``-S``, ``-name``, ``-M pc``...).  The
process gets the test's arguments plus two QMP sockets: the one clients
reach through the logging, fault-injecting proxy (:attr:`socket_path`),
and a private control socket on which the handle raises events
(``x-qmonitor-emit-event``) and changes the run state (``stop``/``cont``).
Command scripting needs the machine in this process: use
:class:`~qmonitor.testing.fake.FakeQemu` for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qmonitor.mux.address import Address
from qmonitor.testing.fake import CALL_TIMEOUT, FakeQemuError, _LogView
from qmonitor.testing.log import RequestLog
from qmonitor.testing.proxy import Faults, Proxy

#: The options every fake process gets unless the test gives its own.
DEFAULT_ARGS = ("-M", "none", "-display", "none", "-nodefaults")


class FakeQemuProcess(_LogView):
    """qmonitor in a subprocess behind the logging proxy.

    :param args: QEMU command-line options (default ``-M none -display none
        -nodefaults``); the handle adds its two ``-qmp`` sockets and
        ``-qmonitor-extensions``.
    :param command: the program to run (default: this Python's ``-m qmonitor``).
    """

    def __init__(
        self, args: Sequence[str] = DEFAULT_ARGS, *, command: Sequence[str] | None = None
    ) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="qmon-proc-"))
        self.socket_path = str(self.directory / "qmp.sock")
        self._upstream_path = str(self.directory / ".monitor.sock")
        self._control_path = str(self.directory / ".control.sock")
        self.args = list(args)
        self.command = list(command) if command is not None else [sys.executable, "-m", "qmonitor"]
        self.log = RequestLog()
        self.faults = Faults()
        self.proc: subprocess.Popen[bytes] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._proxy: Proxy | None = None
        self._control: _ControlClient | None = None
        self._stop: asyncio.Event | None = None

    def start(self) -> FakeQemuProcess:
        """Start the process and the proxy; on any failure, nothing is left running."""
        try:
            return self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> FakeQemuProcess:
        argv = [
            *self.command,
            *self.args,
            "-qmonitor-extensions",
            "-qmp",
            f"unix:{self._upstream_path},server=on,wait=off",
            "-qmp",
            f"unix:{self._control_path},server=on,wait=off",
        ]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + CALL_TIMEOUT
        while not (Path(self._upstream_path).exists() and Path(self._control_path).exists()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                self.close()
                raise FakeQemuError(f"the fake QEMU process did not start: {err.strip()}")
            time.sleep(0.01)
        # The socket file appears when bound, a moment before it listens.
        while True:
            try:
                self._control = _ControlClient(self._control_path)
                break
            except ConnectionRefusedError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise FakeQemuError("the fake QEMU process does not listen") from None
                time.sleep(0.01)
        ready = threading.Event()
        self._thread = threading.Thread(target=self._proxy_main, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(CALL_TIMEOUT):
            self.close()
            raise FakeQemuError("the proxy did not start")
        return self

    def _proxy_main(self, ready: threading.Event) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            proxy = Proxy(
                Address(path=self.socket_path),
                Address(path=self._upstream_path),
                self.log,
                self.faults,
            )
            await proxy.start()
            self._proxy = proxy
            stop = asyncio.Event()
            self._stop = stop
            ready.set()
            try:
                await stop.wait()
            finally:
                await proxy.close()

        asyncio.run(main())

    def close(self) -> None:
        """Stop the proxy and the process; remove the sockets."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                if self._stop is not None:
                    loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(CALL_TIMEOUT)
        if self._control is not None:
            self._control.close()
        proc = self.proc
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            if proc.stderr is not None:
                proc.stderr.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> FakeQemuProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scripting over the control socket --------------------------------------

    def execute(self, command: str, arguments: dict[str, Any] | None = None) -> Any:
        """Run a command on the control monitor (not logged); its return value."""
        if self._control is None:
            raise FakeQemuError("the fake QEMU process is not running")
        return self._control.execute(command, arguments)

    def emit(self, event: str, data: dict[str, Any] | None = None) -> None:
        """Raise ``event`` now (through QEMU's throttle, to every negotiated client)."""
        args: dict[str, Any] = {"event": event}
        if data is not None:
            args["data"] = data
        self.execute("x-qmonitor-emit-event", args)

    def set_runstate(self, state: str) -> None:
        """``running`` (``cont``) or ``paused`` (``stop``)."""
        if state == "running":
            self.execute("cont")
        elif state == "paused":
            self.execute("stop")
        else:
            raise FakeQemuError(f"a fake QEMU process can only be running or paused, not {state}")

    # -- transport faults ------------------------------------------------------

    def _on_proxy(self, fn: Any) -> Any:
        loop, proxy = self._loop, self._proxy
        if loop is None or proxy is None:
            raise FakeQemuError("the fake QEMU process is not running")

        async def run() -> Any:
            return fn(proxy)

        return asyncio.run_coroutine_threadsafe(run(), loop).result(CALL_TIMEOUT)

    def stall_output(self, stalled: bool = True) -> None:
        self._on_proxy(lambda p: p.stall(stalled))

    def inject(self, data: bytes) -> int:
        return int(self._on_proxy(lambda p: p.inject(data)))

    def disconnect(self) -> int:
        return int(self._on_proxy(lambda p: p.disconnect_all()))


class _ControlClient:
    """A minimal blocking QMP client for the control socket."""

    def __init__(self, path: str) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(CALL_TIMEOUT)
        try:
            self._sock.connect(path)
        except OSError:
            self._sock.close()
            raise
        self._file = self._sock.makefile("rb")
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._read()  # the greeting
        self.execute("qmp_capabilities")

    def _read(self) -> Any:
        line = self._file.readline()
        if not line:
            raise FakeQemuError("the fake QEMU process closed its control socket")
        return json.loads(line)

    def execute(self, command: str, arguments: dict[str, Any] | None = None) -> Any:
        with self._lock:
            req_id = next(self._ids)
            msg: dict[str, Any] = {"execute": command, "id": req_id}
            if arguments is not None:
                msg["arguments"] = arguments
            self._sock.sendall(json.dumps(msg).encode() + b"\n")
            while True:
                rsp = self._read()
                if rsp.get("id") != req_id:
                    continue  # an event
                if "error" in rsp:
                    raise FakeQemuError(f"{command}: {rsp['error']['desc']}")
                return rsp.get("return")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
            self._sock.close()
