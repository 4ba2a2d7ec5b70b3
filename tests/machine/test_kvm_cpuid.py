"""The KVM CPUID filter against QEMU 7.2's warnings recorded with this host's KVM table.

tests/golden/kvm_cpuid/warnings.json holds the host's KVM answers and what
QEMU printed for each -cpu line (tools/record_kvm_cpuid.py); the model is
given the same table, so these tests hold on any machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.kvm_cpuid import (
    HOST_LACKS_ENFORCED,
    KvmHost,
    KvmSetup,
    cpu_request,
    feature_words,
    realize_messages,
    supported_cpuid,
    unavailable_features,
)
from qmonitor.machine.kvm_host import _host_tsx_broken

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "kvm_cpuid" / "warnings.json"
RECORDED = json.loads(GOLDEN.read_text())
HOST = KvmHost.from_json(RECORDED["host"])
PREFIX = "qemu-system-x86_64: "


def _kvm_cases() -> list[dict[str, Any]]:
    """The recorded cases that start KVM and make a vCPU of the pc/q35 machine."""
    return [
        case
        for case in RECORDED["cases"]
        if "kvm" in " ".join(case["args"]) and "none" not in case["args"]
    ]


@pytest.mark.parametrize("case", _kvm_cases(), ids=lambda case: " ".join(case["args"]))
def test_warnings_as_qemu(case: dict[str, Any]) -> None:
    args = case["args"]
    cpu = args[args.index("-cpu") + 1] if "-cpu" in args else "qemu64"
    vcpus = int(args[args.index("-smp") + 1]) if "-smp" in args else 1
    warnings, error = realize_messages(cpu_request(cpu), HOST)
    said = "".join(f"{PREFIX}warning: {line}\n" for line in warnings)
    expected = said * (1 if error else vcpus) + (f"{PREFIX}{error}\n" if error else "")
    assert expected == case["stderr"]
    assert (error is not None) == (case["status"] == 1)


def test_words_in_qemu_order() -> None:
    words = feature_words()
    first = [w.description() for w in words[:3]]
    assert first == ["CPUID.01H:EDX", "CPUID.01H:ECX", "CPUID.07H:EBX"]
    assert words[1].names[0] == "pni"
    assert words[18].description() == "MSR(10AH)"


def test_fixups_of_kvm_answer() -> None:
    raw = HOST.raw_cpuid(1, 0, "ECX")
    assert not raw & 1  # this host's KVM lacks pni
    fixed = supported_cpuid(HOST, 1, 0, "ECX")
    assert fixed & (1 << 31)  # hypervisor is always offered
    assert not supported_cpuid(HOST, 1, 0, "ECX", KvmSetup("off")) & (1 << 21)  # x2apic
    assert supported_cpuid(HOST, 0x80000001, 0, "ECX") & (1 << 22)  # topoext


def test_significant_index() -> None:
    host = KvmHost(cpuid=((7, 0, 1, 0, 5, 0, 0), (0xD, 0, 0, 1, 2, 3, 4)))
    assert host.raw_cpuid(7, 0, "EBX") == 5
    assert host.raw_cpuid(7, 1, "EBX") == 0
    assert host.raw_cpuid(0xD, 3, "EDX") == 4


def test_enforce_with_nothing_missing_starts() -> None:
    assert realize_messages(cpu_request("qemu64,-pni,enforce"), HOST) == ([], None)
    assert realize_messages(cpu_request("qemu64,enforce"), HOST)[1] == HOST_LACKS_ENFORCED


def test_unavailable_features_of_models() -> None:
    assert unavailable_features("qemu64", HOST) == ["pni"]
    assert unavailable_features("base", HOST) == []
    assert "avx" in unavailable_features("SandyBridge", HOST)


def test_tsx_broken_hosts() -> None:
    haswell = "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 60\nstepping\t: 3\n"
    assert _host_tsx_broken(haswell)
    assert not _host_tsx_broken(haswell.replace("60", "85"))
    assert not _host_tsx_broken("vendor_id: AuthenticAMD\n")


def test_host_table_round_trip() -> None:
    assert KvmHost.from_json(HOST.to_json()) == HOST


@pytest.mark.parametrize(
    "definition", RECORDED["definitions"], ids=lambda definition: definition["name"]
)
def test_unavailable_features_as_qemu(definition: dict[str, Any]) -> None:
    assert unavailable_features(definition["name"], HOST) == definition["unavailable-features"]


def test_xcr0_components_named_by_their_feature() -> None:
    warnings, _ = realize_messages(cpu_request("qemu64,+xsave,+avx512f"), HOST)
    assert warnings[-3:] == [
        f"host doesn't support requested feature: CPUID.0DH:EAX [bit {bit}]" for bit in (5, 6, 7)
    ]
    assert unavailable_features("Cascadelake-Server-v1", HOST)[-3:] == ["avx512f"] * 3
