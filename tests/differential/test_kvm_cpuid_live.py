"""qmonitor started under KVM says what QEMU 7.2 said on the host whose KVM was recorded.

Each recorded -cpu/accelerator line (tests/golden/kvm_cpuid/warnings.json)
is started as a qmonitor process that is told to quit: its exit status
and stderr must be QEMU's.  The warnings depend on the host's KVM, so the
test runs only where ``/dev/kvm`` answers as the recorded host did.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.kvm_cpuid import KvmHost, feature_words, supported_word
from qmonitor.machine.kvm_host import KvmUnavailable, read_kvm_host
from qmonitor_testsupport.kvm_cases import run_case
from qmonitor_testsupport.procs import qmonitor_cmd

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "kvm_cpuid" / "warnings.json"
RECORDED = json.loads(GOLDEN.read_text())


def _same_host() -> bool:
    """Whether this host's KVM offers the recorded features (its APIC IDs may differ)."""
    try:
        here = read_kvm_host()
    except (KvmUnavailable, OSError):
        return False
    recorded = KvmHost.from_json(RECORDED["host"])
    return all(supported_word(here, w) == supported_word(recorded, w) for w in feature_words())


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _same_host(), reason="this host's KVM is not the recorded one"),
]


@pytest.mark.parametrize("case", RECORDED["cases"], ids=lambda case: " ".join(case["args"]))
def test_start_as_qemu(case: dict[str, Any]) -> None:
    got = run_case(qmonitor_cmd(), case["args"])
    got["stderr"] = got["stderr"].replace("qmonitor:", "qemu-system-x86_64:")
    assert got == {"status": case["status"], "stderr": case["stderr"]}


def test_cpu_definitions_and_query_kvm_under_kvm() -> None:
    requests = [
        {"execute": "qmp_capabilities"},
        {"execute": "query-kvm"},
        {"execute": "query-cpu-definitions"},
        {"execute": "quit"},
    ]
    proc = subprocess.run(
        [*qmonitor_cmd(), "-M", "pc", "-accel", "kvm", "-display", "none", "-nodefaults", "-S",
         "-qmp", "stdio"],
        input="".join(json.dumps(request) + "\n" for request in requests),
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    replies = [json.loads(line) for line in proc.stdout.splitlines()[1:]]
    returns = [reply["return"] for reply in replies if "return" in reply]
    assert returns[1] == {"enabled": True, "present": True}
    assert returns[2] == RECORDED["definitions"]


def _can_wrap() -> bool:
    return os.geteuid() == 0 and all(shutil.which(tool) for tool in ("setpriv", "unshare"))


@pytest.mark.skipif(not _can_wrap(), reason="needs root, setpriv and unshare")
@pytest.mark.parametrize(
    "case",
    RECORDED["unavailable"],
    ids=lambda case: f"{case['wrapper']} {' '.join(case['args'])}",
)
def test_kvm_unavailable_as_qemu(case: dict[str, Any]) -> None:
    got = run_case(qmonitor_cmd(), case["args"], case["wrapper"])
    got["stderr"] = got["stderr"].replace("qmonitor:", "qemu-system-x86_64:")
    assert got == {"status": case["status"], "stderr": case["stderr"]}
