"""The embedding API end to end: a MonitorServer in this process, qemu.qmp as client.

Where handlers run (plain: main loop; ``coroutine``: awaited on the main
loop; ``allow-oob``: the monitor I/O thread, answering while the main
loop is busy), the current monitor each of them sees, events from other
threads, code-first definitions, query-commands against the schema, and
the library's errors for programs that misuse it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qemu.qmp import ExecuteError, QMPClient

from qmonitor import (
    CodeFirstSchema,
    MonitorServer,
    QapiError,
    QapiSchemaError,
    SchemaBindingError,
    Uint8,
    current_monitor,
)
from qmonitor.machine.compose import compose_schema
from qmonitor.machine.schema import SCHEMA as MACHINE_SCHEMA
from qmonitor.monitor.qmp import MonitorQMP

TIMEOUT = 10.0

SCHEMA = """
##
# @Where:
#
# Where a handler ran.
#
# @thread: the thread's name
# @monitor: the current monitor's chardev
# @task: whether it ran in an asyncio task of the main loop
##
{ 'struct': 'Where', 'data': { 'thread': 'str', 'monitor': 'str', 'task': 'bool' } }

{ 'command': 'where-plain', 'returns': 'Where' }
{ 'command': 'where-oob', 'returns': 'Where', 'allow-oob': true }
{ 'command': 'where-co', 'returns': 'Where', 'coroutine': true }
{ 'command': 'block', 'data': { 'timeout': 'number' }, 'returns': 'Where' }
{ 'command': 'release', 'returns': 'Where', 'allow-oob': true }
{ 'command': 'fail', 'data': { 'how': 'str' } }
{ 'event': 'PING', 'data': { 'n': 'int', '*note': 'str' } }
"""


def where(server: MonitorServer) -> dict[str, Any]:
    mon = current_monitor()
    assert isinstance(mon, MonitorQMP) and mon.chr is not None
    task = False
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        task = server.machine is not None and loop is server.machine.loop
        task = task and asyncio.current_task() is not None
    return {"thread": threading.current_thread().name, "monitor": mon.chr.label, "task": task}


class Harness:
    """A started server with two QMP sockets, and the state its handlers share."""

    def __init__(self, tmp_path: Path) -> None:
        schema = tmp_path / "test.json"
        schema.write_text(SCHEMA)
        self.socks = [tmp_path / "a.sock", tmp_path / "b.sock"]
        args: list[str] = []
        for sock in self.socks:
            args += ["-qmp", f"unix:{sock},server=on,wait=off"]
        self.server = MonitorServer(schema, args=[*args, "-display", "none"])
        self.entered = threading.Event()
        self.released = threading.Event()
        self.block_done = False
        server = self.server

        @server.command("where-plain")
        def where_plain() -> dict[str, Any]:
            return where(server)

        @server.command("where-oob")
        def where_oob() -> dict[str, Any]:
            return where(server)

        @server.command("where-co")
        async def where_co() -> dict[str, Any]:
            await asyncio.sleep(0)
            return where(server)

        @server.command("block")
        def block(timeout: float) -> dict[str, Any]:
            self.entered.set()
            if not self.released.wait(timeout):
                raise QapiError("not released")
            self.block_done = True
            return where(server)

        @server.command("release")
        def release() -> dict[str, Any]:
            # The main loop is still inside 'block' when this runs.
            if not self.entered.is_set() or self.block_done:
                raise QapiError("the main loop was not busy")
            info = where(server)
            self.released.set()
            return info

        @server.command("fail")
        def fail(how: str) -> None:
            if how == "python":
                raise RuntimeError("boom")
            raise QapiError("it failed")


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    h = Harness(tmp_path)
    h.server.start()
    try:
        yield h
    finally:
        h.server.stop()


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT * 3))


async def connect(sock: Path) -> QMPClient:
    client = QMPClient("test")
    await client.connect(str(sock))
    return client


def test_where_handlers_run_and_the_current_monitor(harness: Harness) -> None:
    async def session() -> None:
        a, b = await connect(harness.socks[0]), await connect(harness.socks[1])
        try:
            for client, label in ((a, "compat_monitor0"), (b, "compat_monitor1")):
                plain = await client.execute("where-plain")
                assert plain == {"thread": "qmonitor-main", "monitor": label, "task": False}
                co = await client.execute("where-co")
                assert co == {"thread": "qmonitor-main", "monitor": label, "task": True}
                oob = await client.execute("where-oob", oob=True)
                assert oob == {"thread": "mon_iothread", "monitor": label, "task": False}
                # allow-oob commands run in-band too, then on the main loop.
                inband = await client.execute("where-oob")
                assert inband == {"thread": "qmonitor-main", "monitor": label, "task": False}
        finally:
            await a.disconnect()
            await b.disconnect()

    run(session())


def test_oob_answers_while_the_main_loop_is_busy(harness: Harness) -> None:
    async def session() -> None:
        client = await connect(harness.socks[0])
        try:
            blocked = asyncio.ensure_future(client.execute("block", {"timeout": TIMEOUT}))
            while not harness.entered.is_set():
                await asyncio.sleep(0.005)
            released = await client.execute("release", oob=True)
            assert released == {
                "thread": "mon_iothread",
                "monitor": "compat_monitor0",
                "task": False,
            }
            assert await blocked == {
                "thread": "qmonitor-main",
                "monitor": "compat_monitor0",
                "task": False,
            }
        finally:
            await client.disconnect()

    run(session())


def test_events_from_any_thread_and_errors(harness: Harness) -> None:
    async def session() -> None:
        client = await connect(harness.socks[0])
        try:
            with client.listener() as listener:
                threads = [
                    threading.Thread(target=harness.server.emit, args=("PING", {"n": n}))
                    for n in range(3)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(TIMEOUT)
                harness.server.emit("PING", n=7, note="kw")
                got: list[dict[str, Any]] = []
                while len(got) < 4:
                    event = await asyncio.wait_for(listener.get(), TIMEOUT)
                    data = event["data"]
                    assert isinstance(data, dict)
                    got.append(data)
            assert sorted(d["n"] for d in got) == [0, 1, 2, 7]
            assert {"n": 7, "note": "kw"} in got
            with pytest.raises(ExecuteError) as info:
                await client.execute("fail", {"how": "qapi"})
            assert (info.value.error_class, info.value.error.error.desc) == (
                "GenericError",
                "it failed",
            )
            with pytest.raises(ExecuteError) as info:
                await client.execute("fail", {"how": "python"})
            assert info.value.error.error.desc == "Internal error: RuntimeError: boom"
            with pytest.raises(ExecuteError) as info:
                await client.execute("block", {"timeout": "x"})
            assert info.value.error.error.desc == (
                "Invalid parameter type for 'timeout', expected: number"
            )
        finally:
            await client.disconnect()

    run(session())
    with pytest.raises(SchemaBindingError):
        harness.server.emit("PING", n="one")
    with pytest.raises(SchemaBindingError):
        harness.server.emit("NO_SUCH_EVENT")


def test_query_commands_matches_the_schema(harness: Harness) -> None:
    async def session() -> tuple[Any, Any]:
        client = await connect(harness.socks[0])
        try:
            return await client.execute("query-commands"), await client.execute("query-qmp-schema")
        finally:
            await client.disconnect()

    commands, schema = run(session())
    listed = [c["name"] for c in commands]
    in_schema = [e["name"] for e in schema if e["meta-type"] == "command"]
    assert sorted(listed) == sorted(in_schema)
    own = ["where-plain", "where-oob", "where-co", "block", "release", "fail"]
    # QEMU registers in schema order and lists the newest first.
    assert listed[: len(own)] == own[::-1]
    assert in_schema[-len(own) :] == own
    assert [e["name"] for e in schema if e["meta-type"] == "event"][-1] == "PING"


def test_start_and_stop_leave_no_thread(tmp_path: Path) -> None:
    before = {t.name for t in threading.enumerate()}
    h = Harness(tmp_path)
    with h.server:
        assert h.server.running
        assert h.server.machine is not None
    assert h.server.machine is None
    assert h.server.shutdown_cause is not None
    assert {t.name for t in threading.enumerate()} <= before


# -- code-first ---------------------------------------------------------------


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclasses.dataclass
class Lamp:
    color: Color
    level: Uint8
    label: str | None = None


def make_codefirst() -> tuple[CodeFirstSchema, Any]:
    api = CodeFirstSchema()
    lamps: dict[str, Lamp] = {}

    @api.command()
    def lamp_set(name: str, color: Color, level: Uint8 = 100) -> Lamp:
        lamps[name] = Lamp(color, level)
        return lamps[name]

    @api.command()
    async def lamp_get(name: str) -> Lamp:
        if name not in lamps:
            raise QapiError(f"Lamp '{name}' not found")
        return lamps[name]

    @api.event("LAMP_CHANGED")
    def lamp_changed(name: str, color: Color) -> None: ...

    return api, lamp_changed


def test_codefirst_server(tmp_path: Path) -> None:
    api, _ = make_codefirst()
    sock = tmp_path / "q.sock"
    server = MonitorServer(api, args=["-qmp", f"unix:{sock},server=on,wait=off"])

    async def session() -> None:
        client = await connect(sock)
        try:
            lamp = await client.execute("lamp-set", {"name": "desk", "color": "green"})
            assert lamp == {"color": "green", "level": 100}
            assert await client.execute("lamp-get", {"name": "desk"}) == lamp
            with pytest.raises(ExecuteError) as info:
                await client.execute("lamp-set", {"name": "x", "color": "red", "level": 256})
            assert info.value.error.error.desc == "Parameter 'level' expects uint8_t"
            with pytest.raises(ExecuteError) as info:
                await client.execute("lamp-get", {"name": "x"})
            assert info.value.error.error.desc == "Lamp 'x' not found"
            with client.listener() as listener:
                server.emit("LAMP_CHANGED", name="desk", color=Color.RED)
                event = await asyncio.wait_for(listener.get(), TIMEOUT)
            assert event["data"] == {"name": "desk", "color": "red"}
            schema = await client.execute("query-qmp-schema")
            assert isinstance(schema, list)
            names = [e["name"] for e in schema if e["meta-type"] in ("command", "event")]
            assert names[-3:] == ["lamp-set", "lamp-get", "LAMP_CHANGED"]
        finally:
            await client.disconnect()

    with server:
        run(session())


def test_both_styles_in_one_server(tmp_path: Path) -> None:
    schema = tmp_path / "test.json"
    schema.write_text(SCHEMA)
    api, _ = make_codefirst()
    composed = compose_schema([schema, api])
    assert composed.own_commands() == [
        "where-plain",
        "where-oob",
        "where-co",
        "block",
        "release",
        "fail",
        "lamp-set",
        "lamp-get",
    ]
    assert composed.own_events() == ["PING", "LAMP_CHANGED"]


# -- misuse -------------------------------------------------------------------


def test_bind_errors(tmp_path: Path) -> None:
    schema = tmp_path / "test.json"
    schema.write_text(SCHEMA)
    server = MonitorServer(schema)
    with pytest.raises(SchemaBindingError, match="has no command 'nope'"):
        server.bind("nope", lambda: None)
    with pytest.raises(SchemaBindingError, match="has no command 'stop'"):
        server.bind("stop", lambda: None)  # the machine's own commands stay

    async def co() -> None:
        return None

    with pytest.raises(SchemaBindingError, match="no 'coroutine': true"):
        server.bind("where-plain", co)
    with pytest.raises(SchemaBindingError, match="use async def"):
        server.bind("where-co", lambda: None)
    with pytest.raises(SchemaBindingError, match="no handler for command 'where-plain'"):
        server.start()
    assert server.wait(TIMEOUT)


def test_schema_errors_have_qemus_messages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ 'command': 'x', 'data': { 'a': 'Nope' } }\n")
    with pytest.raises(QapiSchemaError) as info:
        MonitorServer(bad)
    assert (
        str(info.value)
        == f"{bad}: In command 'x':\n{bad}:1: parameter 'a' uses unknown type 'Nope'"
    )
    line = next(n for n, text in enumerate(MACHINE_SCHEMA.split("\n"), 1) if "'RunState'" in text)
    clash = tmp_path / "clash.json"
    clash.write_text("{ 'enum': 'RunState', 'data': [ 'on' ] }\n")
    with pytest.raises(QapiSchemaError) as info:
        MonitorServer(clash)
    assert str(info.value) == (
        "In file included from qmonitor-main.json:3:\n"
        f"{clash}: In enum 'RunState':\n"
        f"{clash}:1: 'RunState' is already defined\n"
        "In file included from qmonitor-main.json:2:\n"
        "qmonitor-machine.json: In enum 'RunState':\n"
        f"qmonitor-machine.json:{line}: previous definition"
    )


def test_command_line_errors_are_qemus(tmp_path: Path) -> None:
    from qmonitor.options.cmdline import CmdlineError

    schema = tmp_path / "test.json"
    schema.write_text(SCHEMA)
    with pytest.raises(CmdlineError) as info:
        MonitorServer(schema, args=["-nosuch"], prog="emu")
    assert (info.value.message, info.value.status) == ("emu: -nosuch: invalid option\n", 1)


# -- the command registry against the schema ------------------------------------


@pytest.mark.parametrize("extensions", [False, True])
def test_registered_commands_match_the_machine_schema(extensions: bool) -> None:
    """What query-commands lists is what query-qmp-schema describes, flags included."""
    from qmonitor.machine.extensions import register_extensions
    from qmonitor.machine.machine import Machine
    from qmonitor.machine.schema import machine_schema

    async def registered() -> dict[str, tuple[bool, bool, bool]]:
        machine = Machine()
        if extensions:
            register_extensions(machine)
        try:
            return {
                c.name: (c.allow_oob, c.allow_preconfig, c.coroutine) for c in machine.commands.full
            }
        finally:
            await machine.cleanup()

    got = asyncio.run(registered())
    schema = machine_schema(extensions)
    assert got == {c.name: (c.allow_oob, c.allow_preconfig, c.coroutine) for c in schema.commands()}


def test_embedder_commands_take_the_schemas_flags(harness: Harness) -> None:
    machine = harness.server.machine
    assert machine is not None
    flags = {c.name: (c.allow_oob, c.allow_preconfig, c.coroutine) for c in machine.commands.full}
    schema = harness.server.schema
    assert flags == {
        c.name: (c.allow_oob, c.allow_preconfig, c.coroutine) for c in schema.commands()
    }


# -- monitors without QEMU's syntax, HMP commands, vm_stop / vm_start ------------


def _hmp_until(sock: Any, want: bytes) -> bytes:
    data = b""
    while want not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    return data


def test_monitors_by_path_and_embedder_hmp_commands(tmp_path: Path) -> None:
    import socket

    api, _ = make_codefirst()
    qmp, pretty, hmp = tmp_path / "q.sock", tmp_path / "p.sock", tmp_path / "h.sock"
    server = MonitorServer(api, qmp=[qmp], hmp=[str(hmp)])
    server.add_monitor(pretty, pretty=True)
    seen: list[dict[str, Any]] = []

    @server.hmp_command("lamp", args_type="name:s", params="name", help="show a lamp")
    def lamp(mon: Any, args: dict[str, Any]) -> None:
        seen.append(args)
        mon.printf(f"lamp {args['name']}\n")

    server.hmp_command("lamp_off|lo", lambda mon, args: mon.printf("off\n"), help="all off")
    with pytest.raises(ValueError, match="already an HMP command 'stop'"):
        server.hmp_command("stop", lamp)
    with pytest.raises(ValueError, match="already an HMP command 'lo'"):
        server.hmp_command("lamp_dim|lo", lamp)
    with pytest.raises(ValueError, match="'pretty' is not compatible"):
        server.add_monitor(tmp_path / "x.sock", mode="readline", pretty=True)
    with pytest.raises(ValueError, match="mode must be"):
        server.add_monitor(tmp_path / "x.sock", mode="qmp")
    with pytest.raises(ValueError, match="comma"):
        server.add_monitor(tmp_path / "a,b.sock")
    assert [m.mode for m in server.config.monitors] == ["control", "readline", "control"]
    assert [m.pretty for m in server.config.monitors] == [False, False, True]

    async def session() -> None:
        client = await connect(qmp)
        try:
            assert await client.execute("query-status") == {
                "status": "running",
                "singlestep": False,
                "running": True,
            }
        finally:
            await client.disconnect()

    with server:
        run(session())
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(TIMEOUT)
            sock.connect(str(pretty))
            assert _hmp_until(sock, b"\r\n}\r\n").startswith(b'{\r\n    "QMP": {\r\n')
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(TIMEOUT)
            sock.connect(str(hmp))
            _hmp_until(sock, b"(qemu) ")
            sock.sendall(b"lamp desk\r")
            assert b"lamp desk\r\n(qemu) " in _hmp_until(sock, b"desk\r\n(qemu) ")
            sock.sendall(b"lo\r")
            assert b"off\r\n(qemu) " in _hmp_until(sock, b"off\r\n(qemu) ")
            sock.sendall(b"help\r")
            listing = _hmp_until(sock, b"\r\n(qemu) ")
            assert b"lamp name -- show a lamp\r\n" in listing
            assert b"lamp_off|lo  -- all off\r\n" in listing
            # QEMU's order: by name, byte by byte.
            assert listing.index(b"info ") < listing.index(b"lamp ") < listing.index(b"quit|q ")
        with pytest.raises(RuntimeError):
            server.add_monitor(tmp_path / "late.sock")
        with pytest.raises(RuntimeError):
            server.hmp_command("late", lamp)
    assert seen == [{"name": "desk"}]
    assert not qmp.exists() and not hmp.exists()


def test_hmp_commands_on_a_multi_client_listener(tmp_path: Path) -> None:
    import socket

    sock_path = tmp_path / "h.sock"
    server = MonitorServer(
        args=["-chardev", f"socket,id=h,path={sock_path},server=on,wait=off,x-qmonitor-multi=on",
              "-mon", "chardev=h,mode=readline"]
    )  # fmt: skip
    server.hmp_command("hello", lambda mon, args: mon.printf("hello\n"), help="greet")
    with server:
        for _ in range(2):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(TIMEOUT)
                sock.connect(str(sock_path))
                _hmp_until(sock, b"(qemu) ")
                sock.sendall(b"hello\r")
                assert b"\x1b[K\r\nhello\r\n(qemu) " in _hmp_until(sock, b"hello\r\n(qemu) ")


def test_vm_stop_and_vm_start_from_any_thread(tmp_path: Path) -> None:
    api, _ = make_codefirst()
    sock = tmp_path / "q.sock"
    server = MonitorServer(api, qmp=[sock])
    with pytest.raises(RuntimeError):
        server.vm_stop()

    async def session() -> None:
        client = await connect(sock)
        try:
            with client.listener() as listener:
                server.vm_stop()  # from this thread: queued to the main loop
                assert (await asyncio.wait_for(listener.get(), TIMEOUT))["event"] == "STOP"
                assert (await client.execute("query-status"))["status"] == "paused"
                assert not server.running
                server.vm_start()
                assert (await asyncio.wait_for(listener.get(), TIMEOUT))["event"] == "RESUME"
            # RESUME leaves before the run state changes (as QEMU's vm_start): ask
            # the main loop, which answers once vm_start has finished.
            assert (await client.execute("query-status"))["status"] == "running"
            assert server.running
        finally:
            await client.disconnect()

    with server:
        run(session())
