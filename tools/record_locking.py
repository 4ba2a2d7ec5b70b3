#!/usr/bin/env python3
"""Record how QEMU 7.2 processes share an image (block/file-posix.c's image locking).

For each case of :data:`qmonitor_testsupport.locking_cases.CASES`, a
QEMU that holds the image, then a second QEMU on the same image: the
second's exit status and stderr (and, for :data:`locking_cases.SESSIONS`,
its replies to QMP requests), into ``tests/golden/locking/cases.json``;
replayed by tests/machine/test_locking_golden.py and, against QEMU in
either role, by tests/differential/test_locking_live.py.

Usage::

    python tools/record_locking.py [--qemu PATH] [--qemu-img PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from qmonitor_testsupport.lock_procs import Holder, make_images, run_second
from qmonitor_testsupport.locking_cases import CASES, SESSIONS
from qmonitor_testsupport.recording import qemu_version, write_cases

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "locking" / "cases.json"


def record(qemu: str, qemu_img: str) -> list[dict[str, Any]]:
    out = []
    for name, holder_args, second_args in CASES:
        with tempfile.TemporaryDirectory(prefix="locking") as tmp:
            directory = Path(tmp)
            make_images(directory, qemu_img)
            holder = Holder([qemu], holder_args, directory)
            try:
                status, stderr, _ = run_second([qemu], second_args, directory)
            finally:
                holder.stop()
        out.append({"name": name, "holder": list(holder_args), "second": list(second_args),
                    "status": status, "stderr": stderr})  # fmt: skip
        print(name, status, file=sys.stderr)
    return out


def record_sessions(qemu: str, qemu_img: str) -> list[dict[str, Any]]:
    out = []
    for name, holder_args, second_args, requests in SESSIONS:
        with tempfile.TemporaryDirectory(prefix="locking") as tmp:
            directory = Path(tmp)
            make_images(directory, qemu_img)
            holder = Holder([qemu], holder_args, directory)
            try:
                status, stderr, replies = run_second([qemu], second_args, directory, requests)
            finally:
                holder.stop()
        steps = [
            {"execute": execute, "arguments": arguments, "reply": reply}
            for (execute, arguments), reply in zip(requests, replies, strict=True)
        ]
        out.append({"name": name, "holder": list(holder_args), "second": list(second_args),
                    "status": status, "stderr": stderr, "steps": steps})  # fmt: skip
        print(name, status, file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--qemu-img", default="qemu-img")
    opts = parser.parse_args()
    cases = record(opts.qemu, opts.qemu_img) + record_sessions(opts.qemu, opts.qemu_img)
    write_cases(GOLDEN, qemu_version(opts.qemu), cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
