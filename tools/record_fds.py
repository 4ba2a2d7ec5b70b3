#!/usr/bin/env python3
"""Record how real QEMU takes file descriptors, for tests/monitor/test_fds_golden.py.

Plays each case of :data:`qmonitor_testsupport.fd_cases.CASES` against
``qemu-system-x86_64`` (getfd/closefd, add-fd/remove-fd/query-fdsets with
descriptors sent by ``socket.send_fds``, HMP, TCP, ``-add-fd``) and writes
the replies, descriptor numbers normalised as the module describes.  Each
case is played twice and must give the same record both times.

Usage: ``python tools/record_fds.py [--qemu PATH] [--out FILE]``
"""

from __future__ import annotations

from pathlib import Path

from qmonitor_testsupport.fd_cases import CASES, run_case
from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases


def main() -> None:
    parser = recorder_parser(
        __doc__, Path(__file__).resolve().parent.parent / "tests/golden/fds/fds.json"
    )
    ns = parser.parse_args()
    version = qemu_version(ns.qemu)
    cases = []
    for case in CASES:
        first = run_case([ns.qemu], case)
        if run_case([ns.qemu], case) != first:
            raise SystemExit(f"{case.name}: QEMU answered differently on a second run")
        cases.append(first)
    write_cases(ns.out, version, cases)


if __name__ == "__main__":
    main()
