"""Record QEMU's answers to fuzzed command lines and -readconfig files.

Draws inputs from qmonitor_testsupport.cli_fuzz's generators (the option
table, the option lists, mutations of the recorded cases), leaves out those
that could touch the network or fork away (cli_fuzz_cases.recordable), runs
each through QEMU 7.2 twice, and keeps those QEMU exits on the same way both
times (status, stdout, stderr).  Command lines QEMU accepts keep running and
are not kept: the tests compare what a command line is refused with.  The
answers go to tests/golden/fuzz/cli_cases.json, which
tests/fuzz/test_cli_fuzz.py replays against qmonitor.

    python tools/record_cli_fuzz_cases.py [--qemu qemu-system-x86_64] [--out FILE]
        [--seed N] [--count N]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qmonitor_testsupport.cli_fuzz import argv_inputs, config_argv, config_inputs
from qmonitor_testsupport.cli_fuzz_cases import recordable, run_exit_case
from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "fuzz" / "cli_cases.json"


def _deterministic(qemu: str, argv: list[str], config: str | None) -> dict[str, Any] | None:
    """QEMU's exit for ``argv``, when it exits the same way twice; else None."""
    first = run_exit_case([qemu], argv, config)
    if first["started"]:
        return None
    second = run_exit_case([qemu], argv, config)
    return first if second == first else None


def main() -> None:
    parser = recorder_parser(__doc__, OUT)
    parser.add_argument("--seed", type=int, default=72)
    parser.add_argument("--count", type=int, default=300, help="inputs of each kind to try")
    args = parser.parse_args()
    cases: list[dict[str, Any]] = []
    tried = {"cli": 0, "readconfig": 0}
    for argv in argv_inputs(args.seed, args.count):
        if not recordable(argv):
            continue
        tried["cli"] += 1
        got = _deterministic(args.qemu, argv, None)
        if got is not None:
            cases.append({"argv": argv, **got})
    for text in config_inputs(args.seed, args.count):
        if not recordable(config_argv("{tmp}/qemu.cfg"), text):
            continue
        tried["readconfig"] += 1
        got = _deterministic(args.qemu, config_argv("{tmp}/qemu.cfg"), text)
        if got is not None:
            cases.append({"config": text, **got})
    print(f"tried {tried}; QEMU exited the same way twice on {len(cases)}")
    write_cases(args.out, qemu_version(args.qemu), cases)


if __name__ == "__main__":
    main()
