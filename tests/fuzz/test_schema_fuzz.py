"""Schema-driven fuzz of every QMP command (issue: reliability).

Argument sets come from the machine's own introspection (schema_args.py):
typed ones with boundary and odd values, and sets with one defect each
(wrong type, missing or extra member, bad enum value, out-of-range
integer).  Every command gets N sets against a qmonitor process: no hang,
no lost reply, every reply well-formed (schema_run.py).  The default run
uses a few sets per command on ``-M none -S``; the slow marker 300 per
command (``QMONITOR_SCHEMA_FUZZ_SETS``; 1,000 for the README's figures) on
``-M none -S`` and ``-M pc -S``.  Against QEMU 7.2 (slow, when
installed) the sets whose answers are deterministic are compared and the
mismatches per command printed; answers QEMU gave to the cases that once
differed are recorded (tools/record_fuzz_cases.py) and replayed here.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from schema_args import BAD_KINDS, NETWORK_MEMBERS, SchemaWalker
from schema_run import (
    BASE,
    MACHINES,
    Figures,
    Mismatch,
    Target,
    comparable,
    compare,
    fuzz_every_command,
    introspect,
)

from qmonitor_testsupport.procs import QEMU, qmonitor_cmd, qmp_replies

GOLDEN = Path(__file__).parent.parent / "golden" / "fuzz" / "schema_cases.json"
SLOW_SETS = int(os.environ.get("QMONITOR_SCHEMA_FUZZ_SETS", "300"))

#: Commands whose answers differ from QEMU's for a reason known and listed
#: in the README (not modelled, or not deterministic: the package string,
#: the schema and command list of commands qmonitor does not have).
KNOWN_DIFFERENT = frozenset(
    {
        "query-command-line-options",  # only some option groups are modelled
        "query-version",  # the package names qmonitor
        "query-qmp-schema",  # masked type names are numbered in another order
        "query-cpus-fast",  # thread ids
    }
)


@pytest.fixture(scope="module")
def walker(tmp_path_factory: pytest.TempPathFactory) -> SchemaWalker:
    cwd = tmp_path_factory.mktemp("schema")
    return SchemaWalker(introspect(qmonitor_cmd(), ["-M", "none", "-S", *BASE], cwd))


# -- the generator ------------------------------------------------------------------------


def test_sets_are_deterministic_and_of_every_kind(walker: SchemaWalker) -> None:
    kinds: Counter[str] = Counter()
    for command in walker.commands:
        sets = walker.sets(command, 12)
        assert sets == walker.sets(command, 12)
        kinds.update(s.kind for s in sets)
    assert set(kinds) == {"typed", *BAD_KINDS}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _members(walker: SchemaWalker, command: str) -> dict[str, Any]:
    return {m["name"]: m for m in walker.arg_type(command).get("members", [])}


def test_each_bad_set_has_its_defect(walker: SchemaWalker) -> None:
    for command in ("set-numa-node", "blockdev-add", "migrate-set-parameters", "qom-get"):
        members = _members(walker, command)
        for s in walker.sets(command, 40):
            if s.kind == "missing" and s.where.count("/") == 1:
                name = s.where[1:]
                assert name not in s.arguments
                if name in members:  # not a variant's: the variant's were checked alike
                    assert "default" not in members[name]
            if s.kind == "extra":
                assert "x-fuzz-extra" in s.arguments


def test_no_set_names_a_usable_network_peer(walker: SchemaWalker) -> None:
    for command in ("migrate", "chardev-add", "blockdev-add", "netdev_add", "nbd-server-start"):
        if command not in walker.entities:
            continue
        for s in walker.sets(command, 60):
            for key in _keys(s.arguments) & NETWORK_MEMBERS:
                assert s.kind != "typed", (command, key, s.arguments)


# -- qmonitor alone ---------------------------------------------------------------------------


def _run(tmp_path: Path, machine: tuple[str, ...], count: int) -> Figures:
    walker, figures = fuzz_every_command(qmonitor_cmd(), [*machine, *BASE], count, tmp_path)
    assert figures.total("requests") >= len(walker.commands) * min(count, 2)
    return figures


@pytest.mark.parametrize(
    ("machine", "count"),
    [
        (MACHINES[0], 3),
        pytest.param(MACHINES[0], SLOW_SETS, marks=pytest.mark.slow),
        pytest.param(MACHINES[1], SLOW_SETS, marks=pytest.mark.slow),
    ],
    ids=["none-default", "none-slow", "pc-slow"],
)
def test_every_command_answers(tmp_path: Path, machine: tuple[str, ...], count: int) -> None:
    figures = _run(tmp_path, machine, count)
    assert figures.samples == []
    assert figures.total("hangs") == 0
    assert figures.total("lost") == 0
    assert figures.total("malformed") == 0


# -- against QEMU -------------------------------------------------------------------------------


CASES = json.loads(GOLDEN.read_text())["cases"]


@pytest.mark.parametrize("machine", [list(m) for m in MACHINES], ids=["none", "pc"])
def test_recorded_cases(tmp_path: Path, machine: list[str]) -> None:
    """QEMU's answers to sets the fuzz once found qmonitor answering otherwise."""
    cases = [c for c in CASES if c["machine"] == machine]
    assert cases
    negotiate = {"execute": "qmp_capabilities"}
    requests = [negotiate, *(c["request"] for c in cases)]
    lines = qmp_replies(qmonitor_cmd(), [*machine, *BASE], requests, tmp_path)
    got = [json.loads(line) for line in lines[1:]]
    assert got == [c["reply"] for c in cases]


@pytest.mark.qemu
@pytest.mark.slow
@pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64")
@pytest.mark.parametrize("machine", MACHINES, ids=["none", "pc"])
def test_against_qemu(tmp_path: Path, machine: tuple[str, ...]) -> None:
    """Deterministic answers (bad-argument sets of every command, every set of
    a query) compared with QEMU's; the mismatches per command are printed."""
    assert QEMU is not None
    args = [*machine, *BASE]
    ours_walker = SchemaWalker(introspect(qmonitor_cmd(), args, tmp_path))
    qemu_walker = SchemaWalker(introspect([QEMU], args, tmp_path))
    common = [c for c in qemu_walker.commands if c in ours_walker.entities]
    missing = [c for c in qemu_walker.commands if c not in ours_walker.entities]
    ours, qemu = Target(qmonitor_cmd(), args, tmp_path), Target([QEMU], args, tmp_path)
    mismatch = Mismatch()
    count = int(os.environ.get("QMONITOR_SCHEMA_FUZZ_QEMU_SETS", "50"))
    try:
        for command in common:
            compare(ours, qemu, comparable(qemu_walker, command, count), mismatch)
    finally:
        ours.stop()
        qemu.stop()
    print(
        f"\nvs QEMU {' '.join(machine)}: {len(common)} commands ({len(missing)} of QEMU's "
        f"not in qmonitor), {sum(mismatch.compared.values())} compared, "
        f"{sum(mismatch.errors.values())} error mismatches, "
        f"{sum(mismatch.values.values())} value mismatches"
    )
    for command in sorted(set(mismatch.errors) | set(mismatch.values)):
        print(
            f"  {command}: {mismatch.compared[command]} compared, "
            f"{mismatch.errors[command]} errors, {mismatch.values[command]} values"
        )
        for s, a, b in mismatch.cases[command][:1]:
            print(f"    {s.kind} {json.dumps(s.arguments)[:120]}\n      ours {a[:160]!r}")
            print(f"      qemu {b[:160]!r}")
    unexplained = {c: n for c, n in mismatch.errors.items() if c not in KNOWN_DIFFERENT}
    assert unexplained == {}
