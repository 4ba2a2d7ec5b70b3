"""Record which unexpected argument QEMU names when a request has several.

QEMU's input visitor keeps the members of an object in a GLib hash table and
names the first one left over in the table's iteration order.  This asks a
real QEMU about random key sets (some with the command's own members mixed
in, which are removed from the table before the check) and writes
tests/golden/unexpected_keys.json.

    python tools/record_unexpected_keys.py [--qemu qemu-system-x86_64]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "unexpected_keys.json"

#: (command, its own members with valid values) used as the base of each request.
COMMANDS: list[tuple[str, dict[str, object]]] = [
    ("query-status", {}),
    ("human-monitor-command", {"command-line": "info version"}),
    ("qmp_capabilities", {"enable": []}),
]


def key_sets(rng: random.Random) -> list[list[str]]:
    sets: list[list[str]] = []
    for n in (2, 2, 3, 3, 4, 5, 6, 7, 8, 9, 11, 13, 16, 20, 25, 31, 40, 64):
        keys = [f"{rng.choice('abcdefgxyz')}{rng.randint(0, 99999)}" for _ in range(n)]
        sets.append(list(dict.fromkeys(keys)))
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    qemu = parser.parse_args().qemu
    rng = random.Random(7)
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        sock = os.path.join(tmp, "q.sock")
        proc = subprocess.Popen(
            [qemu, "-M", "none", "-display", "none", "-nodefaults", "-qmp",
             f"unix:{sock},server=on,wait=off"]
        )  # fmt: skip
        try:
            for _ in range(200):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)
            conn = socket.socket(socket.AF_UNIX)
            conn.connect(sock)
            f = conn.makefile("rwb")
            f.readline()
            f.write(b'{"execute":"qmp_capabilities"}\n')
            f.flush()
            f.readline()
            for i, keys in enumerate(key_sets(rng)):
                command, own = COMMANDS[i % len(COMMANDS)]
                arguments: dict[str, object] = {k: 1 for k in keys}
                # The command's own members go in among the others.
                for name, value in own.items():
                    arguments = dict(list(arguments.items())[: len(arguments) // 2])
                    arguments[name] = value
                    arguments.update({k: 1 for k in keys})
                request = {"execute": command, "arguments": arguments}
                f.write(json.dumps(request).encode() + b"\n")
                f.flush()
                reply = json.loads(f.readline())
                cases.append({"request": request, "desc": reply["error"]["desc"]})
        finally:
            proc.terminate()
            proc.wait()
    OUT.write_text(json.dumps(cases, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
