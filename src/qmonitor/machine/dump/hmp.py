"""HMP ``dump-guest-memory`` (flags -p -d -w -z -l -s) and ``info dump``, as QEMU 7.2's.

The HMP command picks one format from its flags, names the file with
``file:`` and calls the QMP command with ``format`` always given (so
``elf`` with ``-p`` or a range is allowed).  ``info dump`` prints the
status, and the percentage done while a detached dump runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import qmp
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

# QEMU 7.2's text (dump/dump-hmp-cmds.c).
ONE_FORMAT = "only one of '-z|-l|-s|-w' can be set"
#: Each flag's format, in the order QEMU lets a later one win (all but one is refused).
FLAG_FORMATS = (
    ("windmp", "win-dmp"),
    ("zlib", "kdump-zlib"),
    ("lzo", "kdump-lzo"),
    ("snappy", "kdump-snappy"),
)


def hmp_dump_guest_memory(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_dump_guest_memory."""
    chosen = [fmt for flag, fmt in FLAG_FORMATS if args.get(flag)]
    if len(chosen) > 1:
        raise QapiError(ONE_FORMAT)
    arguments: dict[str, Any] = {
        "paging": bool(args.get("paging")),
        "protocol": "file:" + args["filename"],
        "detach": bool(args.get("detach")),
        "format": chosen[0] if chosen else "elf",
    }
    for key in ("begin", "length"):
        if key in args:
            arguments[key] = args[key]
    qmp(mon, "dump-guest-memory", arguments)


def hmp_info_dump(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_dump."""
    result = qmp(mon, "query-dump")
    mon.printf(f"Status: {result['status']}\n")
    if result["status"] == "active" and result["total"]:
        mon.printf(f"Finished: {100.0 * result['completed'] / result['total']:.2f} %\n")
