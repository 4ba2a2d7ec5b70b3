#!/usr/bin/env python3
"""Record HMP transcripts from real QEMU into tests/golden/hmp/, and replay them live.

The cases are in tools/hmp_cases.py, beside this script.  Two kinds of case:

* ``socket``: an interactive HMP monitor on ``-monitor unix:SOCK,server=on,
  wait=off``.  The driver connects, records the banner and prompt, then
  sends each step's bytes and records what came back until the monitor
  has been quiet for a while (or hung up).  QEMU's standard output (where
  ``get_str`` reports bad quoting) is recorded at the end.
* ``hmc``: command lines run through QMP's ``human-monitor-command``; the
  ``return`` strings are recorded.

A case may be marked ``qemu_table``: its output lists QEMU's own command
names (completion, ``help``), so it can only be replayed against an editor
given QEMU's command table, not compared live with qmonitor's.  One marked
``process`` shows what its command line opened (``info chardev``) and is
replayed against a real process only.  A pty's number (``/dev/pts/N``)
and a vCPU's thread id (``thread_id=N``) differ from run to run: they are
stored, and compared, as ``N``.

``--cpu-versions`` records instead what ``info registers`` shows in EDX
after a reset (the CPUID version) for every x86 CPU model QEMU lists,
into tests/golden/cpu_versions.json::

    {"format": 1, "qemu": {...}, "accel": "tcg", "versions": {MODEL: "00060fb1", ...}}

On disk (tests/golden/hmp/THEME.json)::

    {"format": 1, "theme": ..., "qemu": {"binary", "version", "package"},
     "cases": [{"name", "description", "kind", "args", "qemu_table", "process",
                "steps": [{"send": ..., "recv": ...}, ...],
                "eof": bool, "stdout": ...}]}

Bytes are stored as Latin-1 text (one character per byte).  A reply too
big to store is kept as ``recv_len``, ``recv_sha256`` and its last bytes
in ``recv_tail``.  For ``hmc`` cases ``send`` is the command line and
``recv`` the returned text.

Usage::

    python tools/record_hmp.py [--qemu PATH] [--out DIR] [--theme NAME]
                               [-k SUBSTRING] [--print]
    python tools/record_hmp.py --cpu-versions [--qemu PATH]
    python tools/record_hmp.py --help-table [--qemu PATH]
    python tools/record_hmp.py --trace-events [--qemu PATH]

``--help-table`` records QEMU's ``help`` and ``help info`` listings, cut
into ``[name, params, help]`` entries, into the package data
src/qmonitor/machine/hmp_help.json that qmonitor's HMP tables are built
from (checked to print back byte for byte as the listings)::

    {"format": 1, "qemu": {...}, "commands": [[NAME, PARAMS, HELP], ...], "info": [...]}

``--trace-events`` records the names of QEMU's trace events, in the order
``info trace-events`` lists them, into src/qmonitor/machine/trace_events.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from hmp_cases import THEMES

from qmonitor_testsupport import goldenlib
from qmonitor_testsupport.hmp_golden import (
    FORMAT,
    GOLDEN_DIR,
    Case,
    DriverError,
    load_theme,
    qemu_identity,
    record_case,
)

#: Where ``--cpu-versions`` writes.
CPU_VERSIONS_FILE = GOLDEN_DIR.parent / "cpu_versions.json"
#: Where ``--trace-events`` writes: package data, one event name a line.
TRACE_EVENTS_FILE = GOLDEN_DIR.parents[2] / "src" / "qmonitor" / "machine" / "trace_events.txt"
#: Where ``--help-table`` writes: package data the HMP tables are built from.
HELP_TABLE_FILE = GOLDEN_DIR.parents[2] / "src" / "qmonitor" / "machine" / "hmp_help.json"


def cpu_models(qemu: str) -> list[str]:
    """The x86 CPU model names ``-cpu help`` lists (aliases included)."""
    out = subprocess.run(
        [qemu, "-cpu", "help"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return [line.split()[1] for line in out.splitlines() if line.startswith("x86 ")]


_EDX = re.compile(r"EDX=([0-9a-f]{8})")


def cpu_version(qemu: str, model: str, accel: str = "tcg") -> str | None:
    """EDX of vCPU 0 after a reset with ``-cpu MODEL``; None if QEMU refuses the model."""
    case = Case(
        model,
        "",
        (b"info registers",),
        kind="hmc",
        args=("-M", "pc", "-S", "-accel", accel, "-cpu", model),
    )
    try:
        got = record_case(case, [qemu])
    except DriverError:
        return None  # e.g. host, which needs KVM
    match = _EDX.search(str(got["steps"][0]["recv"]))
    return match.group(1) if match else None


def record_cpu_versions(qemu: str, path: Path) -> int:
    """Record every CPU model's reset EDX into ``path``."""
    version, package = qemu_identity(qemu)
    models = cpu_models(qemu)
    found = goldenlib.run_parallel(models, lambda model: cpu_version(qemu, model))
    versions = {m: v for m, v in zip(models, found, strict=True) if v is not None}
    doc = {
        "format": FORMAT,
        "qemu": {"binary": os.path.basename(qemu), "version": version, "package": package},
        "accel": "tcg",
        "versions": versions,
    }
    with path.open("w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {path} ({len(versions)} models)")
    return 0


def _hmc_outputs(qemu: str, lines: tuple[str, ...]) -> list[str]:
    """What ``human-monitor-command`` returns for each line, on ``-M none``."""
    case = Case("listing", "", tuple(line.encode() for line in lines), kind="hmc")
    got = record_case(case, [qemu])
    return [str(step["recv"]) for step in got["steps"]]


def split_listing(listing: str, prefix: str, names: set[str]) -> list[list[str]]:
    """A ``help`` listing cut into ``[name, params, help]`` entries.

    An entry starts on a line whose first word is ``prefix`` then a
    command name (with its ``|`` aliases) that completion offers; its
    params and help may run over several lines.  Raises ValueError unless
    the entries print back as ``listing``.
    """
    starts: list[int] = []
    offset = 0
    for line in listing.splitlines(keepends=True):
        head = line[len(prefix) :].split(" ", 1)[0] if line.startswith(prefix) else ""
        if head and all(alias in names for alias in head.split("|")):
            starts.append(offset)
        offset += len(line)
    entries: list[list[str]] = []
    for start, end in zip(starts, [*starts[1:], len(listing)], strict=True):
        text = listing[start + len(prefix) : end]
        if not text.endswith("\r\n"):
            raise ValueError(f"entry without its line end: {text!r}")
        name, _, rest = text[:-2].partition(" ")
        params, sep, help_text = rest.partition(" -- ")
        if not sep:
            raise ValueError(f"entry without ' -- ': {text!r}")
        # The monitor wrote each of QEMU's newlines as CR LF: keep QEMU's text.
        entries.append([name, params.replace("\r\n", "\n"), help_text.replace("\r\n", "\n")])
    again = "".join(f"{prefix}{n} {p} -- {h}\n" for n, p, h in entries).replace("\n", "\r\n")
    if again != listing:
        raise ValueError("the entries do not print back as the listing")
    return entries


def record_help_table(qemu: str, path: Path) -> int:
    """Record ``help`` and ``help info`` as entries into ``path``."""
    version, package = qemu_identity(qemu)
    # What completion offers on an empty line and after "info ": every name and alias.
    case = Case("names", "", (b"\t", b"info \t"), qemu_table=True)
    got = record_case(case, [qemu])
    names: set[str] = set()
    for step in got["steps"][1:]:
        listing = str(step["recv"])
        body = listing[listing.index("\r\n") + 2 : listing.rindex("\r\n")]
        names.update(body.split())
    top, info = _hmc_outputs(qemu, ("help", "help info"))
    commands = split_listing(top, "", names)
    infos = split_listing(info, "info ", names)
    doc = {
        "format": FORMAT,
        "qemu": {"binary": os.path.basename(qemu), "version": version, "package": package},
        "commands": commands,
        "info": infos,
    }
    with path.open("w", encoding="utf-8") as f:
        json.dump(doc, f, indent=0)
        f.write("\n")
    print(f"wrote {path} ({len(commands)} commands, {len(infos)} info)")
    return 0


def record_trace_events(qemu: str, path: Path) -> int:
    """Record the trace event names ``info trace-events`` lists, in its order."""
    (listing,) = _hmc_outputs(qemu, ("info trace-events",))
    names = []
    for line in listing.split("\r\n")[:-1]:
        name, sep, state = line.rpartition(" : state ")
        if not sep or state != "0":
            raise ValueError(f"unexpected line {line!r}")
        names.append(name)
    path.write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
    print(f"wrote {path} ({len(names)} events)")
    return 0


def _print_case(recorded: dict[str, Any]) -> None:
    print(f"=== {recorded['name']}: {recorded['description']}")
    for step in recorded["steps"]:
        print(f"  > {step['send'][:200]!r}")
        print(f"  < {step.get('recv', '<' + str(step.get('recv_len')) + ' bytes>')!r}"[:2000])
    if recorded["stdout"]:
        print(f"  stdout: {recorded['stdout']!r}")


def main(argv: list[str] | None = None) -> int:
    """Record every theme (or the cases matching ``-k``) and write the files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--qemu", default=shutil.which("qemu-system-x86_64"))
    parser.add_argument("--out", type=Path, default=GOLDEN_DIR)
    parser.add_argument("-k", dest="only", default=None)
    parser.add_argument("--theme", action="append", default=None)
    parser.add_argument("--print", action="store_true")
    parser.add_argument("--cpu-versions", action="store_true")
    parser.add_argument("--help-table", action="store_true")
    parser.add_argument("--trace-events", action="store_true")
    opts = parser.parse_args(argv)
    if not opts.qemu:
        print("no qemu-system-x86_64 found", file=sys.stderr)
        return 1
    if opts.cpu_versions:
        return record_cpu_versions(opts.qemu, CPU_VERSIONS_FILE)
    if opts.help_table:
        return record_help_table(opts.qemu, HELP_TABLE_FILE)
    if opts.trace_events:
        return record_trace_events(opts.qemu, TRACE_EVENTS_FILE)
    version, package = qemu_identity(opts.qemu)
    for theme, cases in THEMES.items():
        if opts.theme and theme not in opts.theme:
            continue
        path = opts.out / f"{theme}.json"
        old: dict[str, Any] = {}
        if opts.only and path.exists():
            old = {c["name"]: c for c in load_theme(path)["cases"]}
        recorded: list[dict[str, Any]] = []
        for case in cases:
            if opts.only and opts.only not in case.name:
                if case.name in old:
                    recorded.append(old[case.name])
                continue
            got = record_case(case, [opts.qemu])
            again = record_case(case, [opts.qemu])
            if got != again:
                print(f"{theme}/{case.name}: runs differ", file=sys.stderr)
                return 1
            recorded.append(got)
            if opts.print:
                _print_case(got)
        if opts.print:
            continue
        opts.out.mkdir(parents=True, exist_ok=True)
        doc = {
            "format": FORMAT,
            "theme": theme,
            "qemu": {"binary": os.path.basename(opts.qemu), "version": version, "package": package},
            "cases": recorded,
        }
        with path.open("w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        print(f"wrote {path} ({len(recorded)} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
