"""HMP ``qom-set`` reads a value by its property's type (qom/qom-hmp-cmds.c)."""

from __future__ import annotations

import pytest

from qmonitor.machine.hmp_qom_set import string_value
from qmonitor.qapi.error import QapiError


def test_a_size_property_takes_qemus_size_suffixes() -> None:
    # parse_type_size reads a size as -m does (a plain number is bytes).
    assert string_value("requested-size", "size", "64M") == 64 << 20
    assert string_value("requested-size", "size", "4096") == 4096


def test_a_bad_size_is_refused_with_the_size_parsers_text_and_hint() -> None:
    with pytest.raises(QapiError) as info:
        string_value("requested-size", "size", "12x")
    assert info.value.desc == (
        "Parameter 'requested-size' expects a non-negative number below 2^64"
    )
    assert info.value.hint.startswith("Optional suffix k, M, G, T, P or E means kilo-")


def test_an_unsigned_integer_takes_no_suffix() -> None:
    with pytest.raises(QapiError) as info:
        string_value("memaddr", "uint64", "64M")
    assert info.value.desc == "Parameter 'memaddr' expects uint64"
