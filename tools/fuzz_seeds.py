"""Write the fuzz seed corpus (tests/fuzz/corpus/{json,qmp,hmp}).

    python tools/fuzz_seeds.py

Seeds: the odd inputs QEMU 7.2 was recorded answering
(tests/qjson/data/qemu72_transcript.json), requests real clients send, and
HMP lines with the line editor's keys.  A QMP or HMP seed starts with the
mode byte the fuzz targets read (see src/qmonitor_testsupport/fuzz_harness.py).  Files
are named by the SHA-1 of their content, as libFuzzer names its corpus.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
TRANSCRIPT = ROOT / "tests" / "qjson" / "data" / "qemu72_transcript.json"

QMP_SEEDS = [
    b'{"execute": "query-status", "id": 1}',
    b'{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}',
    b'{"execute": "human-monitor-command", "arguments": {"command-line": "info status"},'
    b' "id": "h"}',
    b'{"execute": "human-monitor-command", "arguments": {"command-line": "help"}}',
    b'{"exec-oob": "query-yank", "id": "o"}{"execute": "query-status", "id": "i"}',
    b'{"exec-oob": "yank", "arguments": {"instances": []}, "id": 2}',
    b'{"execute": "stop"}{"execute": "cont"}{"execute": "system_reset"}',
    b'{"execute": "set-action", "arguments": {"watchdog": "pause"}, "id": [1, {"a": null}]}',
    b'{"execute": "watchdog-set-action", "arguments": {"action": "nosuch"}}',
    b'{"execute": "query-commands", "id": 18446744073709551616}',
    b'{"execute": "query-version", "id": -9223372036854775809}',
    b'{"execute": "query-name", "id": 1e400}',
    b'{"execute": "query-uuid", "id": "\\ud800\\udc00\\ud800"}',
    b'{"execute": "query-target", "id": "\\u0000"}',
    b"{'execute': 'query-kvm', 'id': 'single'}",
    b'{"execute": "quit", "id": "q"}{"execute": "query-status", "id": "after"}',
    b'{"execute": 1}{"execute": "query-status", "arguments": 1}{"arguments": {}}',
    b'{"execute": "query-status", "control": {"run-oob": true}}',
    b'{"execute": "query-machines", "arguments": {"x": 1}, "id": {"deep": [[[[1]]]]}}',
    b'{"execute": "query-status"' + b" " * 300 + b"}",
    b"[" * 1100 + b"]" * 1100,
    b'{"execute": "query-status", "id": 1' + b"\x00" + b"}",
    b'{"execute": "query-status", "id": "\xc3\x28"}',
    b"".join(b'{"execute": "query-status", "id": %d}' % i for i in range(12)),
    b'{"exec-oob": "query-status", "id": 1}{"execute": "system_powerdown", "id": 2}',
    b'{"execute": "qmp_capabilities", "arguments": {"enable": ["nosuch"]}}',
    b'{"execute": "human-monitor-command", "arguments": {"command-line": "quit"}}',
    b'{"execute": "query-qmp-schema", "id": "s"}',
    b'{"execute": "query-cpus-fast"}{"execute": "query-yank"}',
]

HMP_SEEDS = [
    b"info status\r",
    b"help\r",
    b"help info\r",
    b"info history\r",
    b"in\t\t",
    b"info ver\t\r",
    b"stop\rcont\rinfo status\r",
    b"\x1b[A\x1b[A\x1b[B\r",
    b"abc\x1b[D\x1b[D\x7f\x08\x1b[3~\x1b[1~\x1b[4~\r",
    b"hello world\x17\x17\r",
    b"\x01\x05\x0c\r",
    b"info\x1bOH\x1bOF\r",
    b"a" * 4100 + b"\r",
    b"info registers -a 99999999999999999999\r",
    b"info lapic x\r",
    b"help help help\r",
    b"?\r",
    b"c\rs\rq\r",
    b"system_reset\rsystem_powerdown\r",
    b"info chardev\rinfo name\rinfo uuid\r",
    b"\x1b[12345~\x1b[\x1bO\x1bx\r",
    b"info \x00status\r",
    b"\xc3\xa9\xff\xfe\r",
    b"info status\r\n\r\n",
    b"'unterminated\r",
    b'help "quoted\\" word"\r',
]


def _name(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def write(kind: str, seeds: list[bytes]) -> None:
    folder = CORPUS / kind
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for seed in dict.fromkeys(seeds):
        (folder / _name(seed)).write_bytes(seed)


def main() -> None:
    transcript = json.loads(TRANSCRIPT.read_text())
    recorded = [case["input"].encode("latin-1") for case in transcript["compact"]]
    # The streamer gets every recorded case; QMP the ones under 200 bytes.
    write("json", recorded + QMP_SEEDS)
    modes = [0x00, 0x02, 0x80, 0xC0, 0xE0, 0xE3]
    qmp = [
        bytes([modes[i % len(modes)]]) + seed
        for i, seed in enumerate(QMP_SEEDS + [r for r in recorded if len(r) < 200])
    ]
    write("qmp", qmp)
    write(
        "hmp", [bytes([(0x80 if i % 5 == 0 else 0) | i % 4]) + s for i, s in enumerate(HMP_SEEDS)]
    )


if __name__ == "__main__":
    main()
