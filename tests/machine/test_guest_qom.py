"""The vCPUs of a PC's QOM tree, built from a recorded vCPU and the command line.

tests/persona/test_pc_guest.py compares the tree with real QEMU; these
cases need a recording QEMU cannot be made to give on every host (a
feature the accelerator lacks) or none at all (a model not recorded).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from qmonitor.machine.guest import GuestConfig, SmpConfig
from qmonitor.machine.machine import MachineOptions
from qmonitor.machine.qom import QomTree
from qmonitor.persona.store import QomRecord
from qmonitor.qapi.error import QapiError

VCPU0 = "/machine/unattached/device[0]"


def _record() -> QomRecord:
    """A vCPU as a KVM host without SSE3 would show qemu64 (pni asked for, unavailable)."""
    names = {"pni": "bool", "sse3": "bool", "lahf-lm": "bool", "lahf_lm": "bool",
             "level": "uint32", "unavailable-features": "strList",
             "legacy-memory": "str"}  # fmt: skip
    return QomRecord(
        "qemu64-x86_64-cpu",
        [{"name": "type", "type": "string"}] + [{"name": n, "type": t} for n, t in names.items()],
        {
            "type": ("qemu64-x86_64-cpu", None),
            "pni": (True, None),
            "sse3": (True, None),
            "lahf-lm": (True, None),
            "lahf_lm": (True, None),
            "level": (13, None),
            "unavailable-features": (["pni"], None),
            "legacy-memory": (
                None,
                ("GenericError", "Property 'qemu64-x86_64-cpu.legacy-memory' is not readable"),
            ),
        },
    )


def _tree(cpu: str, props: tuple[tuple[str, str], ...], cpus: int = 1) -> QomTree:
    guest = GuestConfig(cpu_model=cpu, cpu_props=props, smp=SmpConfig.resolve(cpus=cpus))
    machine: Any = SimpleNamespace(
        options=MachineOptions(machine_type="pc", guest=guest), chardevs={}
    )
    return QomTree(machine, {"qemu64": _record()})


def test_a_feature_turned_off_through_an_alias() -> None:
    tree = _tree("qemu64", (("sse3", "off"), ("lahf_lm", "off"), ("level", "7")))
    assert tree.qom_get(VCPU0, "pni") is False
    assert tree.qom_get(VCPU0, "sse3") is False
    assert tree.qom_get(VCPU0, "lahf-lm") is False
    assert tree.qom_get(VCPU0, "level") == 7
    # Not asked for any more, so not unavailable.
    assert tree.qom_get(VCPU0, "unavailable-features") == []
    untouched = _tree("qemu64", ())
    assert untouched.qom_get(VCPU0, "unavailable-features") == ["pni"]


def test_integer_cpu_options_are_c_numbers() -> None:
    """-cpu level=010 is 8, as QEMU reads it (Python's int(x, 0) refuses it)."""
    tree = _tree("qemu64", (("level", "010"),))
    assert tree.qom_get(VCPU0, "level") == 8


def test_an_unrecorded_model_stands_on_a_recorded_one() -> None:
    tree = _tree("kvm64", (), cpus=2)
    vcpu1 = "/machine/unattached/device[2]"
    assert tree.qom_get(vcpu1, "type") == "kvm64-x86_64-cpu"
    assert [p["name"] for p in tree.qom_list(vcpu1)][:2] == ["type", "pni"]
    with pytest.raises(QapiError) as info:
        tree.qom_get(vcpu1, "legacy-memory")
    assert info.value.desc == "Property 'kvm64-x86_64-cpu.legacy-memory' is not readable"
    with pytest.raises(QapiError) as info:
        tree.qom_get(vcpu1, "no-such")
    assert info.value.desc == "Property 'kvm64-x86_64-cpu.no-such' not found"
