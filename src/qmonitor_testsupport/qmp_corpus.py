"""The QMP golden corpus: cases played against QEMU by tools/record_golden.py.

Each case is a QEMU command line (the base options of :mod:`goldenlib` plus
its own) and what a client does; tools/record_golden.py records what QEMU
sent back into tests/golden/qmp/THEME.json.  A case is written as a row
``(name, description, item, ...)`` where an item is a :class:`~goldenlib.Step`,
a tuple of steps (e.g. :data:`NEG`), text or bytes (sent as one write) or an
:class:`Opts` (extra command-line options and the sockets to connect to).

Only what QEMU answers deterministically belongs here: every case is
recorded twice and compared.  Left out for that reason: exec-oob requests
queued behind in-band ones while OOB is on (their answers overtake in-band
answers at random), and anything printing timestamps other than events'.

The building blocks (:func:`case`, :func:`table`, the step builders and
the shared steps and options) live in :mod:`.qmp_steps`; this module holds
the cases, theme by theme, and imports the blocks it uses; ``CASES``,
``send`` and ``connect`` are read from here (by tests and the recorder).
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.golden_format import Step
from qmonitor_testsupport.qmp_steps import (
    _UNSET,
    CASES,
    FLOATING_REPLIES,
    GREETING,
    MON,
    MON_PRETTY,
    MON_PRETTY_OFF,
    NEG,
    NEG_OOB,
    PAUSED,
    PRETTY,
    PROBE,
    TWO,
    Opts,
    burst,
    close,
    cmd,
    connect,
    expect_eof,
    hmp,
    negotiate,
    oob,
    req,
    send,
    shutdown_wr,
    sleep,
    table,
)

#: What tests and tools/record_golden.py read from here.
__all__ = ["CASES", "FLOATING_REPLIES", "connect", "send"]


# ---------------------------------------------------------------- greeting

table("greeting", [
    ("greeting", "The greeting on connect", GREETING),
    ("greeting_reconnect", "A new connection gets a new greeting", GREETING, close(), GREETING),
    ("greeting_after_negotiation_reconnect", "Reconnecting after negotiating: a new greeting",
     NEG, close(), GREETING),
    ("greeting_prelaunch", "The greeting with -S is the same", GREETING, PAUSED),
    ("greeting_named", "-name and -uuid do not change the greeting", GREETING,
     Opts(("-name", "vm0", "-uuid", "01234567-89ab-cdef-0123-456789abcdef"))),
    ("greeting_two_monitors", "Each of two -qmp monitors greets its client",
     connect(0, 0), connect(1, 1), TWO),
    ("greeting_then_client_closes", "A client closes after the greeting; the next one negotiates",
     GREETING, close(), GREETING, req("qmp_capabilities")),
])  # fmt: skip

# ------------------------------------------------------------- negotiation

CAPS = "qmp_capabilities"

table("negotiation", [
    ("caps_plain", "qmp_capabilities without arguments", NEG),
    ("caps_with_id", "qmp_capabilities with an id", GREETING, cmd(CAPS, id="neg-1")),
    ("caps_empty_arguments", "arguments: {}", GREETING, cmd(CAPS, {})),
    ("caps_enable_empty", "enable: []", GREETING, cmd(CAPS, {"enable": []})),
    ("caps_enable_oob", 'enable: ["oob"]', NEG_OOB),
    ("caps_enable_oob_twice_in_list", 'enable: ["oob", "oob"]', GREETING,
     cmd(CAPS, {"enable": ["oob", "oob"]})),
    ("caps_enable_bogus", 'enable: ["bogus"]', GREETING, cmd(CAPS, {"enable": ["bogus"]}, 1)),
    ("caps_enable_oob_and_bogus", 'enable: ["oob", "bogus"]', GREETING,
     cmd(CAPS, {"enable": ["oob", "bogus"]})),
    ("caps_enable_string", 'enable: "oob" (not a list)', GREETING, cmd(CAPS, {"enable": "oob"})),
    ("caps_enable_null", "enable: null", GREETING, cmd(CAPS, {"enable": None})),
    ("caps_enable_object", "enable: {}", GREETING, cmd(CAPS, {"enable": {}})),
    ("caps_enable_number_item", "enable: [1]", GREETING, cmd(CAPS, {"enable": [1]})),
    ("caps_unknown_argument", "An unknown argument", GREETING, cmd(CAPS, {"foo": 1})),
    ("caps_arguments_list", "arguments: []", GREETING, cmd(CAPS, [])),
    ("caps_twice", "qmp_capabilities after negotiation", NEG, cmd(CAPS, id=2)),
    ("caps_twice_oob", "Enable oob, then again", NEG_OOB, cmd(CAPS, {"enable": ["oob"]})),
    ("caps_twice_bad_arguments", "A second qmp_capabilities with a bad argument", NEG,
     cmd(CAPS, {"enable": "oob"})),
    ("caps_failed_then_ok", "A failed negotiation leaves the monitor in negotiation mode",
     GREETING, cmd(CAPS, {"enable": ["bogus"]}), cmd("query-status"), cmd(CAPS),
     cmd("query-status")),
    ("before_query_status", "A command before negotiation", GREETING, cmd("query-status")),
    ("before_query_status_id", "A command with an id before negotiation", GREETING,
     cmd("query-status", id={"n": 1})),
    ("before_unknown_command", "An unknown command before negotiation", GREETING,
     cmd("no-such-command", id=7)),
    ("before_quit", "quit before negotiation is refused; the server stays up", GREETING,
     cmd("quit"), cmd(CAPS), cmd("query-status")),
    ("before_hmp", "human-monitor-command before negotiation", GREETING, hmp("info status")),
    ("before_missing_execute", "No execute before negotiation", GREETING, '{"id": 1}\n'),
    ("before_arguments_not_object", "arguments: [] before negotiation", GREETING,
     '{"execute": "query-status", "arguments": []}\n'),
    ("before_bad_arguments", "A known command with bad arguments before negotiation",
     GREETING, cmd("query-status", {"x": 1})),
    ("before_exec_oob", "exec-oob before negotiation", GREETING, oob(CAPS, 1)),
    ("before_execute_and_exec_oob", "execute and exec-oob before negotiation", GREETING,
     '{"execute": "qmp_capabilities", "exec-oob": "qmp_capabilities"}\n'),
    ("before_parse_error", "A JSON error before negotiation", GREETING, "}\n", cmd(CAPS)),
    ("before_not_object", "A JSON array before negotiation", GREETING, "[1]\n"),
    ("reconnect_resets_negotiation", "A new connection must negotiate again", NEG, close(),
     GREETING, cmd("query-status")),
    ("reconnect_resets_oob", "OOB is off again after reconnecting", NEG_OOB, close(), NEG,
     oob("query-status", 1)),
    ("caps_exec_oob_after_oob", "exec-oob of qmp_capabilities (not OOB-capable)", NEG_OOB,
     oob(CAPS, 1)),
    ("caps_and_commands_one_write", "qmp_capabilities and commands in one write", GREETING,
     req(CAPS) + req("query-status", id=1) + req("query-name", id=2)),
    ("before_events_not_sent", "An unnegotiated monitor does not get events",
     negotiate(0, 0), connect(1, 1), cmd("stop"), cmd("cont"), cmd("query-status", conn=1), TWO),
])  # fmt: skip

# ----------------------------------------------------------------- framing

STATUS = req("query-status", id=1)
_TOKENS = ("{", '"execute"', ":", '"query-status"', ",", '"id"', ":", "[", "1", ",", "2", "]", "}")
_PIPE = burst(10, lambda i: req("query-name", id=i))

table("framing", [
    ("two_requests_one_write", "Two requests in one write", NEG,
     req("query-status", id=1) + req("query-name", id=2)),
    ("three_requests_no_separator", "Three objects back to back, no whitespace", NEG,
     burst(3, lambda i: req(["query-status", "query-name", "query-uuid"][i], id=i, nl=False))),
    ("request_without_newline", "A request without a trailing newline", NEG,
     req("query-status", nl=False)),
    ("request_byte_by_byte", "A request sent one byte per write", NEG,
     send(*[bytes([b]) for b in STATUS.encode()], gap=0.003)),
    ("request_split_in_string", "A request split inside strings", NEG,
     send('{"execute": "query-st', 'atus", "id": "a', 'b"}\n')),
    ("request_split_in_keyword", "A request split inside the keyword true", NEG,
     send('{"execute": "query-status", "id": tr', "ue}\n")),
    ("request_split_in_number", "A request split inside a number", NEG,
     send('{"execute": "query-status", "id": 12', "34}\n")),
    ("request_split_in_escape", "A request split inside a \\u escape", NEG,
     send('{"execute": "query-status", "id": "\\u00', 'e9"}\n')),
    ("request_split_after_each_token", "A request split after each token", NEG, send(*_TOKENS)),
    ("request_over_many_lines", "A request over several lines, as qemu.qmp may send", NEG,
     '{\n    "execute": "query-status",\n    "arguments": {\n    },\n    "id": 1\n}\n'),
    ("request_over_many_writes_and_lines", "Lines of one request in separate writes", NEG,
     send("{\n", '  "execute":\n', '  "query-status",\n', '  "id": 9\n', "}\n")),
    ("request_crlf", "CRLF line endings", NEG,
     '{"execute": "query-status"}\r\n{"execute": "query-name"}\r\n'),
    ("whitespace_everywhere", "Spaces, tabs, CR and LF between every token", NEG,
     ' \t\r\n{ \t\r\n"execute" \t\r\n: \t\r\n"query-status" \t\r\n, \t\r\n"id"\n:\t7\r} \t\r\n'),
    ("blank_lines", "Blank lines alone produce nothing", NEG, "\n\n\r\n  \t\n", PROBE),
    ("number_needs_lookahead", "A top-level number ends only at the next byte", NEG, "42", "\n"),
    ("keyword_needs_lookahead", "A top-level keyword ends only at the next byte", NEG,
     "true", " "),
    ("value_then_request", "A scalar and a request in one write", NEG, "1 " + PROBE),
    ("second_request_split", "Two requests, the second split across writes", NEG,
     send(STATUS + '{"execute": "query-', 'name", "id": 2}\n')),
    # QEMU reads QMP input one byte per main-loop turn: 64 KiB take about 0.2 s.
    ("large_request", "A 64 KiB id string echoed back", NEG,
     send(req("query-name", id="x" * 65536), quiet=2.0)),
    ("many_requests_many_writes", "Ten requests, each split in two writes", NEG,
     send(*[p for i in range(10) for p in ('{"execute": "query-n', f'ame", "id": {i}}}')])),
    ("nested_arguments_over_lines", "arguments spread over lines", NEG,
     '{"execute": "human-monitor-command",\n "arguments": {\n'
     '  "command-line": "info status"\n }\n}\n'),
    ("closing_brace_later", "The closing brace in a later write", NEG,
     '{"execute": "query-status"', "}"),
    ("pipeline_split_writes", "Ten requests split every 37 bytes", NEG,
     send(*[_PIPE[i : i + 37] for i in range(0, len(_PIPE), 37)], gap=0.005)),
])  # fmt: skip

# ------------------------------------------------------------- json errors
# Each: negotiate, send the bad input (one write per item), then PROBE.


def _q(id_text: str) -> str:
    """query-status with an id given as raw JSON text."""
    return '{"execute": "query-status", "id": ' + id_text + "}\n"


def _qb(id_bytes: bytes) -> bytes:
    return b'{"execute": "query-status", "id": ' + id_bytes + b"}\n"


_NUMBERS = (
    "[0, -0, 1, -1, 9223372036854775807, -9223372036854775808, 9223372036854775808,"
    " 18446744073709551615, 18446744073709551616, -9223372036854775809, 0.1, 1.0, 1.5, -0.0,"
    " 1E+2, 1e-5, 2.5e3, 123456789012345678901234567890, 5e-324, 1.7976931348623157e308]"
)

JSON_ERRORS: list[tuple[Any, ...]] = [
    ("unterminated_string_newline", "A newline inside a string", '{"execute": "query-status\n'),
    ("unterminated_object", "An object left open swallows the next request",
     '{"execute": "query-status"\n', '{"execute": "query-name"}\n', "}\n"),
    ("unterminated_array", "An array left open, closed later", _q("[1, 2\n")[:-2], "]}\n"),
    ("stray_close_curly", "A stray }", "}\n"),
    ("stray_close_square", "A stray ]", "]\n"),
    ("stray_colon", "A stray :", ":\n"),
    ("stray_comma", "A stray ,", ",\n"),
    ("mismatched_brackets", "An object closed with ]", '{"execute": "query-status"]\n'),
    ("mismatched_brackets_array", "An array closed with }", "[1, 2}\n"),
    ("extra_close", "A request followed by an extra }", '{"execute": "query-status"}}\n'),
    ("bad_keyword", "An unknown keyword", '{"execute": nul}\n'),
    ("bad_keyword_top_level", "An unknown keyword at top level", "foo\n"),
    ("keyword_too_long", "nulls", _q("nulls")),
    ("keyword_uppercase", "True is not a keyword", '{"execute": True}\n'),
    ("bad_escape_x", "\\x escape", '{"execute": "\\x41"}\n'),
    ("bad_escape_u_nonhex", "\\u with a non-hex digit", '{"execute": "\\u12G4"}\n'),
    ("bad_escape_u_short", "\\u with two digits", '{"execute": "\\u12"}\n'),
    ("escape_u_uppercase_U", "\\U is not an escape", '{"execute": "\\U0041"}\n'),
    ("escape_apostrophe_in_double", "\\' in a double-quoted string (accepted)", _q('"it\\\'s"')),
    ("escapes_all", "Every simple escape echoed back", _q('"\\"\\\\\\/\\b\\f\\n\\r\\t"')),
    ("single_quoted_request", "Single-quoted strings (a QEMU extension)",
     "{'execute': 'query-status', 'id': 'sq'}\n"),
    ("single_quoted_escapes", "Escaped apostrophe and a double quote in single quotes",
     _q("'it\\'s \"q\"'")),
    ("single_quote_unterminated", "An unterminated single-quoted string",
     "{'execute': 'query-status\n"),
    ("invalid_utf8_sequence", "Invalid UTF-8 in a string", b'{"execute": "\xc3\x28"}\n'),
    ("invalid_utf8_continuation", "A lone continuation byte", _qb(b'"\x80"')),
    ("invalid_utf8_truncated", "A truncated 3-byte sequence", _qb(b'"\xe2\x82"')),
    ("utf8_overlong_nul", "Overlong NUL (modified UTF-8 accepts it)", _qb(b'"\xc0\x80"')),
    ("utf8_overlong_slash", "Overlong /", _qb(b'"\xc0\xaf"')),
    ("utf8_overlong_3byte", "Overlong 3-byte NUL", _qb(b'"\xe0\x80\x80"')),
    ("utf8_above_max", "A code point above U+10FFFF", _qb(b'"\xf4\x90\x80\x80"')),
    ("utf8_surrogate", "A surrogate encoded in UTF-8", _qb(b'"\xed\xa0\x80"')),
    ("utf8_noncharacter", "U+FFFF encoded in UTF-8", _qb(b'"\xef\xbf\xbf"')),
    ("byte_fe", "Byte 0xFE in a string", _qb(b'"\xfe"')),
    ("byte_ff_alone", "A lone 0xFF byte", b"\xff"),
    ("byte_ff_resync", "0xFF in the middle of a request", b'{"execute": \xff "query-status"}\n'),
    ("byte_ff_in_string", "0xFF inside a string", b'{"execute": "ab\xffcd"}\n'),
    ("raw_utf8_id", "Raw UTF-8 is echoed as \\u escapes", _q('"\u00e9\u20ac\U0001f600"')),
    ("nul_byte_in_string", "A NUL byte inside a string", b'{"execute": "a\x00b"}\n'),
    ("nul_byte_between_requests", "A NUL byte between requests",
     b'{"execute": "query-status"}\x00{"execute": "query-name"}\n'),
    ("escape_u0000_command", "\\u0000 in a command name", '{"execute": "a\\u0000b"}\n'),
    ("escape_u0000_id", "\\u0000 in an id", _q('"x\\u0000y"')),
    ("lone_high_surrogate", "A lone high surrogate escape", _q('"\\ud800"')),
    ("lone_low_surrogate", "A lone low surrogate escape", _q('"\\udc00"')),
    ("high_surrogate_then_letter", "A high surrogate escape followed by a letter",
     _q('"\\ud83dx"')),
    ("surrogate_pair", "A valid surrogate pair escape", _q('"\\ud83d\\ude00"')),
    ("escape_u_ffff", "\\uFFFF", _q('"\\uffff"')),
    ("control_char_in_string", "A raw control character in a string", _q('"a\x01b"')),
    ("tab_in_string", "A raw tab in a string", _q('"a\tb"')),
    ("del_in_string", "A raw DEL in a string (accepted)", _q('"a\x7fb"')),
    ("control_char_top_level", "A control character between tokens",
     '{"execute":\x01 "query-status"}\n'),
    ("numbers_echoed", "Integers and floats echoed in QEMU's number format", _q(_NUMBERS)),
    ("number_overflow_inf", "1e400 overflows to inf", _q("[1e400, -1e400, 1e-400]")),
    ("number_leading_zero", "01", _q("01")),
    ("number_trailing_dot", "1.", _q("1.")),
    ("number_leading_dot", ".5", _q(".5")),
    ("number_plus", "+1", _q("+1")),
    ("number_lone_minus", "-", _q("-")),
    ("number_bad_exponent", "1e", _q("1e")),
    ("number_hex", "0x10", _q("0x10")),
    ("interpolation_percent", "%s is not accepted on the wire", '{"execute": %s}\n'),
    ("stray_at", "A stray @", '{"execute": @}\n'),
    ("error_recovery_skips_to_structural",
     "After a lexer error, input up to the next structural character is skipped",
     '{"execute": "q" @abc def, "id": 1}\n'),
    ("top_level_scalars", "Scalars are not objects",
     "42 ", "true ", '"str" ', "[] ", "null\n", "1.5\n"),
    ("key_not_string", "A non-string key", "{1: 2}\n"),
    ("missing_colon", "A missing colon", '{"execute" "query-status"}\n'),
    ("missing_value", "A missing value", '{"execute": }\n'),
    ("trailing_comma_object", "A trailing comma in an object", '{"execute": "query-status",}\n'),
    ("trailing_comma_array", "A trailing comma in an array", _q("[1,]")),
    ("double_comma", "Two commas", '{"execute": "query-status",, "id": 1}\n'),
    ("colon_in_array", "A colon in an array", _q("[1: 2]")),
    ("duplicate_key", "A duplicate key", '{"execute": "stop", "execute": "query-status"}\n'),
    ("depth_1024", "Nesting depth 1024 (the object plus 1023 arrays) is accepted",
     _q("[" * 1023 + "]" * 1023)),
    ("depth_1025_open", "1025 open brackets exceed the nesting limit", "[" * 1025 + "\n"),
    ("depth_1025_then_closers", "Over the limit, then three closing brackets",
     '{"id": ' + "[" * 1024 + "]]]\n"),
    ("depth_1024_array", "A top-level array nested 1024 deep", "[" * 1024 + "]" * 1024 + "\n"),
    ("long_command_name", "A 10 KiB command name", req("q" * 10240)),
    ("errors_and_requests_one_write", "Errors and good requests in one write",
     "}" + req("query-status", id=1) + "]\n" + req("no-such", id=2) + "{,}\n"),
    ("empty_object", "{}", "{}\n"),
    ("empty_string_key", "An empty key", '{"": 1, "execute": "query-status"}\n'),
]  # fmt: skip
table("json_errors", [(name, desc, NEG, *bad, PROBE) for name, desc, *bad in JSON_ERRORS])

# ----------------------------------------------------------- request shape

_IDS: tuple[Any, ...] = (0, -1, 7, 1.5, "", "s", None, True, False, [], {}, [1, "a", None],
        {"a": {"b": [1, {"c": 2}]}}, {"z": 1, "a": 2, "m": 3})  # fmt: skip

SHAPE: list[tuple[Any, ...]] = [
    ("not_object_array", "A request that is an array", '["query-status"]\n'),
    ("not_object_string", "A request that is a string", '"query-status"\n'),
    ("execute_number", "execute: 1", '{"execute": 1}\n'),
    ("execute_null", "execute: null", '{"execute": null, "id": 1}\n'),
    ("execute_object", "execute: {}", '{"execute": {}}\n'),
    ("execute_list", "execute: [...]", '{"execute": ["query-status"]}\n'),
    ("execute_bool", "execute: true", '{"execute": true}\n'),
    ("execute_empty_string", 'execute: ""', '{"execute": ""}\n'),
    ("missing_execute_with_id", "No execute, with an id", '{"id": "x"}\n'),
    ("only_arguments", "Only arguments", '{"arguments": {}}\n'),
    ("unknown_member", "An unknown member", '{"execute": "query-status", "foo": 1}\n'),
    ("unknown_member_with_id", "An unknown member with an id",
     '{"execute": "query-status", "foo": 1, "id": 3}\n'),
    ("execute_capitalised", "Member names are case-sensitive", '{"Execute": "query-status"}\n'),
    ("arguments_list", "arguments: []", '{"execute": "query-status", "arguments": []}\n'),
    ("arguments_string", 'arguments: ""',
     '{"execute": "query-status", "arguments": "", "id": 1}\n'),
    ("arguments_null", "arguments: null", '{"execute": "query-status", "arguments": null}\n'),
    ("arguments_number", "arguments: 0", '{"execute": "query-status", "arguments": 0}\n'),
    ("several_problems_a", "Several problems: which one QEMU reports",
     '{"execute": 1, "arguments": [], "foo": 0}\n'),
    ("several_problems_b", "Several problems, without execute", '{"foo": 0, "arguments": []}\n'),
    ("several_problems_c", "Unknown members only", '{"zzz": 0, "aaa": 1, "id": 2}\n'),
    ("several_problems_d", "Unknown member and wrong execute type",
     '{"bar": 0, "execute": 5}\n'),
    ("id_types", "Every JSON type as id", *[req("query-name", id=v) for v in _IDS]),
    ("id_on_errors", "The id is echoed on errors", req("no-such", id={"k": [1]}),
     req("query-status", {"x": 1}, id=[None]), '{"execute": 1, "id": "e"}\n'),
    ("id_member_order", "Where id goes in returns and errors", req("query-status", id="r"),
     req("query-name", id="n"), req("nope", id="e")),
    ("exec_oob_without_oob", "exec-oob when OOB was not negotiated",
     req(oob="query-status", id=1)),
    ("execute_and_exec_oob_without_oob", "Both execute and exec-oob, OOB off",
     '{"execute": "query-name", "exec-oob": "query-name", "id": 1}\n'),
]  # fmt: skip
table("request_shape", [(name, desc, NEG, *bad, PROBE) for name, desc, *bad in SHAPE])
table("request_shape", [
    ("execute_and_exec_oob_with_oob", "Both execute and exec-oob, OOB on", NEG_OOB,
     '{"execute": "query-name", "exec-oob": "query-name"}\n',
     '{"exec-oob": "query-name", "execute": 3}\n'),
    ("exec_oob_not_allowed", "exec-oob of commands without allow-oob", NEG_OOB,
     oob("query-status", 1), oob("stop")),
    ("exec_oob_unknown", "exec-oob of an unknown command", NEG_OOB, oob("no-such-command", 1)),
    ("exec_oob_x_oob_test", "x-oob-test exists only in test builds", NEG_OOB,
     oob("x-oob-test", 1)),
    ("exec_oob_number", "exec-oob: 1", NEG_OOB, '{"exec-oob": 1}\n'),
    ("exec_oob_bad_arguments", "exec-oob with arguments: []", NEG_OOB,
     '{"exec-oob": "query-status", "arguments": [], "id": 4}\n'),
    ("exec_oob_then_in_band", "With OOB on, in-band requests still work", NEG_OOB,
     oob("query-name", "o"), cmd("query-name", id="i")),
])  # fmt: skip

# ---------------------------------------------------------------- commands

HMC = "human-monitor-command"
_NO_ARGS = ("query-version", "query-commands", "query-name", "query-uuid", "query-kvm",
            "query-target", "query-machines", "query-cpus-fast", "stop", "cont",
            "system_reset", "system_powerdown", "quit")  # fmt: skip


def _hmc(command_line: Any = _UNSET, **extra: Any) -> Step:
    args = dict(extra)
    if command_line is not _UNSET:
        args["command-line"] = command_line
    return cmd(HMC, args)


table("commands", [
    ("unknown_command", "An unknown command", NEG, cmd("no-such-command")),
    ("unknown_command_id", "An unknown command with an id", NEG, cmd("no-such-command", id=42)),
    ("unknown_command_odd_names", "Unknown command names with odd characters", NEG,
     *[cmd(n) for n in ("", "query status", "Query-Status", "query_status", "\u00e9t\u00e9",
                        'a"b\\c')]),
    ("removed_command", "query-cpus was removed in QEMU 6.0", NEG, cmd("query-cpus")),
    ("query_version", "query-version", NEG, cmd("query-version", id=1)),
    ("query_commands", "query-commands", NEG, cmd("query-commands")),
    ("query_status", "query-status", NEG, cmd("query-status")),
    ("query_status_empty_arguments", "query-status with arguments {}", NEG,
     cmd("query-status", {})),
    ("query_name_unset", "query-name without -name", NEG, cmd("query-name")),
    ("query_name_set", "query-name with -name", NEG, cmd("query-name"), Opts(("-name", "vm1"))),
    ("query_name_guest", "query-name with -name guest=...,debug-threads=on", NEG,
     cmd("query-name"), Opts(("-name", "guest=vm2,debug-threads=on"))),
    ("query_name_unicode", "query-name with a non-ASCII name", NEG, cmd("query-name"),
     hmp("info name"), Opts(("-name", "v\u00e9m"))),
    ("query_uuid_unset", "query-uuid without -uuid", NEG, cmd("query-uuid")),
    ("query_uuid_set", "query-uuid with -uuid (upper case in, lower case out)", NEG,
     cmd("query-uuid"), hmp("info uuid"), Opts(("-uuid", "12345678-9ABC-DEF0-1234-56789ABCDEF0"))),
    ("query_kvm", "query-kvm", NEG, cmd("query-kvm")),
    ("query_target", "query-target", NEG, cmd("query-target")),
    ("query_machines", "query-machines", NEG, cmd("query-machines")),
    ("query_cpus_fast", "query-cpus-fast: no CPUs on -M none", NEG, cmd("query-cpus-fast")),
    ("args_query_status_unexpected", "query-status with an argument", NEG,
     cmd("query-status", {"x": 1})),
    ("args_unexpected_null", "An unexpected argument whose value is null", NEG,
     cmd("query-name", {"x": None})),
    ("args_two_unexpected", "Two unexpected arguments: which is reported", NEG,
     cmd("stop", {"a": 1, "b": 2}), cmd("stop", {"b": 1, "a": 2})),
    ("args_unexpected_each_command", "An unexpected argument to each command", NEG,
     *[cmd(c, {"bogus": 1}) for c in _NO_ARGS]),
    ("args_hmp_missing", "human-monitor-command without command-line", NEG, _hmc(), cmd(HMC)),
    ("args_hmp_wrong_types", "human-monitor-command with wrong argument types", NEG,
     _hmc(1), _hmc(None), _hmc(["info status"]), _hmc("info status", **{"cpu-index": "0"}),
     _hmc("info status", **{"cpu-index": 1.5}), _hmc("info status", **{"cpu-index": True})),
    ("args_hmp_cpu_index", "cpu-index with no CPUs", NEG,
     _hmc("info status", **{"cpu-index": 0}), _hmc("info status", **{"cpu-index": -1})),
    ("args_hmp_unexpected", "human-monitor-command with an unknown argument", NEG,
     _hmc("info status", foo=1)),
    ("args_hmp_missing_and_unexpected", "Missing command-line and an unknown argument", NEG,
     _hmc(foo=1)),
    ("args_caps_enable_string", 'enable: "oob" after negotiation', NEG,
     cmd(CAPS, {"enable": "oob"})),
    ("hmp_info_status", "HMP info status", NEG, hmp("info status")),
    ("hmp_info_name", "HMP info name without -name prints nothing", NEG, hmp("info name")),
    ("hmp_info_name_set", "HMP info name with -name", NEG, hmp("info name"),
     Opts(("-name", "vm1"))),
    ("hmp_info_version", "HMP info version", NEG, hmp("info version")),
    ("hmp_info_uuid", "HMP info uuid", NEG, hmp("info uuid")),
    ("hmp_info_kvm", "HMP info kvm", NEG, hmp("info kvm")),
    ("hmp_help_stop", "HMP help stop", NEG, hmp("help stop")),
    ("hmp_help_info_status", "HMP help info status", NEG, hmp("help info status")),
    ("hmp_unknown_command", "Unknown HMP commands", NEG, hmp("foo"), hmp("info foo"),
     hmp("help foo")),
    ("hmp_empty_command", "Empty HMP command lines", NEG, hmp(""), hmp("   ")),
    ("hmp_extraneous", "Extra characters after an HMP command", NEG, hmp("info status extra"),
     hmp("stop extra")),
    ("hmp_whitespace", "Extra whitespace around an HMP command", NEG, hmp("  info   status  ")),
    ("hmp_with_id", "human-monitor-command with an id", NEG, hmp("info status", id="h")),
])  # fmt: skip

# ---------------------------------------------------------------- runstate

STATUS_STEP = cmd("query-status")

table("runstate", [
    ("status_running", "query-status after start", NEG, STATUS_STEP),
    ("stop", "stop: STOP event, then the return", NEG, cmd("stop"), STATUS_STEP),
    ("stop_with_id", "stop with an id", NEG, cmd("stop", id="s")),
    ("stop_stop", "A second stop raises no event", NEG, cmd("stop"), cmd("stop"), STATUS_STEP),
    ("cont_running", "cont while running raises no event", NEG, cmd("cont"), cmd("cont"),
     STATUS_STEP),
    ("stop_cont", "stop then cont: STOP then RESUME", NEG, cmd("stop"), cmd("cont"),
     STATUS_STEP),
    ("stop_cont_one_write", "stop, cont, query-status in one write", NEG,
     req("stop", id=1) + req("cont", id=2) + req("query-status", id=3)),
    ("prelaunch_status", "-S: prelaunch", NEG, STATUS_STEP, hmp("info status"), PAUSED),
    ("prelaunch_cont", "-S, cont: RESUME and running", NEG, cmd("cont"), STATUS_STEP, PAUSED),
    ("prelaunch_stop", "-S, stop: no event, still prelaunch", NEG, cmd("stop"), STATUS_STEP,
     PAUSED),
    ("prelaunch_reset", "-S, system_reset", NEG, cmd("system_reset"), STATUS_STEP, PAUSED),
    ("prelaunch_powerdown", "-S, system_powerdown", NEG, cmd("system_powerdown"), STATUS_STEP,
     PAUSED),
    ("reset_running", "system_reset while running", NEG, cmd("system_reset"), STATUS_STEP),
    ("reset_paused", "system_reset while paused moves to prelaunch", NEG, cmd("stop"),
     cmd("system_reset"), STATUS_STEP, cmd("cont"), STATUS_STEP),
    ("reset_twice", "Two resets", NEG, cmd("system_reset"), cmd("system_reset", id=2)),
    ("powerdown_running", "system_powerdown while running", NEG, cmd("system_powerdown"),
     STATUS_STEP),
    ("powerdown_paused", "system_powerdown while paused", NEG, cmd("stop"),
     cmd("system_powerdown"), STATUS_STEP),
    ("quit_running", "quit: SHUTDOWN, return, EOF", NEG, cmd("quit"), expect_eof()),
    ("quit_with_id", "quit with an id", NEG, cmd("quit", id="bye"), expect_eof()),
    ("quit_paused", "quit while paused", NEG, cmd("stop"), cmd("quit"), expect_eof()),
    ("quit_prelaunch", "quit in prelaunch", NEG, cmd("quit"), expect_eof(), PAUSED),
    ("quit_oob_enabled", "quit with OOB negotiated", NEG_OOB, cmd("quit"), expect_eof()),
    ("hmp_stop_cont", "HMP stop and cont raise events", NEG, hmp("stop"), hmp("info status"),
     hmp("cont"), hmp("info status")),
    ("hmp_stop_abbrev", "HMP s is stop, c is cont", NEG, hmp("s"), hmp("c")),
    ("hmp_info_status_prelaunch", "HMP info status in prelaunch", NEG, hmp("info status"),
     PAUSED),
    ("hmp_reset_powerdown", "HMP system_reset and system_powerdown", NEG, hmp("system_reset"),
     hmp("system_powerdown")),
    ("hmp_quit", "HMP quit", NEG, hmp("quit"), expect_eof()),
    ("events_sequence", "A whole run-state sequence with its events", NEG, cmd("stop"),
     cmd("stop"), cmd("system_reset"), STATUS_STEP, cmd("cont"), cmd("system_powerdown"),
     cmd("stop"), cmd("cont"), STATUS_STEP, cmd("quit"), expect_eof(), PAUSED),
])  # fmt: skip

# -------------------------------------------------------------- pipelining


def _alternate(i: int) -> str:
    return req("query-status" if i % 2 else "query-name", id=i)


def _mixed_errors(i: int) -> str:
    return [req("query-name", id=i), "}", f'{{"id": {i}}}', req("nope", id=i),
            req("query-status", {"x": 1}, id=i), "[1]"][i % 6]  # fmt: skip


def _events(i: int) -> str:
    return req(["stop", "query-status", "cont", "query-name"][i % 4], id=i)


def _hmp_line(i: int) -> str:
    return req(HMC, {"command-line": ["info status", "info name", "help stop"][i % 3]}, id=i)


def _after_quit(oob_on: bool) -> tuple[Any, ...]:
    tail = burst(5, lambda i: req("query-name", id=i + 3))
    return (NEG_OOB if oob_on else NEG, STATUS + req("quit", id=2) + tail, expect_eof())


table("pipelining", [
    ("pipeline_20", "20 requests with ids in one write, OOB off", NEG, burst(20, _alternate)),
    ("pipeline_20_oob", "20 requests with ids in one write, OOB on", NEG_OOB,
     burst(20, _alternate)),
    ("pipeline_30_oob_queue_limit",
     "30 in-band requests with OOB on: past the queue limit of 8, none dropped", NEG_OOB,
     burst(30, lambda i: req("query-name", id=i))),
    ("pipeline_100", "100 requests in one write", NEG,
     burst(100, lambda i: req("query-name", id=i, nl=False))),
    ("pipeline_errors_mixed", "Parse errors, shape errors and good requests in one write", NEG,
     burst(12, _mixed_errors)),
    ("pipeline_events", "stop and cont in a pipeline: events between returns", NEG,
     burst(8, _events)),
    ("pipeline_exec_oob_oob_off", "exec-oob mixed in with OOB off: answered in order", NEG,
     burst(20, lambda i: req(oob="query-name", id=i) if i % 3 == 0 else _alternate(i))),
    ("pipeline_exec_oob_first", "exec-oob requests first, then in-band, OOB on", NEG_OOB,
     burst(20, lambda i: req(oob="query-name", id=i) if i < 3 else req("query-name", id=i))),
    ("pipeline_caps_oob_then_exec_oob", "Enable OOB and use exec-oob in the same write",
     GREETING, req(CAPS, {"enable": ["oob"]}) + req(oob="query-name", id=1)
     + req("query-name", id=2)),
    ("pipeline_quit_middle", "Requests after quit in the same write are not answered",
     *_after_quit(False)),
    ("pipeline_quit_middle_oob", "The same with OOB on", *_after_quit(True)),
    ("pipeline_hmp", "HMP commands in a pipeline", NEG, burst(6, _hmp_line)),
    ("pipeline_before_negotiation", "A pipeline before negotiation", GREETING,
     burst(5, lambda i: req("query-status", id=i))),
])  # fmt: skip

# ---------------------------------------------------------------- monitors

N0, N1 = negotiate(0, 0), negotiate(1, 1)

table("monitors", [
    ("two_monitors_events_both", "Events go to both negotiated monitors", N0, N1, cmd("stop"),
     cmd("cont", conn=1), cmd("system_reset"), TWO),
    ("two_monitors_one_negotiated", "Events skip a connected but unnegotiated monitor", N0,
     connect(1, 1), cmd("stop"), cmd(CAPS, conn=1), cmd("cont"), TWO),
    ("two_monitors_shared_state", "Run state is shared between monitors", N0, N1, cmd("stop"),
     cmd("query-status", conn=1), TWO),
    ("two_monitors_oob_per_monitor", "OOB is negotiated per monitor", negotiate(0, 0, True), N1,
     oob("query-name", 0), oob("query-name", 1, conn=1), TWO),
    ("two_monitors_quit", "quit on one monitor: the other gets SHUTDOWN and EOF", N0, N1,
     cmd("quit", conn=1), expect_eof(1), expect_eof(0), TWO),
    ("two_monitors_interleaved", "Requests on two monitors in turn", N0, N1,
     cmd("query-name", id="a"), cmd("query-name", id="b", conn=1), cmd("query-status", id="c"),
     TWO),
    ("second_client_waits", "A second client on the same socket waits for the first", N0,
     connect(1, 0), cmd("query-status", conn=1), close(0), cmd("query-status", conn=1)),
    ("reconnect_new_greeting", "After a disconnect the next client gets a new greeting", NEG,
     close(), GREETING, cmd(CAPS), cmd("query-name")),
    ("disconnect_mid_request", "A half-sent request is discarded on disconnect", NEG,
     '{"execute": "query-st', close(), GREETING, 'atus"}\n', cmd(CAPS), STATUS_STEP),
    ("disconnect_after_request", "A disconnect right after a request: it still runs", NEG,
     req("stop"), close(), NEG, STATUS_STEP),
    ("disconnect_with_pipeline", "A disconnect right after a pipeline", NEG,
     burst(5, lambda i: req("query-name", id=i)), close(), NEG, cmd("query-name")),
    ("shutdown_write_side", "Half-close after a request: answered, then EOF", NEG,
     req("query-status"), shutdown_wr(), connect(1, 0)),
    ("shutdown_write_side_pipeline", "Half-close after a pipeline: all answered, then EOF",
     NEG, burst(3, lambda i: req("query-name", id=i)), shutdown_wr()),
    ("events_after_reconnect", "Events reach a reconnected monitor once it renegotiates", N0,
     N1, close(0), connect(0, 0), cmd("stop", conn=1), cmd(CAPS), cmd("cont", conn=1), TWO),
    ("idle_then_request", "A request after an idle second", NEG, sleep(1.0), STATUS_STEP),
    ("mon_control", "A -mon mode=control monitor on a -chardev socket", negotiate(0, 1),
     STATUS_STEP, MON),
    ("mon_control_events_both", "Events to a -qmp and a -mon monitor", N0, N1, cmd("stop"), MON),
])  # fmt: skip

# -------------------------------------------------------------------- yank

_YANK_MANY = Opts(
    (
        "-chardev",
        "socket,id=s1,path={tmp}/s1.sock,server=on,wait=off",
        "-chardev",
        "null,id=n0",
        "-monitor",
        "unix:{tmp}/hmp.sock,server=on,wait=off",
        "-qmp",
        "unix:{tmp}/qmp1.sock,server=on,wait=off",
    ),
    ("qmp0.sock", "qmp1.sock"),
)


def _yank(*instances: Any, id: Any = _UNSET) -> Step:
    return cmd("yank", {"instances": list(instances)}, id)


table("yank", [
    ("query_yank", "query-yank: each socket chardev is a yank instance", NEG, cmd("query-yank")),
    ("query_yank_many", "query-yank lists socket chardevs in the order they were made", NEG,
     cmd("query-yank", id=1), _YANK_MANY),
    ("query_yank_oob", "query-yank out of band", NEG_OOB, oob("query-yank", id="o")),
    ("yank_nothing", "yank with no instances", NEG, _yank(id=1)),
    ("yank_unknown", "yank of instances that do not exist", NEG,
     _yank({"type": "chardev", "id": "nope"}), _yank({"type": "block-node", "node-name": "x"}),
     _yank({"type": "migration"}), PROBE),
    ("yank_all_or_nothing", "One unknown instance: nothing is yanked", NEG,
     _yank({"type": "chardev", "id": "s1"}, {"type": "chardev", "id": "n0"}, id=2),
     cmd("query-yank", id=3), _YANK_MANY),
    ("yank_bad_arguments", "yank with malformed instances", NEG,
     cmd("yank"), cmd("yank", {"instances": "x"}), _yank({"type": "chardev"}),
     _yank({"type": "floppy", "id": "x"}), _yank({"id": "x"}), _yank(1),
     _yank({"type": "chardev", "id": 5}), _yank({"type": "chardev", "id": "s1", "x": 1}), PROBE,
     _YANK_MANY),
    ("yank_idle_server", "yank of a listening socket without a client", NEG,
     _yank({"type": "chardev", "id": "s1"}, id=4), PROBE, _YANK_MANY),
    ("yank_connected_monitor", "yank cuts a monitor's client, which can come back", NEG,
     negotiate(1, 1), cmd("query-name", id="before", conn=1),
     _yank({"type": "chardev", "id": "s1"}, id=5),
     expect_eof(1), connect(1, 1), cmd("qmp_capabilities", conn=1),
     cmd("query-name", id="after", conn=1),
     Opts(("-chardev", "socket,id=s1,path={tmp}/s1.sock,server=on,wait=off",
           "-mon", "chardev=s1,mode=control"), ("qmp0.sock", "s1.sock"))),
])  # fmt: skip


# ------------------------------------------------------------------ pretty

NP = negotiate(0, 1)

table("pretty", [
    ("pretty_greeting", "-qmp-pretty: the greeting", connect(0, 1), PRETTY),
    ("pretty_empty_return", "-qmp-pretty: an empty return", NP, PRETTY),
    ("pretty_status", "-qmp-pretty: query-status", NP, STATUS_STEP, PRETTY),
    ("pretty_version", "-qmp-pretty: query-version", NP, cmd("query-version"), PRETTY),
    ("pretty_empty_list", "-qmp-pretty: an empty list", NP, cmd("query-cpus-fast"), PRETTY),
    ("pretty_string", "-qmp-pretty: a string return with escapes", NP, hmp("info status"),
     PRETTY),
    ("pretty_error", "-qmp-pretty: errors", NP, cmd("no-such", id=1), "}\n", PRETTY),
    ("pretty_event", "-qmp-pretty: events", NP, cmd("stop"), cmd("cont"), PRETTY),
    ("pretty_ids", "-qmp-pretty: nested ids with empty containers", NP,
     cmd("query-name", id=[1, {"a": [], "b": {}}, [], {}, "s", None, True, 1.5]), PRETTY),
    ("pretty_query_commands", "-qmp-pretty: query-commands", NP, cmd("query-commands"), PRETTY),
    ("pretty_before_negotiation", "-qmp-pretty: an error before negotiation", connect(0, 1),
     STATUS_STEP, PRETTY),
    ("pretty_quit", "-qmp-pretty: quit", NP, cmd("quit"), expect_eof(), PRETTY),
    ("pretty_and_plain_events", "An event on a pretty and a plain monitor", N0, N1,
     cmd("stop"), PRETTY),
    ("mon_pretty_on", "-mon pretty=on: greeting, return, error, event", NP, STATUS_STEP,
     cmd("nope"), cmd("stop"), MON_PRETTY),
    ("mon_pretty_off", "-mon pretty=off is compact", NP, STATUS_STEP, MON_PRETTY_OFF),
    ("mon_pretty_quit", "-mon pretty=on: quit", NP, cmd("quit"), expect_eof(), MON_PRETTY),
])  # fmt: skip


# --------------------------------------------------- what libvirt asks about

_CAPS = "migrate-set-capabilities"


def _caps(*pairs: tuple[str, Any], id: Any = _UNSET) -> Step:
    return cmd(_CAPS, {"capabilities": [{"capability": c, "state": s} for c, s in pairs]}, id)


def _qom_list(path: Any, id: Any = _UNSET) -> Step:
    return cmd("qom-list", {"path": path}, id)


def _qom_get(path: Any, prop: Any, id: Any = _UNSET) -> Step:
    return cmd("qom-get", {"path": path, "property": prop}, id)


_CHARDEVS = Opts(
    (
        "-chardev", "null,id=n0",
        "-chardev", "socket,id=s1,path=s1.sock,server=on,wait=off",
        "-chardev", "socket,id=mx,path=mx.sock,server=on,wait=off,mux=on",
        "-mon", "chardev=mx,mode=readline",
    ),
)  # fmt: skip
_PC = Opts(("-M", "pc"))
_MACHINE_PROPS = (
    "type", "kernel", "dt-compatible", "boot", "memory", "initrd",
    "confidential-guest-support", "graphics", "usb", "firmware", "memory-encryption", "smp",
    "dump-guest-core", "phandle-start", "dumpdtb", "memory-backend", "dtb", "mem-merge",
    "append", "suppress-vmdesc", "peripheral-anon", "peripheral", "unattached",
)  # fmt: skip

table("libvirt", [
    ("lv_device_queries", "query-block, -named-block-nodes, -iothreads, -chardev-backends", NEG,
     cmd("query-block", id=1), cmd("query-named-block-nodes", id=2),
     cmd("query-named-block-nodes", {"flat": True}, id=3), cmd("query-iothreads", id=4),
     cmd("query-chardev-backends", id=5), cmd("query-named-block-nodes", {"flat": 1}, id=6)),
    ("lv_hotpluggable_cpus_none", "query-hotpluggable-cpus on -M none", NEG,
     cmd("query-hotpluggable-cpus", id=1)),
    ("lv_hotpluggable_cpus_pc", "query-hotpluggable-cpus on -M pc", NEG,
     cmd("query-hotpluggable-cpus", id=1), cmd("query-block"), cmd("query-migrate"), _PC),
    ("lv_migrate_idle", "query-migrate, capabilities and parameters of a fresh machine", NEG,
     cmd("query-migrate", id=1), cmd("query-migrate-capabilities", id=2),
     cmd("query-migrate-parameters", id=3)),
    ("lv_migrate_caps_kept", "migrate-set-capabilities is kept; an empty list changes nothing",
     NEG, _caps(("xbzrle", True), ("events", True), id=1), _caps(id=2),
     _caps(("xbzrle", False), ("x-colo", True), ("block", True), ("postcopy-ram", True)),
     cmd("query-migrate-capabilities", id=3)),
    ("lv_migrate_caps_errors", "migrate-set-capabilities: QEMU's checks, all or nothing", NEG,
     _caps(("postcopy-preempt", True), id=1), _caps(("zero-copy-send", True), id=2),
     _caps(("multifd", True), ("compress", True), id=3),
     _caps(("postcopy-ram", True), ("x-ignore-shared", True), id=4),
     _caps(("postcopy-ram", True), ("compress", True), id=5),
     _caps(("postcopy-preempt", True), id=6), _caps(("multifd", True), id=7),
     _caps(("compress", False), ("postcopy-preempt", True), id=8),
     _caps(("zero-copy-send", True), id=9), cmd("query-migrate-capabilities", id=10)),
    ("lv_migrate_background_snapshot", "background-snapshot against each capability", NEG,
     *(send(req(_CAPS, {"capabilities": [{"capability": c, "state": True},
                                         {"capability": "background-snapshot", "state": True}]},
                id=c))
       for c in ("postcopy-ram", "dirty-bitmaps", "postcopy-blocktime", "late-block-activate",
                 "return-path", "multifd", "pause-before-switchover", "auto-converge",
                 "release-ram", "rdma-pin-all", "compress", "xbzrle", "x-colo",
                 "validate-uuid", "zero-copy-send", "events", "zero-blocks", "block",
                 "x-ignore-shared", "postcopy-preempt")),
     _caps(("background-snapshot", True), id="alone"), cmd("query-migrate-capabilities")),
    ("lv_migrate_caps_bad_arguments", "migrate-set-capabilities with bad arguments", NEG,
     cmd(_CAPS), cmd(_CAPS, {"capabilities": {}}), cmd(_CAPS, {"capabilities": [1]}),
     cmd(_CAPS, {"capabilities": [{"capability": "nope", "state": True}]}),
     cmd(_CAPS, {"capabilities": [{"capability": "xbzrle"}]}),
     cmd(_CAPS, {"capabilities": [{"state": True}]}),
     cmd(_CAPS, {"capabilities": [{"capability": "xbzrle", "state": 1}]}),
     cmd(_CAPS, {"capabilities": [{"capability": "xbzrle", "state": True, "x": 1}]}),
     cmd(_CAPS, {"capabilities": [{"capability": "xbzrle", "state": True},
                                  {"capability": "nope", "state": True}]}),
     cmd(_CAPS, {"capabilities": [], "x": 1}), cmd("query-migrate-capabilities", id=1)),
    ("lv_qom_list", "qom-list of the null machine's tree", NEG,
     *(_qom_list(p, id=p) for p in ("/", "/machine", "/chardevs", "/machine/peripheral",
                                    "/machine/peripheral-anon", "/machine/unattached",
                                    "/machine/unattached/sysbus", "/machine/unattached/io[0]",
                                    "/machine/unattached/system[0]",
                                    "/chardevs/compat_monitor0", "/objects"))),
    ("lv_qom_list_objects", "/objects appears once query-iothreads asked for it", NEG,
     _qom_list("/objects", id=1), _qom_list("/", id=2), cmd("query-iothreads", id=3),
     _qom_list("/", id=4), _qom_list("/objects", id=5), _qom_get("/objects", "type", id=6)),
    ("lv_qom_paths", "qom-list: partial, odd and unknown paths", NEG,
     *(_qom_list(p, id=p) for p in ("machine", "/machine/", "//machine", "unattached/sysbus",
                                    "io[0]", "peripheral", "compat_monitor0", "", "x", "/x",
                                    "/machine/type", "/machine/x", "chardevs/x", "type",
                                    "/chardevs/compat_monitor0/x"))),
    ("lv_qom_list_bad_arguments", "qom-list with bad arguments", NEG,
     cmd("qom-list"), cmd("qom-list", {"path": 1}), cmd("qom-list", {"path": "/", "x": 1}),
     cmd("qom-list", {"path": None}), PROBE),
    ("lv_qom_get_machine", "qom-get of every property of /machine", NEG,
     *(_qom_get("/machine", p, id=p) for p in _MACHINE_PROPS)),
    ("lv_qom_get", "qom-get elsewhere in the tree, and its errors", NEG,
     _qom_get("/", "type"), _qom_get("/", "machine"), _qom_get("/", "chardevs"),
     _qom_get("/chardevs", "compat_monitor0"), _qom_get("/chardevs/compat_monitor0", "type"),
     _qom_get("/chardevs/compat_monitor0", "connected"),
     _qom_get("/machine/unattached/sysbus", "realized"),
     _qom_get("/machine/unattached/sysbus", "hotplug-handler"),
     _qom_get("/machine/unattached/sysbus", "type"),
     *(_qom_get(f"/machine/unattached/{mr}", p)
       for mr in ("io[0]", "system[0]") for p in ("container", "addr", "size", "priority", "type")),
     _qom_get("machine", "type"), _qom_get("sysbus", "type"), _qom_get("", "type", id=1),
     _qom_get("/nope", "type", id=2), _qom_get("/machine", "nope", id=3),
     _qom_get("/", "nope", id=4), _qom_get("/machine/unattached/sysbus", "nope", id=5),
     _qom_get("/chardevs/compat_monitor0", "nope", id=6), _qom_get("/machine/unattached", "x"),
     cmd("qom-get", {"path": "/machine"}), cmd("qom-get", {"property": "type"}),
     cmd("qom-get", {"path": "/", "property": 1}), PROBE),
    ("lv_qom_chardevs", "qom-list and qom-get of several chardevs", NEG,
     _qom_list("/chardevs", id=1), _qom_list("/chardevs/n0", id=2),
     _qom_list("/chardevs/s1", id=3), _qom_list("/chardevs/mx", id=4),
     _qom_list("/chardevs/mx-base", id=5), _qom_get("/chardevs/s1", "connected", id=6),
     _qom_get("/chardevs/s1", "addr", id=7), _qom_get("/chardevs/n0", "type", id=8),
     _qom_get("/chardevs/mx", "type", id=9), _qom_get("/chardevs/mx-base", "type", id=10),
     _qom_get("/chardevs/n0", "addr", id=11), _qom_get("/chardevs/mx-base", "addr", id=12),
     _CHARDEVS),
])  # fmt: skip

# The block, chardev, devices, machine, migration, net, queries and ui themes live in their
# own modules (this one is near its size limit).
from qmonitor_testsupport import qmp_corpus_block as _block  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_chardev as _chardev  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_devices as _devices  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_drives as _drives  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_jobs as _jobs  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_machine as _machine  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_migration as _migration  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_net as _net  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_nics as _nics  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_nodes as _nodes  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_queries as _queries  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_snapshots as _snapshots  # noqa: E402, F401
from qmonitor_testsupport import qmp_corpus_ui as _ui  # noqa: E402, F401
