"""A blockdev-add stuck on a FIFO blocks the main loop; out-of-band commands still answer.

What qmp-test's oob subtest checks, on the ``qmonitor`` process: the blkdebug
config file is a FIFO nobody writes to, so opening it blocks the main loop
(and every in-band command after it) until a writer comes, while an
``exec-oob`` migrate-pause overtakes both and gets its error at once.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

from qmonitor_testsupport.procs import qmonitor_cmd, running


def _send(conn: socket.socket, obj: dict[str, Any]) -> None:
    conn.sendall(json.dumps(obj).encode() + b"\n")


def test_oob_overtakes_a_blocked_blockdev_add(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sock = tmp_path / "qmp.sock"
    with running(qmonitor_cmd(), [], sock):
        conn = socket.socket(socket.AF_UNIX)
        conn.settimeout(20)
        conn.connect(str(sock))
        reader = conn.makefile("rb")
        assert json.loads(reader.readline())["QMP"]["capabilities"] == ["oob"]
        _send(conn, {"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}})
        assert json.loads(reader.readline()) == {"return": {}}
        image = {"driver": "null-co", "read-zeroes": True}
        args = {"driver": "blkdebug", "node-name": "b0", "config": str(fifo), "image": image}
        _send(conn, {"execute": "blockdev-add", "arguments": args, "id": "blocks"})
        _send(conn, {"execute": "query-name", "id": "quick"})
        _send(conn, {"exec-oob": "migrate-pause", "id": "oob"})
        first = json.loads(reader.readline())
        assert first["id"] == "oob"
        assert first["error"]["desc"].startswith("migrate-pause is currently only supported")
        os.close(os.open(fifo, os.O_WRONLY))
        assert json.loads(reader.readline()) == {"return": {}, "id": "blocks"}
        assert json.loads(reader.readline()) == {"return": {}, "id": "quick"}
        _send(conn, {"execute": "query-named-block-nodes", "arguments": {"flat": True}, "id": 1})
        nodes = {n["node-name"]: n for n in json.loads(reader.readline())["return"]}
        assert nodes["b0"]["file"] == (
            'json:{"image": {"read-zeroes": true, "driver": "null-co"}, '
            f'"driver": "blkdebug", "config": "{fifo}"}}'
        )
        conn.close()
