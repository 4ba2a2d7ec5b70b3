"""Migration URIs (QEMU's texts) and the statistics computed from RAM size and bandwidth."""

from __future__ import annotations

import pytest

from qmonitor.machine.migrate.stats import PAGE_SIZE, ZERO_PAGE_BYTES, Plan, ram_total
from qmonitor.machine.migrate.uri import BAD_ADDRESS, BAD_PROTOCOL_IN, BAD_PROTOCOL_OUT, parse_uri
from qmonitor.qapi.error import QapiError


def test_uris() -> None:
    assert parse_uri("tcp:127.0.0.1:4444", incoming=True).socket_address() == {
        "type": "inet",
        "host": "127.0.0.1",
        "port": "4444",
        "ipv4": True,
    }
    assert parse_uri("tcp:[::1]:5", incoming=False).socket_address()["ipv6"] is True
    assert parse_uri("unix:/x/y", incoming=True).target == "/x/y"
    assert parse_uri("exec:cat > f", incoming=False).target == "cat > f"
    assert parse_uri("fd:mig", incoming=False).kind == "fd"


@pytest.mark.parametrize(
    ("uri", "incoming", "text"),
    [
        ("foo:bar", True, BAD_PROTOCOL_IN.format("foo:bar")),
        ("foo:bar", False, BAD_PROTOCOL_OUT),
        ("nocolon", False, BAD_PROTOCOL_OUT),
        ("tcp:nohostport", True, BAD_ADDRESS.format("nohostport")),
        ("tcp:[::1", False, BAD_ADDRESS.format("[::1")),
    ],
)
def test_bad_uris(uri: str, incoming: bool, text: str) -> None:
    with pytest.raises(QapiError) as info:
        parse_uri(uri, incoming=incoming)
    assert info.value.desc == text


def test_statistics_follow_ram_and_bandwidth() -> None:
    total = ram_total("pc", 128 << 20)
    plan = Plan(total, 134217728, 300)
    assert plan.pages == total // PAGE_SIZE
    info = plan.ram_info(plan.pages, 2, completed=True)
    assert info["total"] == total == 134750208  # QEMU 7.2's -M pc -m 128
    assert info["duplicate"] == plan.pages and info["normal"] == 0
    assert info["transferred"] == plan.pages * ZERO_PAGE_BYTES
    assert info["remaining"] == 0
    # A paused VM's bytes all count as downtime bytes, a running VM's RAM as precopy.
    assert info["downtime-bytes"] == info["transferred"] and info["precopy-bytes"] == 0
    running = Plan(total, 134217728, 300, running=True).ram_info(plan.pages, 2, completed=True)
    assert running["precopy-bytes"] == plan.pages * ZERO_PAGE_BYTES
    assert running["downtime-bytes"] == 0
    half = plan.ram_info(plan.pages // 2, 1, completed=False)
    assert half["remaining"] == (plan.pages - plan.pages // 2) * PAGE_SIZE
    slow = Plan(total, 65536, 300)
    assert slow.transfer_ms > plan.transfer_ms * 1000
    assert ram_total("none", 128 << 20) == 0
    # Deterministic: the same inputs, the same figures.
    assert Plan(total, 65536, 300).ram_info(10, 1, completed=False) == slow.ram_info(
        10, 1, completed=False
    )
