#!/usr/bin/env python3
"""Record what QEMU 7.2 answers about memory devices, the balloon and -mem-path.

Plays :data:`qmonitor_testsupport.memdev_cases.CASES` against
``qemu-system-x86_64 -display none -S`` with a QMP socket (HMP through
``human-monitor-command``), keeping each reply and the events that came
within 0.2 s of it, and runs each of :data:`memdev_cases.CLI_ERRORS`
for its exit status and standard error.  Writes
``tests/golden/memdev/cases.json``, replayed by
tests/machine/test_memdev_golden.py.

Usage::

    python tools/record_memdevs.py [--qemu PATH] [--out PATH]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from record_pcdev import Qemu

from qmonitor_testsupport.memdev_cases import CASES, CLI_ERRORS
from qmonitor_testsupport.recording import qemu_version, recorder_parser

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "memdev" / "cases.json"


def record_cases(qemu: str) -> list[dict[str, Any]]:
    out = []
    for name, args, requests in CASES:
        vm = Qemu(qemu, list(args))
        steps = []
        try:
            for execute, arguments in requests:
                reply = vm.execute(execute, arguments)
                reply.pop("id", None)
                # Events a request causes come shortly after its reply, if at all.
                time.sleep(0.2)
                steps.append({"execute": execute, "arguments": arguments, "reply": reply,
                              "events": vm.settle()})  # fmt: skip
        finally:
            vm.stop()
        out.append({"name": name, "args": list(args), "steps": steps})
        print(name, file=sys.stderr)
    return out


def record_cli(qemu: str) -> list[dict[str, Any]]:
    out = []
    for name, args in CLI_ERRORS:
        proc = subprocess.run([qemu, "-display", "none", "-S", *args], capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)  # fmt: skip
        out.append({"name": name, "args": list(args), "status": proc.returncode,
                    "stderr": proc.stderr})  # fmt: skip
    return out


def main() -> int:
    options = recorder_parser(__doc__, GOLDEN).parse_args()
    document = {
        "version": qemu_version(options.qemu),
        "cases": record_cases(options.qemu),
        "cli": record_cli(options.qemu),
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{len(document['cases'])} sessions, {len(document['cli'])} command lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
