#!/usr/bin/env python3
"""Record how real QEMU reads blkdebug config files, for tests/machine/test_blkdebug_config.py.

Writes each config text of :data:`CASES` to a file, starts
``qemu-system-x86_64`` once, and asks it to ``blockdev-add`` a blkdebug
node over null-co with each file as ``config`` (deleting the node again
when it opened); writes every text with QEMU's reply.

Usage: ``python tools/record_blkdebug_config.py [--qemu PATH] [--out FILE]``
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from qmonitor_testsupport.procs import BASE_ARGS, qmp_replies
from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases

#: Config texts: the parser's corner cases, groups, options and rule errors.
CASES = (
    "",
    "# a comment\n\n",
    "   \n",
    "\r\n",
    'event = "read_aio"\n',
    "[nope]\n",
    "[]\n",
    "[inject-error]\n",
    '[inject-error]\nevent = "read_aio"\n',
    '[inject-error]\nevent = "nope"\n',
    '[inject-error]\nevent = "read_aio"\nbogus\n',
    '[inject-error]\nevent = "read_aio"\nx = "1"\n',
    '[inject-error]\nevent = "read_aio"\niotype = "x"\n',
    '[inject-error]\nevent = "read_aio"\niotype = "write"\nerrno = "28"\nonce = "on"\n',
    '[inject-error]\nevent = "read_aio"\nonce = "x"\n',
    '[inject-error]\nevent = "read_aio"\nsector = "-1"\n',
    '[inject-error]\nevent = "read_aio"\nerrno = ""\n',
    '[set-state]\nevent = "read_aio"\nnew_state = "2"\n',
    '[set-state]\nevent = "read_aio"\nstate = "x"\n',
    '[set-state]\nevent = "read_aio"\nnew_state\n',
    '[set-state]\nnew_state = "2"\n',
    '[inject-error "a"]\nevent = "read_aio"\n',
    '[inject-error "1a"]\nevent = "read_aio"\n',
    '[inject-error "a"]\nevent = "read_aio"\n[inject-error "a"]\nevent = "read_aio"\n',
    '[set-state]\nevent = "x"\n[inject-error]\nevent = "y"\n',
    '[inject-error]\nevent = "read_aio"\n[set-state]\n',
    '[inject-error]\n  event   =   "read_aio"  \n',
    '[inject-error]\nevent="read_aio"\n',
    "[inject-error]\nevent = read_aio\n",
    '[inject-error]\nevent = "read_aio\n',
    '[ inject-error ]\nevent = "read_aio"\n',
    '[inject-error]trailing\nevent = "read_aio"\n',
    '[inject-error]\n#event = "x"\nevent = "read_aio"\n',
)


def record(qemu: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="blkdebug-") as tmp:
        cwd = Path(tmp)
        requests: list[dict[str, Any]] = [{"execute": "qmp_capabilities"}]
        for index, text in enumerate(CASES):
            (cwd / f"c{index}.conf").write_text(text)
            args = {
                "driver": "blkdebug",
                "node-name": f"b{index}",
                "config": f"c{index}.conf",
                "image": {"driver": "null-co"},
            }
            requests.append({"execute": "blockdev-add", "arguments": args, "id": index})
            requests.append({"execute": "blockdev-del", "arguments": {"node-name": f"b{index}"}})
        replies = qmp_replies([qemu], BASE_ARGS, requests, cwd)
    out = []
    for index, text in enumerate(CASES):
        reply = json.loads(replies[1 + 2 * index])
        out.append({"text": text, "error": reply.get("error", {}).get("desc")})
    return out


def main() -> None:
    parser = recorder_parser(
        __doc__, Path(__file__).resolve().parent.parent / "tests/golden/block/blkdebug_config.json"
    )
    ns = parser.parse_args()
    version = qemu_version(ns.qemu)
    cases = record(ns.qemu)
    write_cases(ns.out, version, cases)


if __name__ == "__main__":
    main()
