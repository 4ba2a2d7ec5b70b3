"""The command lines QEMU 7.2 was recorded with under KVM, and how each is run.

Shared by tools/record_kvm_cpuid.py (which records QEMU's answers into
tests/golden/kvm_cpuid/warnings.json) and the tests that run qmonitor on
the same lines.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from typing import Any

from qmonitor_testsupport import REPO

#: QEMU's answers on the recording host, and that host's KVM (tools/record_kvm_cpuid.py).
GOLDEN = REPO / "tests" / "golden" / "kvm_cpuid" / "warnings.json"

#: An argument that may ask for KVM (-enable-kvm, -accel kvm, accel=kvm:tcg ...).
_KVM_WORD = re.compile(r"kvm")

QUIET = ["-display", "none", "-nodefaults", "-S"]

#: (-cpu and accelerator arguments) QEMU is started with, on top of -display none -S.
#: Left out: models that ask for the arch-capabilities MSR (``max``, ``host``,
#: Cascadelake-Server-v2 and later, ...), which QEMU 7.2 aborts on when KVM
#: offers the MSR but refuses to set it (an assertion in kvm_buf_set_msrs),
#: as this recording host's KVM does.
CASES: tuple[tuple[str, ...], ...] = (
    ("-enable-kvm",),
    ("-accel", "kvm"),
    ("-M", "accel=kvm"),
    ("-M", "pc,accel=kvm"),
    ("-M", "q35", "-enable-kvm"),
    ("-M", "accel=kvm:tcg"),
    ("-enable-kvm", "-smp", "2"),
    ("-enable-kvm", "-cpu", "qemu64"),
    ("-enable-kvm", "-cpu", "qemu64,check=off"),
    ("-enable-kvm", "-cpu", "qemu64,enforce"),
    ("-enable-kvm", "-cpu", "qemu64,enforce=on,check=off"),
    ("-enable-kvm", "-cpu", "qemu64,-pni"),
    ("-enable-kvm", "-cpu", "qemu64,pni=off"),
    ("-enable-kvm", "-cpu", "qemu64,sse3=off"),
    ("-enable-kvm", "-cpu", "qemu64,-pni,enforce"),
    ("-enable-kvm", "-cpu", "qemu64,+avx2,+svm,+sse4a"),
    ("-enable-kvm", "-cpu", "qemu64,+avx512f,+vmx,+kvm-pv-ipi"),
    ("-enable-kvm", "-cpu", "qemu64,+kvmclock,+hypervisor,+tsc-deadline,+x2apic"),
    ("-enable-kvm", "-cpu", "qemu64,+topoext,+arat,+mtrr,+rdctl-no"),
    ("-enable-kvm", "-cpu", "qemu64,lahf_lm=off,+sse4_1,sse4_2=on"),
    ("-enable-kvm", "-cpu", "qemu32"),
    ("-enable-kvm", "-cpu", "kvm64"),
    ("-enable-kvm", "-cpu", "kvm32"),
    ("-enable-kvm", "-cpu", "base"),
    ("-enable-kvm", "-cpu", "base,+pni,+avx"),
    ("-enable-kvm", "-cpu", "Nehalem"),
    ("-enable-kvm", "-cpu", "Westmere-v2"),
    ("-enable-kvm", "-cpu", "SandyBridge"),
    ("-enable-kvm", "-cpu", "Haswell-noTSX"),
    ("-enable-kvm", "-cpu", "Skylake-Client-v1"),
    ("-enable-kvm", "-cpu", "Opteron_G2"),
    ("-enable-kvm", "-cpu", "Opteron_G5"),
    ("-enable-kvm", "-cpu", "phenom"),
    ("-enable-kvm", "-cpu", "athlon"),
    ("-enable-kvm", "-cpu", "core2duo"),
    ("-enable-kvm", "-cpu", "pentium3"),
    ("-enable-kvm", "-cpu", "486"),
    ("-enable-kvm", "-cpu", "EPYC"),
    ("-enable-kvm", "-cpu", "EPYC-Rome,-xsaves"),
    ("-enable-kvm", "-cpu", "Dhyana"),
    ("-enable-kvm", "-cpu", "Conroe,enforce"),
    ("-enable-kvm", "-cpu", "n270"),
    ("-enable-kvm", "-cpu", "Cascadelake-Server-v1"),
    ("-enable-kvm", "-cpu", "Icelake-Server-v1,-arch-capabilities"),
    ("-enable-kvm", "-cpu", "Snowridge-v1,-arch-capabilities,-core-capability"),
    ("-enable-kvm", "-cpu", "qemu64,kvm=off,+kvmclock"),
    ("-enable-kvm", "-cpu", "qemu64,+xsave,+avx512f,+pku"),
    ("-enable-kvm", "-cpu", "qemu64,+xsave,+arch-lbr,+amx-tile"),
    ("-enable-kvm", "-cpu", "qemu64,+vmx-ept,+vmx-vpid"),
    ("-enable-kvm", "-cpu", "qemu64,+vmx,+vmx-ept,enforce"),
    ("-enable-kvm", "-cpu", "qemu64,-pni,+rdctl-no,enforce"),
    ("-M", "none", "-enable-kvm", "-cpu", "qemu64,apic-id=0"),
    ("-M", "none", "-enable-kvm", "-cpu", "qemu64"),
    ("-M", "none", "-enable-kvm"),
    ("-cpu", "qemu64,+avx2"),
)


#: How KVM is made unusable for a case: QEMU run as nobody (EACCES on the
#: device), or with /dev/null mounted over /dev/kvm (ENOTTY on its ioctl).
WRAPPERS: dict[str, list[str]] = {
    "nobody": ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
    "devnull": ["unshare", "-m", "sh", "-c", 'mount --bind /dev/null /dev/kvm && exec "$@"', "-"],
}
#: (wrapper, arguments) of the cases where KVM cannot start.
UNAVAILABLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("nobody", ("-accel", "kvm")),
    ("nobody", ("-enable-kvm",)),
    ("nobody", ("-M", "accel=kvm:tcg")),
    ("devnull", ("-enable-kvm",)),
    ("devnull", ("-M", "accel=kvm:tcg")),
    ("devnull", ("-M", "accel=kvm:tcg:kvm")),
    ("devnull", ("-accel", "kvm", "-accel", "tcg")),
    ("devnull", ("-accel", "kvm", "-accel", "kvm")),
)


def run_case(qemu: list[str], args: list[str], wrapper: str | None = None) -> dict[str, Any]:
    """Start ``qemu`` with ``args`` (under ``wrapper``), tell it to quit: status and stderr."""
    argv = [*WRAPPERS.get(wrapper or "", []), *qemu, *QUIET, *args, "-qmp", "stdio"]
    proc = subprocess.run(
        argv,
        input='{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n',
        capture_output=True,
        text=True,
        timeout=60,
    )
    return {"status": proc.returncode, "stderr": proc.stderr}


def uses_kvm(argv: list[str], config: str = "") -> bool:
    """Whether a command line (and its configuration file) may ask for KVM."""
    return any(_KVM_WORD.search(arg) for arg in argv) or bool(_KVM_WORD.search(config))


@functools.cache
def same_kvm_host() -> bool:
    """Whether this host's KVM offers the recorded host's features (APIC IDs aside).

    What QEMU says under KVM (its CPUID warnings, whether it starts) is a fact
    of the host's KVM: recorded lines that ask for KVM are compared, run as
    processes, only where this holds.
    """
    from qmonitor.machine.kvm_cpuid import KvmHost, feature_words, supported_word
    from qmonitor.machine.kvm_host import KvmUnavailable, read_kvm_host

    try:
        here = read_kvm_host()
    except (KvmUnavailable, OSError):
        return False
    recorded = KvmHost.from_json(json.loads(GOLDEN.read_text())["host"])
    return all(supported_word(here, w) == supported_word(recorded, w) for w in feature_words())
