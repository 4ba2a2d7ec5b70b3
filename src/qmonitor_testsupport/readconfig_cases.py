"""``-readconfig`` files recorded from QEMU, for tests/options/test_readconfig.py.

Each case is a configuration file and the options around it.  The runner
writes the file as ``{tmp}/qemu.cfg`` in a fresh directory, starts the
program with ``-M none -display none -nodefaults`` and a QMP probe socket,
and records what it printed, its exit status, and -- when it kept running --
the replies to :data:`PROBES`.  ``tools/record_readconfig.py`` records
QEMU; the tests run qmonitor through the same :func:`run_case`.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

BASE = ["-M", "none", "-display", "none", "-nodefaults"]
CONFIG = "{tmp}/qemu.cfg"
PROBE = ["-qmp", "unix:{tmp}/probe.sock,server=on,wait=off"]
#: How long a command line may take to open its probe socket (it fails sooner).
STARTUP_SECONDS = 30.0

#: What a started case is asked, in order.
PROBES: list[dict[str, Any]] = [
    {"execute": "query-memdev"},
    {"execute": "qom-list", "arguments": {"path": "/objects"}},
    {"execute": "query-spice"},
    {"execute": "query-name"},
]

NULL_CHARDEV = '[chardev "c"]\nbackend = "null"\n'
RNG = '[object]\nqom-type = "rng-builtin"\nid = "r"\n'
RAM_BACKEND = '[object]\nqom-type = "memory-backend-ram"\nid = "m0"\nsize = "4M"\n'
QMP_SECTIONS = (
    '[chardev "q"]\nbackend = "socket"\npath = "{tmp}/q.sock"\nserver = "on"\nwait = "off"\n'
    '[mon "m"]\nchardev = "q"\nmode = "control"\n'
)

#: (name, file contents, options before ``-readconfig``, options after it).
CASES: list[tuple[str, str, list[str], list[str]]] = [
    # readconfig-test's three files
    ("memdev", '[memory]\nsize = "200"', [], []),
    ("spice", '[spice]\ndisable-ticketing = "on"\nunix = "on"\n', [], []),
    ("object_rng", '[object]\nqom-type = "rng-builtin"\nid = "rng0"\n', [], []),
    # the file format
    ("comments_and_blank_lines", '# a comment\n\n[name]\n# more\nguest = "vm1"\n\n', [], []),
    ("id_in_header", '[chardev "c0"]\nbackend = "null"\n[mon]\nchardev = "c0"\n', [], []),
    ("blanks_around", '[name]\n   guest   =   "a b"  \n', [], []),
    ("empty_value", '[name]\nguest = ""\n', [], []),
    ("no_closing_quote", '[name]\nguest = "abc\n', [], []),
    ("header_without_bracket", '[name\nguest = "x"\n', [], []),
    ("empty_section_last", '[name]\nguest = "x"\n[memory]\n', [], []),
    ("parse_error", '[name]\nguest = x\n', [], []),
    ("parse_error_after_bad_section", '[nosuch]\na = "1"\n[name]\nbroken\n', [], []),
    ("no_group", 'guest = "x"\n', [], []),
    ("unknown_group", '[name]\nguest = "x"\n[nosuch]\n', [], []),
    ("unknown_group_first_line", "[nosuch]\n", [], []),
    ("bad_option", '[name]\nguest = "x"\nbogus = "1"\n', [], []),
    ("bad_bool", '[name]\ndebug-threads = "maybe"\n', [], []),
    ("merged_list_with_id", '[memory "m"]\nsize = "1"\n', [], []),
    ("bad_id", '[chardev "1x"]\nbackend = "null"\n', [], []),
    ("duplicate_id", NULL_CHARDEV + NULL_CHARDEV, [], []),
    ("duplicate_id_with_cmdline", NULL_CHARDEV, ["-chardev", "null,id=c"], []),
    ("memory_size_bad", '[memory]\nsize = "1Q"\n', [], []),
    ("memory_then_cmdline", '[memory]\nsize = "64"\n', [], ["-m", "32"]),
    ("object_no_id", '[object]\nqom-type = "rng-builtin"\n', [], []),
    ("object_bad_type", '[object]\nqom-type = "nosuch"\nid = "x"\n', [], []),
    ("object_memory_backend", RAM_BACKEND, [], []),
    ("object_duplicate", RNG, ["-object", "rng-builtin,id=r"], []),
    ("machine_section", '[machine]\ntype = "none"\n', [], []),
    ("smp_section", '[smp-opts]\ncpus = "1"\n', [], []),
    ("spice_port_range", '[spice]\nport = "70000"\n', [], []),
    ("spice_bad_option", '[spice]\nport = "5900"\nnosuch = "1"\n', [], []),
    ("spice_and_cmdline", '[spice]\ndisable-ticketing = "on"\n', [], ["-spice", "unix=on,addr=/x"]),
    ("chardev_and_mon", QMP_SECTIONS, [], []),
    ("file_missing", "", [], ["-readconfig", "{tmp}/nosuch.cfg"]),
    ("file_is_directory", "", [], ["-readconfig", "{tmp}"]),
    ("empty_file", "", [], []),
]  # fmt: skip


def argv_of(before: list[str], after: list[str]) -> list[str]:
    """The whole command line of a case, with ``{tmp}`` unexpanded."""
    return [*BASE, *before, "-readconfig", CONFIG, *after, *PROBE]


def _probe(path: str) -> list[Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(30)  # a loaded machine may take seconds to greet
        sock.connect(path)
        stream = sock.makefile("rwb")
        stream.readline()
        replies = []
        for request in [{"execute": "qmp_capabilities"}, *PROBES]:
            stream.write(json.dumps(request).encode() + b"\n")
            stream.flush()
            while True:
                reply = json.loads(stream.readline())
                if "event" not in reply:
                    break
            replies.append(reply)
        return replies[1:]


def run_case(
    cmd: list[str], name: str, text: str, before: list[str], after: list[str]
) -> dict[str, Any]:
    """Run one case with ``cmd`` (a QEMU, or qmonitor) and return its recording."""
    tmp = tempfile.mkdtemp(prefix="qmonitor-readconfig-")
    try:
        (Path(tmp) / "qemu.cfg").write_text(text.replace("{tmp}", tmp))
        argv = argv_of(before, after)
        proc = subprocess.Popen(
            [*cmd, *(a.replace("{tmp}", tmp) for a in argv)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        probe = Path(tmp) / "probe.sock"
        while proc.poll() is None and time.monotonic() < deadline and not probe.exists():
            time.sleep(0.02)
        replies = None
        if proc.poll() is None and probe.exists():
            try:
                replies = _probe(str(probe))
            except OSError:
                replies = None
        started = proc.poll() is None
        if started:
            proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def clean(data: bytes) -> str:
        return data.decode("utf-8", "replace").replace(tmp, "{tmp}")

    record: dict[str, Any] = {
        "name": name,
        "config": text,
        "argv": argv,
        "started": started,
        "status": None if started else proc.returncode,
        "stdout": clean(out),
        "stderr": clean(err),
    }
    if replies is not None:
        record["replies"] = replies
    return record
