#!/usr/bin/env python3
"""Record QEMU's ``query-qmp-schema`` reply into tests/golden/qapi/.

Starts ``qemu-system-x86_64 -M none`` with a QMP socket, negotiates, asks
for the schema and writes the reply line exactly as QEMU sent it (its
member order is QEMU's QDict order), together with the greeting's
version, to ``query-qmp-schema.json``.

Usage::

    python tools/record_qapi.py [--qemu PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["-M", "none", "-display", "none", "-nodefaults"]


def _readline(sock: socket.socket, buf: bytearray) -> bytes:
    while b"\n" not in buf:
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise RuntimeError("QEMU closed the connection")
        buf += chunk
    line, _, rest = bytes(buf).partition(b"\n")
    buf[:] = rest
    return line + b"\n"


def record(qemu: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/qmp.sock"
        proc = subprocess.Popen(
            [qemu, *ARGS, "-qmp", f"unix:{path},server=on,wait=off"],
            stdin=subprocess.DEVNULL,
        )
        try:
            sock = socket.socket(socket.AF_UNIX)
            for _ in range(100):
                try:
                    sock.connect(path)
                    break
                except OSError:
                    time.sleep(0.05)
            buf = bytearray()
            greeting = json.loads(_readline(sock, buf))
            sock.sendall(b'{"execute": "qmp_capabilities"}\n')
            _readline(sock, buf)
            sock.sendall(b'{"execute": "query-qmp-schema"}\n')
            reply = _readline(sock, buf)
            sock.close()
        finally:
            proc.terminate()
            proc.wait()
    version = greeting["QMP"]["version"]
    return {
        "qemu": "{major}.{minor}.{micro}".format(**version["qemu"]),
        "package": version["package"],
        "args": ARGS,
        "request": '{"execute": "query-qmp-schema"}',
        "reply": reply.decode("ascii"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "golden" / "qapi")
    opts = parser.parse_args()
    data = record(opts.qemu)
    opts.out.mkdir(parents=True, exist_ok=True)
    target = opts.out / "query-qmp-schema.json"
    target.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {target} ({len(data['reply'])} bytes of reply)", file=sys.stderr)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
