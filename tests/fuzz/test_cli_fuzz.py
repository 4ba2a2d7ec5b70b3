"""Fuzzing the command line and ``-readconfig``: no traceback, no hang, QEMU's exits and errors.

Inputs are generated from the option table and option lists, and mutated
from the recorded cases (see qmonitor_testsupport/cli_fuzz.py).  The default
suite runs a few hundred of each kind and every recorded case; ``-m slow``
runs QMONITOR_CLI_FUZZ_EXAMPLES of each (10,000 unless set); the long run
is ``python tools/fuzz_long.py cli`` / ``readconfig`` (a million each).
tests/golden/fuzz/cli_cases.json holds fuzzed inputs QEMU refused the same
way twice (tools/record_cli_fuzz_cases.py); qmonitor must refuse them
alike: in process when its parser refuses them, as a process when the
error comes after parsing (-m slow); the inputs where qmonitor is still known
to differ are listed, by index, in tests/golden/fuzz/cli_known_differences.json.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from qmonitor_testsupport import REPO
from qmonitor_testsupport.cli_fuzz import (
    PROG,
    FuzzFailure,
    Outcome,
    argv_inputs,
    check_argv,
    check_config,
    check_outcome,
    config_inputs,
    recorded_argvs,
    recorded_configs,
    run_bounded,
    safe_argv,
)
from qmonitor_testsupport.cli_fuzz_cases import case_argv, run_exit_case
from qmonitor_testsupport.kvm_cases import same_kvm_host, uses_kvm

CORPUS = json.loads((REPO / "tests" / "golden" / "fuzz" / "cli_cases.json").read_text())
# "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)": qmonitor emulates it.
_VERSION = CORPUS["version"]
IDENTITY = [
    "-qmonitor-version",
    _VERSION.split()[3],
    "-qmonitor-package",
    _VERSION[_VERSION.index("(") + 1 : -1],
]
_KNOWN = json.loads((REPO / "tests" / "golden" / "fuzz" / "cli_known_differences.json").read_text())
KNOWN: list[int] = _KNOWN["cases"]
KNOWN_PROCESS: list[int] = _KNOWN["process"]
SLOW = int(os.environ.get("QMONITOR_CLI_FUZZ_EXAMPLES", "10000"))
COUNTS = [
    pytest.param(300, id="default"),
    pytest.param(SLOW, id="slow", marks=pytest.mark.slow),
]


@pytest.fixture
def tmp() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="qmonitor-cli-fuzz-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("count", COUNTS)
def test_generated_command_lines(count: int, tmp: str) -> None:
    assert run_bounded(argv_inputs(count, count), lambda argv: check_argv(argv, tmp)) == count


@pytest.mark.parametrize("count", COUNTS)
def test_generated_config_files(count: int, tmp: str) -> None:
    assert run_bounded(config_inputs(count, count), lambda text: check_config(text, tmp)) == count


def test_recorded_cases(tmp: str) -> None:
    argvs, configs = recorded_argvs(), recorded_configs()
    assert run_bounded(iter(argvs), lambda argv: check_argv(argv, tmp)) == len(argvs) > 400
    assert run_bounded(iter(configs), lambda text: check_config(text, tmp)) == len(configs) > 30


def test_the_checks_fail() -> None:
    """The properties are not vacuous: a bad status, a missing error line, a hang, a crash."""
    with pytest.raises(FuzzFailure, match="exit status 2"):
        check_outcome(["-x"], Outcome(2, "", f"{PROG}: x\n"))
    with pytest.raises(FuzzFailure, match="error without"):
        check_outcome(["-x"], Outcome(1, "", "Traceback (most recent call last):\n"))
    check_outcome(["-d", "x"], Outcome(1, "Log items (comma separated):\n", ""))
    with pytest.raises(FuzzFailure, match="still running"):
        run_bounded(iter([1]), lambda _: __import__("time").sleep(5), limit=1.0)
    with pytest.raises(ZeroDivisionError):
        run_bounded(iter([0]), lambda n: 1 // n)


def test_harness_keeps_the_process_safe() -> None:
    assert safe_argv(["-add-fd", "fd=0,set=1", "-S", "-readconfig", "/dev/stdin"]) == [
        "-S",
        "-readconfig",
        "/nonexistent/stdin",
    ]


def _in_process(case: dict[str, Any], tmp: str) -> Outcome:
    if "config" in case:
        path = f"{tmp}/qemu.cfg"
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(case["config"].replace("{tmp}", tmp))
    return check_argv([*IDENTITY, *case_argv(case)], tmp)


def _host_dependent(case: dict[str, Any]) -> bool:
    """A case that asks for KVM, on a host whose KVM is not the recording host's.

    What QEMU said then (its CPUID warnings, whether KVM started) is a fact of
    that host's KVM, which qmonitor asks as QEMU does.
    """
    return uses_kvm(case.get("argv", []), case.get("config", "")) and not same_kvm_host()


def _got(case: dict[str, Any], tmp: str) -> dict[str, Any] | None:
    """qmonitor's status, stdout and stderr for a case, in process; None if it would start."""
    outcome = _in_process(case, tmp)
    if outcome.status is None:
        return None
    return {
        "status": outcome.status,
        "stdout": outcome.stdout,
        "stderr": outcome.stderr.replace(tmp, "{tmp}"),
    }


def _without_build_noise(stderr: str) -> str:
    """QEMU's stderr less its complaints about modules Debian left uninstalled.

    qmonitor has no modules to miss (as tests/options/test_cmdline.py).
    """
    return "".join(line for line in stderr.splitlines(True) if not line.startswith("qemu: module "))


def _recorded(case: dict[str, Any], key: str) -> Any:
    return _without_build_noise(case[key]) if key == "stderr" else case[key]


def _differs(case: dict[str, Any], got: dict[str, Any] | None) -> bool:
    return got is not None and any(
        _recorded(case, key) != got[key] for key in ("status", "stdout", "stderr")
    )


def test_corpus_was_recorded() -> None:
    assert len(CORPUS["cases"]) >= 100
    assert {"argv" in c for c in CORPUS["cases"]} == {True, False}


def test_refused_as_qemu_refuses(tmp: str) -> None:
    """QEMU's status, stdout and stderr for each recorded input the parser or machine refuses.

    Inputs QEMU 7.2 crashed on (a signal) only have to be answered.  The
    inputs where qmonitor is known to differ are listed in
    cli_known_differences.json; the list must be exactly the differences.
    """
    differ = []
    for index, case in enumerate(CORPUS["cases"]):
        if _host_dependent(case):
            continue
        got = _got(case, tmp)
        if case["status"] >= 0 and _differs(case, got):
            differ.append(index)
    assert differ == KNOWN


def _started_cases() -> list[Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return [
            pytest.param(n, id=str(n))
            for n, case in enumerate(CORPUS["cases"])
            if case["status"] >= 0 and n not in KNOWN and _got(case, tmp) is None
        ]


@pytest.mark.slow
def test_refused_after_start_up_as_qemu() -> None:
    """Inputs the in-process checks accept but QEMU refused: run as a process.

    Their errors come once QEMU opens chardevs and files, or from options
    qmonitor does not model; those where qmonitor starts or answers
    otherwise are listed in cli_known_differences.json ("process").
    """

    def differs(index: int) -> bool:
        case = CORPUS["cases"][index]
        cmd = [sys.executable, "-m", "qmonitor"]
        argv = [*IDENTITY, *case_argv(case)]
        # QEMU refused each: only a qmonitor that wrongly starts waits this long,
        # and one that refuses may be slow to on a loaded machine.
        got = run_exit_case(cmd, argv, case.get("config"), seconds=30.0)
        got["stderr"] = got["stderr"].replace("qmonitor:", f"{PROG}:")
        return bool(got["started"]) or any(
            got[k] != _recorded(case, k) for k in ("status", "stdout", "stderr")
        )

    indexes = [int(param.values[0]) for param in _started_cases()]  # type: ignore[call-overload]
    if not same_kvm_host():
        # What QEMU said under KVM holds for the recording host's KVM only.
        indexes = [
            n
            for n in indexes
            if not uses_kvm(
                CORPUS["cases"][n].get("argv", []), CORPUS["cases"][n].get("config", "")
            )
        ]
    # Each is a Python start-up and more: run them side by side.
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(differs, indexes))
    differ = [index for index, bad in zip(indexes, found, strict=True) if bad]
    assert differ == KNOWN_PROCESS
