"""The fake_qemu fixture, scripted and driven by qemu.qmp's QMPClient."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from qemu.qmp import ExecuteError, QMPClient
from rawclient import RawClient

from qmonitor.qapi.error import QapiError
from qmonitor.testing import FakeQemu

Session = Callable[[QMPClient], Awaitable[None]]


def run(fake: FakeQemu, session: Session, timeout: float = 20) -> None:
    async def main() -> None:
        client = QMPClient("test")
        await client.connect(fake.socket_path)
        try:
            await session(client)
        finally:
            await client.disconnect()

    asyncio.run(asyncio.wait_for(main(), timeout))


def test_plain_fake_is_qemu(fake_qemu: FakeQemu) -> None:
    async def session(client: QMPClient) -> None:
        assert client.greeting is not None
        assert client.greeting.QMP.version["qemu"]["major"] == 7
        assert await client.execute("query-status") == {
            "status": "running",
            "singlestep": False,
            "running": True,
        }
        with pytest.raises(ExecuteError) as info:
            await client.execute("block-commit", {"device": "d0"})
        assert info.value.error_class == "DeviceNotFound"  # as QEMU: no such drive
        with pytest.raises(ExecuteError) as info:
            await client.execute("x-no-such-command", {"device": "d0"})
        assert info.value.error_class == "CommandNotFound"
        assert str(info.value) == "The command x-no-such-command has not been found"

    run(fake_qemu, session)
    assert fake_qemu.commands == [
        "qmp_capabilities",
        "query-status",
        "block-commit",
        "x-no-such-command",
    ]
    assert fake_qemu.sent[-1].arguments == {"device": "d0"}
    assert fake_qemu.sent[-1].connection == 1


def test_canned_value_error_and_function(fake_qemu: FakeQemu) -> None:
    fake_qemu.reply("query-block", [{"device": "ide0-hd0", "locked": False}])
    fake_qemu.reply("blockdev-add", error=("GenericError", "Duplicate nodes name 'x'"))
    fake_qemu.reply("device_del", error=("GenericError", "scripted"), times=1)
    fake_qemu.reply("query-name", {"name": "scripted"}, times=1)
    fake_qemu.reply("echo", lambda args: {"got": args})

    def failing(args: dict[str, Any]) -> Any:
        raise QapiError(f"no {args['id']}")

    fake_qemu.reply("netdev_del", failing)

    async def session(client: QMPClient) -> None:
        assert await client.execute("query-block") == [{"device": "ide0-hd0", "locked": False}]
        with pytest.raises(ExecuteError) as info:
            await client.execute("blockdev-add", {"node-name": "x"})
        assert (info.value.error_class, str(info.value)) == (
            "GenericError",
            "Duplicate nodes name 'x'",
        )
        with pytest.raises(ExecuteError) as info:
            await client.execute("device_del", {"id": "nic0"})
        assert (info.value.error_class, str(info.value)) == ("GenericError", "scripted")
        # A one-shot rule used up: the machine's own device_del answers again.
        with pytest.raises(ExecuteError) as info:
            await client.execute("device_del", {"id": "nic0"})
        assert (info.value.error_class, str(info.value)) == (
            "DeviceNotFound",
            "Device 'nic0' not found",
        )
        # A built-in command: scripted once, then its own answer.
        assert await client.execute("query-name") == {"name": "scripted"}
        assert await client.execute("query-name") == {}
        assert await client.execute("echo", {"a": [1, 2]}) == {"got": {"a": [1, 2]}}
        with pytest.raises(ExecuteError) as info:
            await client.execute("netdev_del", {"id": "n1"})
        assert str(info.value) == "no n1"

    run(fake_qemu, session)


def test_unscript_restores_builtin(fake_qemu: FakeQemu) -> None:
    fake_qemu.reply("query-status", {"status": "inmigrate", "running": False, "singlestep": False})
    fake_qemu.unscript("query-status")

    async def session(client: QMPClient) -> None:
        assert (await client.execute("query-status"))["status"] == "running"

    run(fake_qemu, session)


def test_scripted_command_before_negotiation_answers_as_qemu(fake_qemu: FakeQemu) -> None:
    fake_qemu.reply("query-block", [])
    client = RawClient(fake_qemu.socket_path)
    try:
        client.msg()
        client.send(b'{"execute": "query-block", "id": 1}')
        assert client.line() == (
            b'{"id": 1, "error": {"class": "CommandNotFound", "desc": '
            b"\"Expecting capabilities negotiation with 'qmp_capabilities'\"}}\r\n"
        )
    finally:
        client.close()


def test_delay_keeps_reply_order(fake_qemu: FakeQemu) -> None:
    fake_qemu.reply("slow", "late", delay=0.3)

    async def session(client: QMPClient) -> None:
        order: list[str] = []

        async def call(name: str) -> None:
            await client.execute(name)
            order.append(name)

        start = time.monotonic()
        slow = asyncio.ensure_future(call("slow"))
        await asyncio.sleep(0.05)
        fast = asyncio.ensure_future(call("query-name"))
        await asyncio.gather(slow, fast)
        assert time.monotonic() - start >= 0.3
        # In-band requests are answered in order: the fast one waited.
        assert order == ["slow", "query-name"]

    run(fake_qemu, session)


def test_events_now_later_and_after_command(fake_qemu: FakeQemu) -> None:
    fake_qemu.reply("device_del", None)
    fake_qemu.emit("DEVICE_DELETED", {"device": "nic0", "path": "/x"}, after_command="device_del")

    async def session(client: QMPClient) -> None:
        with client.listener() as listener:
            fake_qemu.emit("BALLOON_CHANGE", {"actual": 1024})
            event = await asyncio.wait_for(listener.get(), 5)
            assert event["event"] == "BALLOON_CHANGE"
            assert event["data"] == {"actual": 1024}
            start = time.monotonic()
            fake_qemu.emit("GUEST_PANICKED", {"action": "pause"}, after_ms=200)
            event = await asyncio.wait_for(listener.get(), 5)
            assert event["event"] == "GUEST_PANICKED"
            assert time.monotonic() - start >= 0.19
            await client.execute("device_del", {"id": "nic0"})
            event = await asyncio.wait_for(listener.get(), 5)
            assert event["event"] == "DEVICE_DELETED"
            assert event["data"]["device"] == "nic0"

    run(fake_qemu, session)


def test_event_after_command_follows_the_reply(fake_qemu: FakeQemu) -> None:
    fake_qemu.emit(
        "RESET", {"guest": False, "reason": "host-qmp-system-reset"}, after_command="cont"
    )
    client = RawClient(fake_qemu.socket_path)
    try:
        client.negotiate()
        client.send({"execute": "cont", "id": 7})
        assert client.msg() == {"return": {}, "id": 7}
        assert client.msg()["event"] == "RESET"
    finally:
        client.close()


def test_runstate_changes_raise_qemus_events(fake_qemu: FakeQemu) -> None:
    async def session(client: QMPClient) -> None:
        with client.listener() as listener:
            fake_qemu.set_runstate("paused")
            assert (await asyncio.wait_for(listener.get(), 5))["event"] == "STOP"
            assert (await client.execute("query-status"))["status"] == "paused"
            fake_qemu.set_runstate("io-error")
            assert (await client.execute("query-status"))["status"] == "io-error"
            fake_qemu.set_runstate("running")
            assert (await asyncio.wait_for(listener.get(), 5))["event"] == "RESUME"
        assert fake_qemu.runstate == "running"

    run(fake_qemu, session)


@pytest.mark.fake_qemu(name="guest", start_paused=True, qemu_version=(8, 0, 1))
def test_marker_options(fake_qemu: FakeQemu) -> None:
    async def session(client: QMPClient) -> None:
        assert client.greeting is not None
        assert client.greeting.QMP.version["qemu"]["major"] == 8
        assert await client.execute("query-name") == {"name": "guest"}
        assert (await client.execute("query-status"))["status"] == "prelaunch"

    run(fake_qemu, session)


def test_log_records_connections_parse_errors_and_waits(fake_qemu: FakeQemu) -> None:
    for _ in range(2):
        client = RawClient(fake_qemu.socket_path)
        client.negotiate()
        client.send(b'{"execute": "query-kvm", "id": "a"}{"bad": }')
        assert client.msg()["id"] == "a"
        client.close()
    entry = fake_qemu.wait_for_command("query-kvm", count=2)
    assert entry.connection == 2
    assert [e.parse_error is not None for e in fake_qemu.sent] == [False, False, True] * 2
    fake_qemu.clear_log()
    assert fake_qemu.requests == []
    with pytest.raises(TimeoutError):
        fake_qemu.wait_for_command("quit", timeout=0.1)


def test_client_quit_shuts_the_fake_down() -> None:
    with FakeQemu() as fake:
        client = RawClient(fake.socket_path)
        client.negotiate()
        client.send({"execute": "quit"})
        assert client.msg()["event"] == "SHUTDOWN"
        assert client.msg() == {"return": {}}
        client.close()
        deadline = time.monotonic() + 5
        while fake.running and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not fake.running
        assert fake.shutdown_cause is not None
        assert fake.shutdown_cause.value == "host-qmp-quit"


def test_a_fake_with_the_guest_resets_as_a_guest_does() -> None:
    with FakeQemu(guest=True) as fake:
        client = RawClient(fake.socket_path)
        client.negotiate()
        client.send({"execute": "x-qmonitor-guest-reset"})
        event = client.msg()
        assert (event["event"], event["data"]) == (
            "RESET",
            {"guest": True, "reason": "guest-reset"},
        )
        assert client.msg() == {"return": {}}
        client.close()
    with FakeQemu() as fake:
        client = RawClient(fake.socket_path)
        client.negotiate()
        client.send({"execute": "x-qmonitor-guest-reset"})
        assert client.msg()["error"]["class"] == "CommandNotFound"
        client.close()


def test_fakes_run_side_by_side() -> None:
    with FakeQemu(name="a") as a, FakeQemu(name="b") as b:
        for fake, name in ((a, "a"), (b, "b")):
            client = RawClient(fake.socket_path)
            client.negotiate()
            client.send({"execute": "query-name"})
            assert client.msg() == {"return": {"name": name}}
            client.close()


def test_event_after_a_failing_command(fake_qemu: FakeQemu) -> None:
    fake_qemu.reply("device_add", error="Bus 'pci.9' not found")
    fake_qemu.emit("ACPI_DEVICE_OST", {"info": {}}, after_command="device_add")
    client = RawClient(fake_qemu.socket_path)
    try:
        client.negotiate()
        client.send({"execute": "device_add", "arguments": {"driver": "e1000"}, "id": 1})
        assert client.msg() == {
            "id": 1,
            "error": {"class": "GenericError", "desc": "Bus 'pci.9' not found"},
        }
        assert client.msg()["event"] == "ACPI_DEVICE_OST"
    finally:
        client.close()


@pytest.mark.fake_qemu(oob=False)
def test_without_oob(fake_qemu: FakeQemu) -> None:
    client = RawClient(fake_qemu.socket_path)
    try:
        assert client.negotiate()["QMP"]["capabilities"] == []
    finally:
        client.close()
