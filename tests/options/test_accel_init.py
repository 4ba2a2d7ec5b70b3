"""Accelerators that fail to start: KVM where /dev/kvm cannot be used, as QEMU 7.2 says it.

The texts were recorded from QEMU run as nobody (EACCES) and with
/dev/null over /dev/kvm (ENOTTY on KVM_GET_API_VERSION) by
tools/record_kvm_cpuid.py (tests/golden/kvm_cpuid/warnings.json); here the
failure comes from qmonitor's own probe of a path that fails the same way.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.kvm_host import KvmUnavailable, open_kvm, probe_kvm
from qmonitor.options.cmdline import CmdlineError, parse_args

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "kvm_cpuid" / "warnings.json"
UNAVAILABLE = json.loads(GOLDEN.read_text())["unavailable"]
PROG = "qemu-system-x86_64"


def _failure(wrapper: str) -> KvmUnavailable:
    """The failure qmonitor's probe meets in the recorded situation."""
    if wrapper == "devnull":
        failure = probe_kvm(os.devnull)
    else:
        denied = os.strerror(errno.EACCES)
        failure = KvmUnavailable(
            f"Could not access KVM kernel module: {denied}\n",
            f"failed to initialize kvm: {denied}",
            errno.EACCES,
        )
    assert failure is not None
    return failure


def _parse(args: list[str], failure: KvmUnavailable) -> tuple[int, str]:
    """Parse as a process would, KVM failing as ``failure``: (status, stderr so far)."""
    import qmonitor.options.parser_state as parser_state

    saved = parser_state._probe_kvm
    parser_state._probe_kvm = lambda: failure
    try:
        config = parse_args(["-display", "none", "-nodefaults", "-S", *args], PROG)
    except CmdlineError as exc:
        return exc.status, exc.message if exc.stream == "stderr" else exc.warnings
    finally:
        parser_state._probe_kvm = saved
    return 0, "".join(config.warnings)


@pytest.mark.parametrize(
    "case", UNAVAILABLE, ids=lambda case: f"{case['wrapper']} {' '.join(case['args'])}"
)
def test_kvm_unavailable_as_qemu(case: dict[str, Any]) -> None:
    assert _parse(case["args"], _failure(case["wrapper"])) == (case["status"], case["stderr"])


def test_missing_device() -> None:
    with pytest.raises(KvmUnavailable) as info:
        open_kvm("/nonexistent/kvm")
    assert info.value.raw == "Could not access KVM kernel module: No such file or directory\n"
    assert info.value.message == "failed to initialize kvm: No such file or directory"
    assert info.value.errno == errno.ENOENT


def test_not_a_kvm_device() -> None:
    failure = probe_kvm(os.devnull)
    assert failure is not None
    assert failure.raw == "kvm version too old\n"
    assert failure.errno == errno.ENOTTY
