"""The QOM type tree (qmonitor.machine.qom_types) against QEMU 7.2's replies.

tests/golden/qom/ holds what QEMU answered (tools/record_qom.py): type
queries and their errors (type_queries.json), and what ``device_add
TYPE,help`` printed for every device type (device_help.json: a few texts
in full, a digest of every one).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.qom_types import QEMU_ABORTS, QomTypes, property_help, type_table
from qmonitor.qapi.error import QapiError

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "qom"
QUERIES: list[dict[str, Any]] = json.loads((GOLDEN / "type_queries.json").read_text())
HELP: dict[str, Any] = json.loads((GOLDEN / "device_help.json").read_text())


def _ask(types: QomTypes, name: str, args: dict[str, Any]) -> Any:
    try:
        if name == "qom-list-types":
            return types.qom_list_types(args.get("implements"), bool(args.get("abstract")))
        if name == "qom-list-properties":
            return types.qom_list_properties(args["typename"])
        assert name == "device-list-properties"
        return types.device_list_properties(args["typename"])
    except QapiError as err:
        return {"error": [err.error_class.value, err.desc]}


@pytest.mark.parametrize(
    "case", QUERIES, ids=[f"{q['request'][0]}-{json.dumps(q['request'][1])}" for q in QUERIES]
)
def test_type_queries_answer_as_qemu(case: dict[str, Any]) -> None:
    name, args = case["request"]
    types = QomTypes()
    types.load_modules()  # QEMU had listed its types before these questions
    assert _ask(types, name, args) == case["reply"]


def test_module_types_are_unknown_until_the_modules_are_loaded() -> None:
    types = QomTypes()
    assert "qxl" in type_table().module
    with pytest.raises(QapiError, match="Class 'qxl' not found"):
        types.qom_list_properties("qxl")
    types.qom_list_types(None, False)
    assert types.qom_list_properties("qxl")


def test_device_list_properties_loads_the_modules() -> None:
    types = QomTypes()
    assert types.device_list_properties("qxl")
    assert types.qom_list_properties("qxl")


def test_types_that_make_qemu_abort_answer_an_error() -> None:
    types = QomTypes()
    with pytest.raises(QapiError) as info:
        types.qom_list_properties("microvm-machine")
    assert info.value.desc == QEMU_ABORTS.format("microvm-machine")


def test_every_device_help_text_is_qemus() -> None:
    types = QomTypes()
    wrong = []
    for name, digest in HELP["sha256"].items():
        try:
            text = types.device_options_help(name)
        except QapiError as err:
            text = err.desc + "\n"
        # Recorded through HMP, whose lines end in CR LF.
        text = text.replace("\n", "\r\n")
        if hashlib.sha256(text.encode()).hexdigest() != digest:
            wrong.append(name)
        if name in HELP["texts"]:
            assert text == HELP["texts"][name]
    assert wrong == []


def test_property_help_pads_and_shows_defaults() -> None:
    line = property_help({"name": "x", "type": "bool", "default-value": False})
    assert line == "  x=<bool>               -  (default: false)"
    assert property_help({"name": "x", "type": "str"}) == "  x=<str>"


def test_every_interface_member_is_listed_with_its_ancestry() -> None:
    table = type_table()
    for name in table.list_types("interface", True):
        assert table.is_a(name["name"], "interface")
    assert table.is_a("e1000", "pci-device")
    assert table.is_a("e1000", "device")
    assert not table.is_a("device", "e1000")
