# ruff: noqa: E501  (the recorded cases are long byte strings)
"""Record how QEMU 7.2 answers odd JSON input; writes qemu72_transcript.json.

Run by hand (not by pytest) next to a real QEMU:

    python tests/qjson/data/record_qemu.py [--qemu qemu-system-x86_64]

Each case is sent on a fresh QMP connection (after qmp_capabilities),
followed by PROBE; everything QEMU answers up to the probe's reply is
recorded, byte for byte.  Random cases end with 0xFF, which always resets
QEMU's lexer, so that the probe is read on its own.  A second, smaller set
is recorded with -qmp-pretty.
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

PROBE = b'{"execute":"query-status","id":"probe"}'
HERE = Path(__file__).parent

# Hand-written cases: errors, recovery, numbers, strings, escapes, UTF-8.
CASES = [
    b'{"a" 1}',
    b"]",
    b"}",
    b'{"a":tru}',
    b"%",
    b"%d",
    b"1",
    b'"x"',
    b"'x'",
    b"-0",
    b'{"execute":"query-status","id":-0}',
    b'{"execute":"query-status","id":-0.0}',
    b'{"execute":"query-status","id":1.5}',
    b'{"execute":"query-status","id":1e2}',
    b'{"execute":"query-status","id":1E+2}',
    b'{"execute":"query-status","id":1e-2}',
    b'{"execute":"query-status","id":18446744073709551615}',
    b'{"execute":"query-status","id":18446744073709551616}',
    b'{"execute":"query-status","id":9223372036854775807}',
    b'{"execute":"query-status","id":9223372036854775808}',
    b'{"execute":"query-status","id":-9223372036854775808}',
    b'{"execute":"query-status","id":-9223372036854775809}',
    b'{"execute":"query-status","id":1e400}',
    b'{"execute":"query-status","id":-1e400}',
    b'{"execute":"query-status","id":1e-400}',
    b'{"execute":"query-status","id":0.1}',
    b'{"execute":"query-status","id":123456789012345678901234567890}',
    b'{"execute":"query-status","id":01}',
    b'{"execute":"query-status","id":1.}',
    b'{"execute":"query-status","id":.5}',
    b'{"execute":"query-status","id":+1}',
    b'{"execute":"query-status","id":1e}',
    b'{"execute":"query-status","id":-}',
    b'{"execute":"query-status","id":- 1}',
    b'{"execute":"query-status","id":0e1}',
    b'{"execute":"query-status","id":0.0e1}',
    b'{"execute":"query-status","id":2.5E-3}',
    b'{"execute":"query-status","id":null}',
    b'{"execute":"query-status","id":true}',
    b'{"execute":"query-status","id":[]}',
    b'{"execute":"query-status","id":{}}',
    b'{"execute":"query-status","id":[1,[2,{}],{"x":[]}]}',
    b'{"execute":"query-status","id":{"micro":1,"minor":2,"major":3}}',
    b"{'execute':'query-status','id':'a\"b'}",
    b'{"execute":"query-status","id":"a\'b"}',
    b'{"execute":"query-status","id":"\\u00e9\\u4e2d\\ud83d\\ude00"}',
    b'{"execute":"query-status","id":"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"}',
    b'{"execute":"query-status","id":"\\/\\b\\f\\n\\r\\t\\"\\\\\\\'"}',
    b'{"execute":"query-status","id":"\x7f/<>&"}',
    b'{"execute":"query-status","id":"\\u007f\\u0080\\u00ff"}',
    b'{"execute":"query-status","id":"\\u0001\\u001f"}',
    b'{"execute":"query-status","id":"\\u0000"}',
    b'{"execute":"query-status","id":"\xc0\x80"}',
    b'{"execute":"query-status","id":"\\ud800"}',
    b'{"execute":"query-status","id":"\\udc00"}',
    b'{"execute":"query-status","id":"\\ud800\\u0041"}',
    b'{"execute":"query-status","id":"\\ud800x"}',
    b'{"execute":"query-status","id":"\\uffff"}',
    b'{"execute":"query-status","id":"\\ufffe"}',
    b'{"execute":"query-status","id":"\\ufdd0"}',
    b'{"execute":"query-status","id":"\\ud83f\\udffe"}',
    b'{"execute":"query-status","id":"\\u12"}',
    b'{"execute":"query-status","id":"\\u12g4"}',
    b'{"execute":"query-status","id":"\\x"}',
    b'{"execute":"query-status","id":"\xff"}',
    b'{"execute":"query-status","id":"\xfe"}',
    b'{"execute":"query-status","id":"\xed\xa0\x80"}',
    b'{"execute":"query-status","id":"\xef\xbf\xbf"}',
    b'{"execute":"query-status","id":"\xf4\x90\x80\x80"}',
    b'{"execute":"query-status","id":"\xe0\x80\x80"}',
    b'{"execute":"query-status","id":"\xc1\xbf"}',
    b'{"execute":"query-status","id":"\x80"}',
    b'{"execute":"query-status","id":"\xf8\x88\x80\x80\x80"}',
    b'{"execute":"query-status","id":"a\tb"}',
    b'{"execute":"query-status","id":"a\nb"}',
    b'{"execute":"query-status","id":nul}',
    b'{"execute":"query-status","id":nulll}',
    b'{"execute":"query-status","id":NULL}',
    b'{"execute":"query-status","id":1,}',
    b'{"execute":"query-status",,"id":1}',
    b'{"execute":"query-status" "id":1}',
    b'{"execute":"query-status","id":[1,]}',
    b'{"execute":"query-status","id":[,1]}',
    b'{"execute":"query-status","id":[1 2]}',
    b'{"execute":"query-status","id":[1:2]}',
    b'{"execute":"query-status",1:1}',
    b'{"execute":"query-status",:1}',
    b'{"execute":"query-status","id"}',
    b'{"execute":"query-status","id":}',
    b'{"execute":"query-status","id":{1:2}}',
    b'{"execute":"query-status","id":1}}',
    b'{"execute":"query-status","id":1]}',
    b'{"execute":"query-status","id":[}]}',
    b"[1,2]",
    b"[]",
    b"{}",
    b"null",
    b"true false",
    b"1 2 3",
    b"\"abc\" 'def'",
    b"\xff",
    b"\xfe",
    b"\x00",
    b"\x1b",
    b"\x1b[A",
    b"abc",
    b"abc]",
    b"@",
    b'@@@ {"a":1}',
    b"@@@ , ",
    b"@@@ : ",
    b"@@@\t{",
    b"@@@\x01",
    b"@@@\xff",
    b'{"a":@}',
    b'{"a":"x\x01y"} ',
    b'{"a":"x\x1fy"} ',
    b"[[[[",
    b'{"a":[1,2',
    b'{"execute":"query-status","id":"\\',
    b'{"execute":"query-status","id":"\\\x01"}',
    b'{"execute":"query-status","id":"\\\xff"}',
    b'{"execute":"query-status","id":"a\xfeb"}',
    b"-",
    b"-a",
    b"1a",
    b"0x10",
    b"1.5.5",
    b"1e5e5",
    b'{"execute":"query-status","id":1.0}',
    b'{"execute":"query-status","id":100000000000000000000.0}',
    b'{"execute":"query-status","id":1e20}',
    b'{"execute":"query-status","id":1e21}',
    b'{"execute":"query-status","id":1e16}',
    b'{"execute":"query-status","id":1e17}',
    b'{"execute":"query-status","id":123456789.123456789}',
    b'{"execute":"query-status","id":5e-324}',
    b'{"execute":"query-status","id":2.2250738585072014e-308}',
    b'{"execute":"query-status","id":1.7976931348623157e308}',
    b'{"execute":"query-status","id":0.000001}',
    b'{"execute":"query-status","id":0.0000001}',
    b'{"execute":"query-status","id":-1.5}',
    b'{"execute":"query-status","id":3.14159}',
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    b'{"execute":"query-status","id":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}',
    b'{"execute":"query-status","id":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}',
    b'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{"execute":"query-status","id":1}',
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    b'@@@\t, {"execute":"query-status","id":1}',
    b'@@@ \r\n{"execute":"query-status","id":1}',
    b'@@@"{"execute":"query-status","id":1}',
    b'@@@\'{"execute":"query-status","id":1}',
    b'@@@\x7f{"execute":"query-status","id":1}',
    b'@@@\xc3\xa9{"execute":"query-status","id":1}',
    b'@@@\xfd{"execute":"query-status","id":1}',
    b'@@@\xfe{"execute":"query-status","id":1}',
    b'@@@\xff\xff\xff{"execute":"query-status","id":1}',
    b"\xff\xff",
    b'\xff{"execute":"query-status","id":1}',
    b'{"execute":"query-status","id":1\xff',
    b'{"execute":"query-status","id":tr\xff',
    b'{"execute":"query-status","id":"ab\xff',
    b'{"execute":"query-status","id":"ab\x00cd"}',
    b"\x00abc",
    b"\x00\x00",
    b'{"execute":"query-status","id":1e+}',
    b'{"execute":"query-status","id":1e+5}',
    b'{"execute":"query-status","id":-01}',
    b'{"execute":"query-status","id":-0.5}',
    b'{"execute":"query-status","id":00}',
    b'{"execute":"query-status","id":0E1}',
    b'{"execute":"query-status","id":-0e1}',
    b'{"execute":"query-status","id":0.5e1}',
    b'{"execute":"query-status","id":0.}',
    b'{"execute":"query-status","id":0a}',
    b'{"execute":"query-status","id":1true}',
    b'{"execute":"query-status","id":truefalse}',
    b'{"execute":"query-status","id":true1}',
    b'{"execute":"query-status","id":"a""b"}',
    b'{"execute":"query-status","id":"a"\'b\'}',
    b'{"execute":"query-status","id":"\\u0041\\u00410"}',
    b'{"execute":"query-status","id":"\\U0041"}',
    b'{"execute":"query-status","id":"\\uD83D\\uDE00"}',
    b'{"execute":"query-status","id":"\\udbff\\udfff"}',
    b'{"execute":"query-status","id":"\\ud83d\\u0000"}',
    b'{"execute":"query-status","id":"\\ud83d\\uzzzz"}',
    b'{"execute":"query-status","id":"\\ud83d\\n"}',
    b'{"execute":"query-status","id":"\\ud83d\\ude0"}',
    b'{"execute":"query-status","id":"x\\u00"}',
    b'{"execute":"query-status","id":"\\u"}',
    b'{"execute":"query-status","id":"\xf0\x9f\x98"}',
    b'{"execute":"query-status","id":"\xf0\x9f\x98\x80\x80"}',
    b'{"execute":"query-status","id":"\xe4\xb8"}',
    b'{"execute":"query-status","id":"\xc0\x81"}',
    b'{"execute":"query-status","id":"\xfc\x84\x80\x80\x80\x80"}',
    b'{"execute":"query-status","id":"\xf7\xbf\xbf\xbf"}',
    b'{"execute":"query-status","id":"\xef\xbf\xbd"}',
    b'{"execute":"query-status","id":"\xef\xb7\x90"}',
    b'{"execute":"query-status","id":"\xf0\x9f\xbf\xbe"}',
    b'{"execute":"query-status","id":"\xe2\x80\xa8"}',
    b'{"execute":"query-status","id":{"a":1,"b":{"c":2}}}',
    b'{"execute":"query-status","id":{"":1}}',
    b'{"execute":"query-status","id":{"\\u0000":1}}',
    b'{"execute":"query-status","id":{"\xc3\xa9":1, "e":2}}',
    b'{"execute":"query-status","id":{"a":1,"b":2,"a":3}}',
    b'{"execute":"query-status","id":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}}',
    b'{"id":1,"execute":"query-status"}',
    b' \t\r\n{"execute":"query-status","id":1} \t\r\n',
    b'{ "execute" : "query-status" , "id" : [ 1 , 2 ] }',
    b'{"execute":"query-status","id":-a}',
    b'{"execute":"query-status","id":-\xff}',
    b'{"execute":"query-status","id":1.5e}',
    b'{"execute":"query-status","id":1.5e-}',
    b'{"execute":"query-status","id":1.e5}',
    b'{"execute":"query-status","id":"\x7f"}',
    b'{"execute":"query-status","id":"\\u007F"}',
    b'{"a":kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk}',
    b'{"a":kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk}',
    b"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk ",
    b"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk ",
    b"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk ",
    b'{"execute":"query-status","id":"a\\u0000b"}',
    b'{"execute":"query-status","id":{"a\\u0000b":1, "a":2}}',
    b"@@@\nabc ",
    b"@@@\rabc ",
    b"@@@\tabc ",
    b"@@@ abc ",
    b"@@@\x0babc ",
    b"@@@\x00abc ",
    b"@@@\x1fabc ",
    b"@@@\x7fabc ",
    b"@@@\x80abc ",
    b'"\x01abc def"',
    b'"\x01\nabc def"',
    b'{"a":1} @ {"b":2}',
    b"@[1,2]",
    b"@]",
    b"@}",
    b"@{",
    b'\x1b[1;2R{"execute":"query-status","id":1}',
    b"1@",
    b"-@",
    b"tru@",
    b'"abc',
    b'"abc\x01',
    b"'abc\x01",
    b"'a\\",
    b'{"a":"\\\'"}',
    b"{'a':'\\\"'}",
    b'{"execute":"query-status","id":0\xff}',
    b'{"execute":"query-status","id":1.5\x80}',
    b'{"execute":"query-status","id":tru\xc3\xa9}',
    b'{"execute":"query-status","id":1e5\xfe}',
    b'{"execute":"query-status","id":12\x00}',
    b'{"execute":"query-status","id":12\x01}',
    b'{"execute":"query-status","id":1.5.}',
    b'{"execute":"query-status","id":1e5e}',
    b'{"execute":"query-status","id":1e5.}',
    b'{"execute":"query-status","id":1e5+}',
    b'{"execute":"query-status","id":1-}',
    b'{"execute":"query-status","id":0-}',
    b'{"execute":"query-status","id":0.5-}',
    b'{"execute":"query-status","id":1"a"}',
    b'{"execute":"query-status","id":1{}',
    b'{"execute":"query-status","id":"a"1}',
    b'{"execute":"query-status","id":null1}',
    b'{"execute":"query-status",\t"id"\r:\n1}',
    b'{"execute":"query-status","id":{"a":{"b":{"c":{"d":1}}}}}',
    b'{"execute":"query-status","id":[[[["x"]]]]}',
    b'{"execute":"query-status","id":{"a":"it\'s"}}',
    b'{"execute":"query-status","id":{"a":1,"a":{"b":1,"b":2}}}',
    b'{"execute":"query-status","id":{"a":[1,2,}}',
    b'{"execute":"query-status","id":{"a" : [1 , 2] , "b" : {}}}',
    b'{"execute":"query-status","id":12345678901234567}',
    b'{"execute":"query-status","id":-123456789012345678}',
    b'{"execute":"query-status","id":1234567890123456789}',
    b'{"execute":"query-status","id":-1234567890123456789}',
    b'{"execute":"query-status","id":0.1e1}',
    b'{"execute":"query-status","id":10e1}',
    b'{"execute":"query-status","id":"0e1"}',
    b'{"execute":"query-status","id":[0e1]}',
    b'{"execute":"query-status","id":[NaN]}',
    b'{"execute":"query-status","id":Infinity}',
    b'{"execute":"query-status","id":-Infinity}',
    b'{"execute":"query-status","id":"\\u00e9\\u00E9"}',
    b'{"execute":"query-status","id":"\\ud83d\\ude00\\ud83d"}',
    b'{"execute":"query-status","id":"\xf0\x90\x80\x80\xf4\x8f\xbf\xbd"}',
    b'{"execute":"query-status","id":"\\uDBFF\\uDFFD"}',
    b'{"execute":"query-status","id":"\\uD83F\\uDFFF"}',
    b'{"execute":"query-status","id":"\xef\xbf\xbe"}',
    b'{"execute":"query-status","id":"\xef\xb7\xaf"}',
    b'{"execute":"query-status","id":"\xef\xb7\xb0"}',
    b'{"execute":"query-status","id":"\\ufdef\\ufdf0"}',
    b'{"execute":"query-status","id":"\\ufdf0"}',
    b'{"execute":"query-status","id":"\xc2\x80\xdf\xbf"}',
    b'{"execute":"query-status","id":"a\\u0000b\xc0\x80c"}',
    b'{"execute":"query-status","id":"\xc0\x80\\x"}',
    b'{"execute":"query-status","id":"\\x\xc0\x81"}',
    b'{"execute":"query-status","id":"\xc0\x81\\x"}',
    b'{"execute":"query-status","id":\'\\\'\\"\'}',
    b'{"execute":"query-status","id":"%d%s"}',
    b"{'execute':'query-status','id':'%'}",
    b'%{"execute":"query-status","id":1}',
    b"%%",
    b"%ld ",
    b'{"execute":"query-status","id":%d}',
    b'{"execute":"query-status","id":[1,{"a":@,"b":2}]}',
    b'{"execute":"query-status","id":[{"a":1}],"id":2}',
    b'{"execute":"query-status","id":{"ab\x01c":1}}',
    b'{"execute":"query-status","id":{tru:1}}',
    b'{"execute":"query-status","id":{[1 2]:1}}',
    b'{"execute":"query-status","id":{"a":1 "b"}}',
    b'{"execute":"query-status","id":{"a":1,1}}',
    b'{"execute":"query-status","id":{"a"::1}}',
    b'{"execute":"query-status","id":{,}}',
    b'{"execute":"query-status","id":[,]}',
    b'{"execute":"query-status","id":{"a":tru,"a":1}}',
    b'{"execute":"query-status","id":{"a":1,"a":tru}}',
    b'{"execute":"query-status","id":{"a":1,"a":[1 2]}}',
    b'{"execute":"query-status","id":{"a":[}}',
    b'{"execute":"query-status","id":[{]}',
    b"[}",
    b"{]",
    b"[{]}",
    b"{[}]",
    b'{"a":[}]',
    b"[1}",
    b"}}",
    b"]]",
    b"{}}",
    b"[]]",
    b'{"a":1}]',
    b'{"execute":"query-status","id":[[[[9999999999999999999999999, -99999999999999999999]]]]}',
    b'{"execute":"query-status","id":[[[[18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809,"\\u00e9"]]]]}',
    b'{"execute":"query-status","id":[[[[0e1]]]]}',
    b'{"execute":"query-status","id":[[[[1E400, -0, -0.0, 0.5e-400]]]]}',
    b'{"execute":"query-status","id":{"a\\u0041":[[[{"b":"\\ud83d\\ude00"}]]]}}',
    b'{"execute":"query-status","id":{"a":[[[{"b":1,"b":2}]]]}}',
    b'{"execute":"query-status","id":[[[["\xef\xbf\xbf"]]]]}',
    b'{"execute":"query-status","id":[[[["\xc3\xa9\xe2\x82\xac"]]]]}',
    b'{"execute":"query-status","id":[[[["\xc0\x80"]]]]}',
    b'{"execute":"query-status","id":[[[["\\uFFFF"]]]]}',
    b'{"execute":"query-status","id":[[[[\'single\']]]]}',
    b'{"execute":"query-status","id":[[[["a\'b"]]]]}',
    b'{"execute":"query-status","id":[[[["a\\\'b"]]]]}',
    b'{"execute":"query-status","id":[[[["\\u0000"]]]]}',
    b'{"execute":"query-status","id":[[[[true,false,null]]]]}',
]

# Long runs of tokens without brackets (the lexer takes those in one step).
_RUN = b"1, 'a', \"b\\n\", true, -2.5e3, null, 0, "
CASES += [
    b'{"execute":"query-status","id":[' + _RUN * 20 + b'"end"]}',
    b'{"execute":"query-status","id":{"k":[' + _RUN * 20 + b"0e1, " + _RUN * 20 + b"1]}}",
    b'{"execute":"query-status","id":[' + _RUN * 20 + b"@" + _RUN * 20 + b"1]}",
    _RUN * 20 + b"\n",
    b'{"execute":"query-status","id":{' + b'"k": 1, "l": "x", ' * 30 + b'"m": 1}}',
    b'{"execute":"query-status","id":{' + b'"k": 1, "l": "x", ' * 30 + b'"k": 1}}',
]

# Fragments the random cases are made of.
FRAGMENTS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b'"a"',
    b"'b'",
    b'"',
    b"'",
    b"\\",
    b"\\u",
    b"d83d",
    b"dc00",
    b"00e9",
    b"0000",
    b"1",
    b"0",
    b"-",
    b".",
    b"e",
    b"E",
    b"+",
    b"9",
    b"true",
    b"null",
    b"nul",
    b"x",
    b" ",
    b"\t",
    b"\n",
    b"\r",
    b"\x00",
    b"\x01",
    b"\x1b",
    b"\xc3\xa9",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xef\xbf\xbf",
    b"\x80",
    b"\xfe",
    b"%",
    b"@",
    b'"execute"',
    b'"query-status"',
    b'"id"',
    b'{"execute":"query-status","id":',
    b"18446744073709551616",
    b"\x7f",
    b"\xf0\x9f\x98\x80",
    b"/",
    b"\\/",
    b"\\'",
    b'\\"',
]

PRETTY_IDS = [
    b'{"a":[1,{}],"b":[],"c":{"d":{}},"e":"x"}',
    b"[]",
    b"{}",
    b"[[]]",
    b'"s"',
    b"1.5",
    b'{"micro":1,"minor":2,"major":3}',
]


def random_cases(seed: int, count: int) -> list[bytes]:
    rnd = random.Random(seed)
    return [
        b"".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randint(1, 25))) + b"\xff"
        for _ in range(count)
    ]


def order_cases(seed: int) -> list[bytes]:
    """Requests whose id is a dict with many keys: QEMU echoes it in QDict order."""
    rnd = random.Random(seed)
    alphabet = 'abcdefghijklmnopqrstuvwxyz_-0123456789ABC\u00e9\u4e2d\U0001f600\x00\x01"\\/\x7f'
    out = []
    for size in (1, 2, 3, 5, 10, 50, 100, 600):
        keys = dict.fromkeys(
            "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12))) for _ in range(size)
        )
        value: dict[str, object] = {}
        for k in keys:
            options: list[object] = [1, "x", None, [], {}, 1.25, {"k" + k: 2}]
            value[k] = rnd.choice(options)
        out.append(json.dumps({"execute": "query-status", "id": value}).encode())
    return out


class Qemu:
    def __init__(self, binary: str, pretty: bool) -> None:
        self.dir = tempfile.mkdtemp(prefix="qjson-rec-")
        self.path = os.path.join(self.dir, "qmp.sock")
        self.pretty = pretty
        option = "-qmp-pretty" if pretty else "-qmp"
        self.proc = subprocess.Popen(
            [
                binary,
                "-M",
                "none",
                "-display",
                "none",
                "-nodefaults",
                option,
                f"unix:{self.path},server=on,wait=off",
            ],
            stdin=subprocess.DEVNULL,
        )
        for _ in range(500):
            if os.path.exists(self.path):
                break
            time.sleep(0.01)
        self.sock: socket.socket | None = None

    def _read_until(self, sock: socket.socket, buf: bytes, done: bytes, timeout: float) -> bytes:
        """Read until ``done`` has come and a message has ended after it."""
        sock.settimeout(0.05)
        deadline = time.monotonic() + timeout
        end = b"\r\n}\r\n" if self.pretty else b"\r\n"
        while time.monotonic() < deadline:
            if done in buf and buf.endswith(end):
                break
            try:
                data = sock.recv(1 << 20)
            except TimeoutError:
                continue
            if not data:
                break
            buf += data
        return buf

    def exchange(self, data: bytes) -> bytes:
        if self.sock is not None:
            self.sock.close()
        sock = self.sock = socket.socket(socket.AF_UNIX)
        sock.connect(self.path)
        self._read_until(sock, b"", b"QMP", 5)
        sock.sendall(b'{"execute":"qmp_capabilities"}')
        self._read_until(sock, b"", b"return", 5)
        sock.settimeout(None)
        sock.sendall(data + PROBE)
        return self._read_until(sock, b"", b'"probe"', 3)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.proc.kill()
        self.proc.wait()


def version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--out", default=str(HERE / "qemu72_transcript.json"))
    args = parser.parse_args()
    # Very long cases (nesting limits) are tests of their own.
    inputs = [*(c for c in CASES if len(c) <= 1100), *random_cases(1, 150), *order_cases(7)]
    record: dict[str, object] = {
        "qemu": version(args.qemu),
        "probe": PROBE.decode(),
        "compact": [],
        "pretty": [],
    }
    qemu = Qemu(args.qemu, pretty=False)
    try:
        for data in inputs:
            lines = qemu.exchange(data).split(b"\r\n")
            record["compact"].append(  # type: ignore[attr-defined]
                {"input": data.decode("latin-1"), "replies": [x.decode() for x in lines if x]}
            )
    finally:
        qemu.close()
    qemu = Qemu(args.qemu, pretty=True)
    try:
        for ident in PRETTY_IDS:
            request = b'{"execute":"query-status","id":' + ident + b"}"
            out = qemu.exchange(request + b"]")
            record["pretty"].append(  # type: ignore[attr-defined]
                {"input": request.decode("latin-1"), "output": out.decode()}
            )
    finally:
        qemu.close()
    with open(args.out, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
