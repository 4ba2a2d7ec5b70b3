"""Record QEMU's answers to argument sets the schema fuzz found qmonitor answering otherwise.

Each case is one request, refused by QEMU 7.2 before anything happens (or
answered by a query), on ``-M none -S`` and ``-M pc -S``; the answers go to
tests/golden/fuzz/schema_cases.json, which tests/fuzz/test_schema_fuzz.py
replays against qmonitor.

    python tools/record_fuzz_cases.py [--qemu qemu-system-x86_64] [--out FILE]
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from qmonitor_testsupport.procs import qmp_replies
from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "fuzz" / "schema_cases.json"
MACHINES = (["-M", "none", "-S"], ["-M", "pc", "-S"])
BASE = ["-display", "none", "-nodefaults"]


def _numa(args: dict[str, Any]) -> dict[str, Any]:
    return {"execute": "set-numa-node", "arguments": args}


#: The requests: sized integer members, device_add's QemuOpts conversion,
#: migrate's checks before the URI.
REQUESTS: list[dict[str, Any]] = [
    _numa({"type": "dist", "src": 1, "dst": None, "val": 0}),
    _numa({"type": "dist", "src": 65536, "dst": 1, "val": 0}),
    _numa({"type": "dist", "src": 1, "dst": 2, "val": 256}),
    _numa({"type": "dist", "src": -1, "dst": 2, "val": 1}),
    _numa({"type": "node", "nodeid": 70000}),
    _numa({"type": "node", "cpus": [1, 65536]}),
    _numa({"type": "node", "mem": "1G"}),
    _numa({"type": "node", "mem": -1, "initiator": 1 << 16}),
    _numa(
        {
            "type": "hmat-lb",
            "initiator": 255,
            "target": 65536,
            "hierarchy": "memory",
            "data-type": None,
        }
    ),
    _numa(
        {
            "type": "hmat-lb",
            "initiator": 1,
            "target": 1,
            "hierarchy": "memory",
            "data-type": "access-latency",
            "latency": 1 << 70,
        }
    ),
    _numa(
        {
            "type": "hmat-cache",
            "node-id": 1 << 32,
            "size": 1,
            "level": 1,
            "associativity": "none",
            "policy": "none",
            "line": 1,
        }
    ),
    _numa(
        {
            "type": "hmat-cache",
            "node-id": 1,
            "size": 1,
            "level": 300,
            "associativity": "none",
            "policy": "none",
            "line": 1,
        }
    ),
    {
        "execute": "blockdev-add",
        "arguments": {"driver": "null-co", "node-name": "n", "latency-ns": 1 << 70},
    },
    {"execute": "blockdev-add", "arguments": {"driver": "null-co", "latency-ns": "1"}},
    {
        "execute": "blockdev-add",
        "arguments": {"driver": "blkdebug", "image": "x", "max-transfer": 1 << 31},
    },
    {
        "execute": "blockdev-add",
        "arguments": {"driver": "blkdebug", "image": "x", "opt-discard": -(1 << 31) - 1},
    },
    {
        "execute": "sev-inject-launch-secret",
        "arguments": {"packet-header": "", "secret": "", "gpa": 1 << 70},
    },
    {
        "execute": "sev-inject-launch-secret",
        "arguments": {"packet-header": "", "secret": "", "gpa": "0"},
    },
    {"execute": "device_add", "arguments": {"driver": 1}},
    {"execute": "device_add", "arguments": {"driver": True}},
    {"execute": "device_add", "arguments": {"driver": False, "id": 3}},
    {"execute": "device_add", "arguments": {"driver": 1.5}},
    {"execute": "device_add", "arguments": {"driver": 0.1}},
    {"execute": "device_add", "arguments": {"driver": -7}},
    {"execute": "device_add", "arguments": {"driver": 18446744073709551615}},
    {"execute": "device_add", "arguments": {"driver": None}},
    {"execute": "device_add", "arguments": {"driver": []}},
    {"execute": "device_add", "arguments": {"driver": {}}},
    {"execute": "migrate", "arguments": {"uri": "x", "resume": True}},
    {"execute": "migrate", "arguments": {"uri": "x", "resume": True, "blk": True}},
    {"execute": "migrate", "arguments": {"uri": "x", "resume": False}},
]


def main() -> None:
    args = recorder_parser(__doc__, OUT).parse_args()
    cases = []
    for machine in MACHINES:
        requests = [{**r, "id": n} for n, r in enumerate(REQUESTS)]
        with tempfile.TemporaryDirectory() as tmp:
            negotiate = {"execute": "qmp_capabilities"}
            lines = qmp_replies([args.qemu], [*machine, *BASE], [negotiate, *requests], Path(tmp))
        for request, line in zip(requests, lines[1:], strict=True):
            reply = json.loads(line)
            assert reply.get("id") == request["id"], (request, reply)
            cases.append({"machine": machine, "request": request, "reply": reply})
    write_cases(args.out, qemu_version(args.qemu), cases)


if __name__ == "__main__":
    main()
