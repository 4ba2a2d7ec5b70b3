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
from typing import Any

import pytest

from qmonitor_testsupport.kvm_cases import GOLDEN, run_case, same_kvm_host
from qmonitor_testsupport.procs import qmonitor_cmd

RECORDED = json.loads(GOLDEN.read_text())


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not same_kvm_host(), reason="this host's KVM is not the recorded one"),
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
