#!/usr/bin/env python3
"""Record the facts some machine commands reproduce from QEMU 7.2 into package data.

Runs ``qemu-system-x86_64 -M none -display none -nodefaults`` and writes
src/qmonitor/machine/data/:

- ``trace_events.json``: every trace event in ``trace-event-get-state``'s
  order, whether it is per-vCPU and whether it is compiled in;
- ``device_add_none.json``: what ``device_add`` answers on ``-M none`` for
  each user-creatable device type (qmonitor.machine.device_types), grouped
  by answer (``{}`` standing for the type's name);
- ``cpu_definitions.json``: the ``query-cpu-definitions`` reply;
- ``command_order.json``: the names ``query-commands`` lists, in its order.

Usage: ``python tools/record_surface_data.py [--qemu PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "src" / "qmonitor" / "machine" / "data"


class Qmp:
    """A minimal QMP client on a unix socket (events are skipped)."""

    def __init__(self, path: str) -> None:
        for _ in range(100):
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        self.file = self.sock.makefile("rwb")
        self.file.readline()
        self.run("qmp_capabilities")

    def run(self, execute: str, **arguments: Any) -> dict[str, Any]:
        request: dict[str, Any] = {"execute": execute}
        if arguments:
            request["arguments"] = arguments
        self.file.write(json.dumps(request).encode() + b"\n")
        self.file.flush()
        while True:
            reply: dict[str, Any] = json.loads(self.file.readline())
            if "event" not in reply:
                return reply


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--qemu", default=shutil.which("qemu-system-x86_64"))
    args = parser.parse_args()
    from qmonitor.machine.device_types import creatable_types

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "qmp.sock")
        qemu = subprocess.Popen(
            [
                args.qemu,
                "-M",
                "none",
                "-display",
                "none",
                "-nodefaults",
                "-qmp",
                f"unix:{path},server=on,wait=off",
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            qmp = Qmp(path)
            events = qmp.run("trace-event-get-state", name="*")["return"]
            trace = [[e["name"], e["vcpu"], e["state"] != "unavailable"] for e in events]
            by_answer: dict[str, list[str]] = {}
            for driver in sorted(creatable_types()):
                reply = qmp.run("device_add", driver=driver)
                desc = reply["error"]["desc"] if "error" in reply else ""
                template = desc.replace(f"'{driver}'", "'{}'")
                by_answer.setdefault(template, []).append(driver)
            cpus = qmp.run("query-cpu-definitions")["return"]
            order = [c["name"] for c in qmp.run("query-commands")["return"]]
        finally:
            qemu.kill()
            qemu.wait()
    OUT.mkdir(exist_ok=True)
    (OUT / "trace_events.json").write_text(json.dumps(trace, separators=(",", ":")) + "\n")
    (OUT / "device_add_none.json").write_text(
        json.dumps(by_answer, indent=0, sort_keys=True) + "\n"
    )
    (OUT / "cpu_definitions.json").write_text(json.dumps(cpus, indent=0) + "\n")
    (OUT / "command_order.json").write_text(json.dumps(order, indent=0) + "\n")


if __name__ == "__main__":
    main()
