"""Command-line and ``-readconfig`` fuzz: generated inputs and the in-process check.

Inputs come from two sources:

* a generator that knows QEMU's option table (:data:`qmonitor.options.table.OPTIONS`)
  and the option lists of :mod:`qmonitor.options` (each key with its type:
  bools get ``on``/``off``/junk, numbers and sizes get edge values), and the
  ``-readconfig`` file syntax (sections, ids, ``key = "value"`` lines, the
  1024-byte line buffer and the 63-byte names);
* mutations of the command lines and configuration files recorded from QEMU
  (tests/golden/cli/cases.json and readconfig.json).

:func:`check_argv` runs one argument vector through the parser in this
process, and an accepted one on through the checks of start-up that build
the machine (:func:`late_outcome`), and checks what a user would see: no
Python exception escapes, the exit status is QEMU's (0 for help and
listings, 1 for errors), and an error says so in QEMU's form, a line
starting with the program's name.

An input as bytes (for the long run and libFuzzer) is the argument vector
joined by NUL bytes (:func:`decode_argv`), or for ``-readconfig`` the file's
contents.  Two rules keep the in-process run harmless: ``-add-fd`` is left
out (it closes the descriptors it names, the harness's own here), and a path
naming a device, /proc or /sys file is replaced (a FIFO would block the read).
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qmonitor.machine.block.commands import graph_of
from qmonitor.machine.machine import Machine
from qmonitor.options import checks, guest, optlists, parse_logging, parse_misc, smbios
from qmonitor.options.cmdline import CmdlineError, Config, parse_args
from qmonitor.options.table import OPTIONS
from qmonitor.system.cpu_check import check_cpu
from qmonitor.system.startup import (
    StartupError,
    add_blockdevs,
    check_devices,
    machine_options,
    message_prefix,
)
from qmonitor.util.mainloop import new_main_loop
from qmonitor.util.qemuopts import OptsListSpec, OptType
from qmonitor_testsupport import REPO

#: The program name errors start with (what QEMU's recordings show).
PROG = "qemu-system-x86_64"
#: Options every recorded case starts with.
BASE = ["-M", "none", "-display", "none", "-nodefaults"]
GOLDEN = REPO / "tests" / "golden" / "cli"
#: What ``-msg timestamp=on`` puts before a message.
_TIMESTAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z "
#: How long one input may take before it counts as a hang (a bound, not a speed).
HANG_SECONDS = 60.0
#: Paths a fuzzed input may not read (a FIFO or a terminal would block the parser).
_UNSAFE_PATH = re.compile(r"/(dev|proc|sys)(/|\b)")


#: Listings QEMU prints on stderr before it exits with status 1 (backends/tpm.c:
#: ``-tpmdev help``); every other status-1 exit has an error line.
LISTINGS_ON_STDERR = ("Supported TPM types (choose only one):",)


class FuzzFailure(AssertionError):
    """An input broke a property; the message says which and shows the input."""


# -- the option lists each option parses into ------------------------------------


def _spec_lists() -> dict[str, OptsListSpec]:
    found: dict[str, OptsListSpec] = {}
    for module in (optlists, checks, guest, parse_logging, parse_misc, smbios):
        for value in vars(module).values():
            if isinstance(value, OptsListSpec):
                found.setdefault(value.name, value)
    return found


#: QEMU's options: the table less qmonitor's own (QEMU calls those invalid).
QEMU_OPTIONS = tuple(
    name for name in OPTIONS if not name.startswith("qmonitor-") and name != "persona"
)
#: Option list by name (``chardev``, ``mon``, ``spice``...): the keys and types
#: the generator uses for an option's argument and for a ``-readconfig`` section.
SPECS: dict[str, OptsListSpec] = _spec_lists()
#: Options whose argument is an option list of another name.
_SPEC_OF_OPTION = {"M": "machine", "watchdog-action": "action", "m": "memory", "net": "nic"}

#: Words an implied value or a string is drawn from: backends, machine types,
#: drivers, object types, help requests, and the odd ones QemuOpts meets.
WORDS = (
    "null", "socket", "stdio", "file", "pipe", "pty", "ringbuf", "mux", "udp", "tcp",
    "unix", "none", "pc", "q35", "isapc", "microvm", "x-remote", "help", "?", "on", "off",
    "control", "readline", "tcg", "kvm", "qtest", "xen", "memory-backend-ram",
    "rng-builtin", "secret", "iothread", "throttle-group", "authz-simple", "tls-creds-anon",
    "virtio-net-pci", "isa-serial", "e1000", "ide-hd", "nvme", "pci-bridge", "VGA",
    "qemu64", "max", "host", "base", "x", "c0", "m", "id", "1", "0", "-1", "", ",", ",,",
    "=", "a,b", "a=b", "0x10", "1G", "1.5k", "18446744073709551616", "é", "\t", " ",
    "virtio-serial", "i6300esb", "pause", "poweroff", "reset", "shutdown", "debug",
    "guest_errors", "trace:*", "timestamp=on", "hv-vendor-id", "+sse", "-sse", "sse=off",
)  # fmt: skip
_NUMBERS = (
    "0", "1", "-1", "2", "7", "16", "255", "256", "65535", "65536", "2147483648",
    "4294967296", "9223372036854775807", "18446744073709551615", "18446744073709551616",
    "0x10", "0x", "010", "1e3", "1.5", "+1", " 1", "1 ", "abc", "",
)  # fmt: skip
_SIZES = ("1", "4M", "1G", "1.5k", "0.5", "1T", "16E", "17E", "1Q", "-1", "0x10k", "k", "")
_BOOLS = ("on", "off", "yes", "no", "true", "false", "y", "n", "On", "", "2")


def _tmp_path(rnd: random.Random) -> str:
    return "{tmp}/" + rnd.choice(("s", "q.sock", "f", "log", "dir/x", "a,b", ""))


def _value(rnd: random.Random, kind: OptType | None) -> str:
    if kind is OptType.BOOL:
        return rnd.choice(_BOOLS)
    if kind is OptType.NUMBER:
        return rnd.choice(_NUMBERS)
    if kind is OptType.SIZE:
        return rnd.choice(_SIZES)
    roll = rnd.random()
    if roll < 0.15:
        return _tmp_path(rnd)
    if roll < 0.3:
        return rnd.choice(_NUMBERS)
    return rnd.choice(WORDS)


def opts_argument(rnd: random.Random, spec: OptsListSpec | None) -> str:
    """A QemuOpts string for ``spec``: an implied value, then key=value pairs."""
    parts: list[str] = []
    if spec is not None and spec.implied_opt_name and rnd.random() < 0.7:
        parts.append(rnd.choice(WORDS).replace(",", ",,"))
    for _ in range(rnd.randint(0, 5)):
        if spec is not None and spec.descs and rnd.random() < 0.85:
            desc = rnd.choice(spec.descs)
            key, kind = desc.name, desc.type
        else:
            key, kind = rnd.choice(("id", "help", "?", "x", "driver", "backend", "")), None
        roll = rnd.random()
        if roll < 0.08:
            parts.append(key)  # a flag: QEMU's "foo" for "foo=on" (with a warning)
        elif roll < 0.12:
            parts.append("no" + key)
        else:
            parts.append(f"{key}={_value(rnd, kind).replace(',', ',,')}")
    return ",".join(parts)


def option(rnd: random.Random) -> list[str]:
    """One generated option and its argument, if it takes one."""
    name = rnd.choice(QEMU_OPTIONS)
    dash = "--" if rnd.random() < 0.05 else "-"
    if not OPTIONS[name]:
        return [dash + name]
    spec = SPECS.get(_SPEC_OF_OPTION.get(name, name))
    plain = spec is None and rnd.random() < 0.5
    return [dash + name, rnd.choice(WORDS) if plain else opts_argument(rnd, spec)]


def generate_argv(rnd: random.Random) -> list[str]:
    """A command line of a few generated options, most after the recordings' base."""
    argv = list(BASE) if rnd.random() < 0.8 else []
    for _ in range(rnd.randint(1, 4)):
        argv += option(rnd)
    return argv


# -- -readconfig files ----------------------------------------------------------

#: Groups a ``-readconfig`` section can name (and some it cannot).
GROUPS = (
    "chardev", "mon", "name", "accel", "action", "device", "memory", "msg", "spice",
    "rtc", "boot", "sandbox", "overcommit", "drive", "netdev", "global", "machine",
    "object", "smp-opts", "nosuch", "",
)  # fmt: skip


def config_section(rnd: random.Random) -> str:
    """One section: a header (with or without an id) and a few assignments."""
    group = rnd.choice(GROUPS)
    spec = SPECS.get(group)
    head = f'[{group} "{rnd.choice(WORDS)}"]' if rnd.random() < 0.4 else f"[{group}]"
    lines = [head]
    for _ in range(rnd.randint(0, 4)):
        if spec is not None and spec.descs and rnd.random() < 0.8:
            desc = rnd.choice(spec.descs)
            key, kind = desc.name, desc.type
        else:
            key, kind = rnd.choice(("id", "qom-type", "driver", "backend", "x", "size")), None
        lines.append(f'{key} = "{_value(rnd, kind)}"')
    return "\n".join(lines) + "\n"


def generate_config(rnd: random.Random) -> str:
    """A configuration file of a few generated sections, maybe with comments."""
    text = "".join(config_section(rnd) for _ in range(rnd.randint(0, 3)))
    return ("# generated\n" + text) if rnd.random() < 0.2 else text


# -- mutations of recorded inputs ---------------------------------------------------


def _mutate_text(rnd: random.Random, text: str) -> str:
    pos = rnd.randint(0, len(text))
    op = rnd.randrange(6)
    if op == 0:
        return (
            text[:pos] + rnd.choice((",", "=", ",,", '"', "[", "]", "\n", "\x01", "é")) + text[pos:]
        )
    if op == 1:
        return text[:pos] + text[pos + rnd.randint(1, 6) :]
    if op == 2:
        return text[:pos]
    if op == 3:
        return text[:pos] + rnd.choice(WORDS) + text[pos:]
    if op == 4:
        return text[:pos] + "x" * rnd.choice((63, 64, 1023, 1024, 2000)) + text[pos:]
    return text + text[pos:]


def mutate_argv(rnd: random.Random, argv: list[str], pool: list[list[str]]) -> list[str]:
    """One to three changes: options inserted, dropped, swapped or spliced in; text edits."""
    out = list(argv)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.randrange(5)
        pos = rnd.randint(0, len(out))
        if op == 0:
            out[pos:pos] = option(rnd)
        elif op == 1 and out:
            del out[min(pos, len(out) - 1)]
        elif op == 2 and out:
            i = min(pos, len(out) - 1)
            out[i] = _mutate_text(rnd, out[i])
        elif op == 3:
            other = rnd.choice(pool) if pool else []
            start = rnd.randint(0, len(other))
            out[pos:pos] = other[start : start + rnd.randint(1, 4)]
        elif out:
            i, j = rnd.randrange(len(out)), rnd.randrange(len(out))
            out[i], out[j] = out[j], out[i]
    return out


def mutate_config(rnd: random.Random, text: str, pool: list[str]) -> str:
    """Line edits of a configuration file: text changes, sections spliced from others."""
    lines = text.split("\n")
    for _ in range(rnd.randint(1, 3)):
        pos = rnd.randrange(len(lines))
        op = rnd.randrange(4)
        if op == 0:
            lines[pos] = _mutate_text(rnd, lines[pos])
        elif op == 1 and len(lines) > 1:
            del lines[pos]
        elif op == 2:
            lines[pos:pos] = config_section(rnd).split("\n")
        else:
            other = (rnd.choice(pool) if pool else "").split("\n")
            start = rnd.randrange(len(other))
            lines[pos:pos] = other[start : start + rnd.randint(1, 4)]
    return "\n".join(lines)


def recorded_argvs() -> list[list[str]]:
    """The argument vectors of the recorded command-line cases."""
    document = json.loads((GOLDEN / "cases.json").read_text())
    return [list(case["argv"]) for case in document["cases"]]


def recorded_configs() -> list[str]:
    """The configuration files of the recorded ``-readconfig`` cases."""
    document = json.loads((GOLDEN / "readconfig.json").read_text())
    return [str(case["config"]) for case in document["cases"]]


def argv_inputs(seed: int, count: int) -> Iterator[list[str]]:
    """``count`` argument vectors: half generated, half mutated recordings."""
    rnd = random.Random(seed)
    pool = recorded_argvs()
    for _ in range(count):
        if rnd.random() < 0.5:
            yield generate_argv(rnd)
        else:
            yield mutate_argv(rnd, rnd.choice(pool), pool)


def config_inputs(seed: int, count: int) -> Iterator[str]:
    """``count`` configuration files: half generated, half mutated recordings."""
    rnd = random.Random(seed)
    pool = recorded_configs()
    for _ in range(count):
        if rnd.random() < 0.5:
            yield generate_config(rnd)
        else:
            yield mutate_config(rnd, rnd.choice(pool), pool)


# -- the check -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the parser made of one command line: started (status None) or exited."""

    status: int | None
    stdout: str
    stderr: str


def safe_argv(argv: list[str]) -> list[str]:
    """``argv`` without ``-add-fd`` options and with device paths replaced (module docstring).

    ``-dump-vmstate`` goes too: it writes its file where it is told.
    """
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("-add-fd", "--add-fd", "-dump-vmstate", "--dump-vmstate"):
            skip = True
            continue
        out.append(_UNSAFE_PATH.sub("/nonexistent/", arg))
    return out


def parse_outcome(argv: list[str], prog: str = PROG, *, late: bool = False) -> Outcome:
    """Run ``argv`` through the command-line parser; any exception but QEMU's errors escapes.

    With ``late``, a command line the parser accepts goes on to the checks
    QEMU makes once the machine is built (:func:`late_outcome`).
    """
    try:
        config = parse_args(argv, prog)
    except CmdlineError as exc:
        text = exc.message if not exc.message or exc.message.endswith("\n") else exc.message + "\n"
        if exc.stream == "stdout":
            return Outcome(exc.status, text, exc.warnings)
        return Outcome(exc.status, exc.stdout, exc.warnings + text)
    warnings = "".join(w if w.endswith("\n") else w + "\n" for w in config.warnings)
    if late:
        return late_outcome(config, prog, warnings)
    return Outcome(None, "", warnings)


def late_outcome(config: Config, prog: str, warnings: str) -> Outcome:
    """The checks of start-up that need no file, socket or persona: the machine is built
    (board, default devices), then ``-blockdev``, ``-cpu`` and ``-device`` are checked,
    in the order :mod:`qmonitor.system.startup` makes them.  A persona or a log file is
    left out (they read and write files): with either, the outcome is the process's
    to decide (start-up opens the log file before it builds the machine)."""
    if config.persona is not None or config.log_file is not None:
        return Outcome(None, "", warnings)
    errors: list[str] = []
    prefix = message_prefix(config, prog)
    # A loop of the machine's own, never run and closed with it: what the
    # machine schedules (timers, callbacks) would otherwise keep it alive.
    # No monitor I/O thread: each would keep a loop open for good.
    loop = new_main_loop()
    try:
        machine = Machine(replace(machine_options(config), use_io_thread=False), loop)
        if config.blockdevs:
            add_blockdevs(graph_of(machine), config)
        check_cpu(config, None, lambda message: errors.append(f"{prefix}warning: {message}\n"))
        check_devices(machine)
    except StartupError as exc:
        return Outcome(1, "", warnings + "".join(errors) + f"{prefix}{exc}\n")
    finally:
        loop.close()
    return Outcome(None, "", warnings + "".join(errors))


def check_outcome(argv: list[str], outcome: Outcome, prog: str = PROG) -> None:
    """The properties of :func:`check_argv`, on an outcome already had."""
    if outcome.status is None:
        return
    if outcome.status not in (0, 1):
        raise FuzzFailure(f"exit status {outcome.status} for {argv!r}")
    if outcome.status == 1 and not outcome.stdout:
        # An error line, unless QEMU lists what it takes instead (-d nosuch).
        lines = outcome.stderr.splitlines()
        error_line = re.compile(rf"({_TIMESTAMP})?{re.escape(prog)}:")
        if not any(error_line.match(line) for line in lines) and not (
            lines and lines[0] in LISTINGS_ON_STDERR
        ):
            raise FuzzFailure(f"error without a {prog}: line for {argv!r}: {outcome.stderr!r}")


def check_argv(argv: list[str], tmp: str, prog: str = PROG, *, late: bool = True) -> Outcome:
    """Parse ``argv`` (``{tmp}`` replaced) in this process and check the outcome.

    With ``late`` (the default) an accepted command line goes on to the
    machine's checks (:func:`late_outcome`).
    """
    real = safe_argv([arg.replace("{tmp}", tmp) for arg in argv])
    try:
        outcome = parse_outcome(real, prog, late=late)
    except Exception as exc:
        raise FuzzFailure(f"{type(exc).__name__}: {exc} for {argv!r}") from exc
    check_outcome(argv, outcome, prog)
    return outcome


def config_argv(path: str) -> list[str]:
    """The command line a configuration file is read with."""
    return [*BASE, "-readconfig", path]


def check_config(text: str, tmp: str, prog: str = PROG, *, late: bool = True) -> Outcome:
    """Write ``text`` as ``{tmp}/qemu.cfg``, read it with ``-readconfig`` and check the outcome."""
    path = Path(tmp) / "qemu.cfg"
    path.write_bytes(text.replace("{tmp}", tmp).encode("utf-8", "surrogateescape"))
    return check_argv(config_argv(str(path)), tmp, prog, late=late)


# -- bytes inputs (the long run, libFuzzer) ------------------------------------------------


def encode_argv(argv: list[str]) -> bytes:
    """An argument vector as one input: the arguments joined by NUL bytes."""
    return "\0".join(argv).encode("utf-8", "surrogateescape")


def decode_argv(data: bytes) -> list[str]:
    """The argument vector of an input (see :func:`encode_argv`)."""
    return data.decode("utf-8", "surrogateescape").split("\0") if data else []


class CliHarness:
    """The ``cli`` and ``readconfig`` fuzz targets, with a temporary folder of their own."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="qmonitor-cli-fuzz-")
        self.tmp = self._tmp.name

    def fuzz_argv(self, data: bytes) -> None:
        check_argv(decode_argv(data), self.tmp)

    def fuzz_config(self, data: bytes) -> None:
        check_config(data.decode("utf-8", "surrogateescape"), self.tmp)

    def close(self) -> None:
        self._tmp.cleanup()


def sample(argvs: Iterator[list[str]], tmp: str) -> dict[str, Any]:
    """Counts of a run over ``argvs``: inputs, started, exited 0, exited 1."""
    counts = {"inputs": 0, "started": 0, "status 0": 0, "status 1": 0}
    for argv in argvs:
        outcome = check_argv(argv, tmp)
        counts["inputs"] += 1
        key = "started" if outcome.status is None else f"status {outcome.status}"
        counts[key] += 1
    return counts


def seeds(kind: str) -> list[bytes]:
    """The recorded inputs of ``kind`` (``cli`` or ``readconfig``) as bytes inputs."""
    if kind == "cli":
        return [encode_argv(argv) for argv in recorded_argvs()]
    return [text.encode("utf-8", "surrogateescape") for text in recorded_configs()]


def structured_input(kind: str, rnd: random.Random, pool: list[bytes]) -> bytes:
    """A generated input, or a structured mutation of one of ``pool`` (bytes inputs of ``kind``)."""
    if kind == "cli":
        argvs = [decode_argv(data) for data in rnd.sample(pool, min(len(pool), 4))]
        if rnd.random() < 0.5 or not argvs:
            return encode_argv(generate_argv(rnd))
        return encode_argv(mutate_argv(rnd, argvs[0], argvs))
    texts = [
        data.decode("utf-8", "surrogateescape") for data in rnd.sample(pool, min(len(pool), 4))
    ]
    if rnd.random() < 0.5 or not texts:
        return generate_config(rnd).encode()
    return mutate_config(rnd, texts[0], texts).encode("utf-8", "surrogateescape")


def run_bounded(
    inputs: Iterator[Any], check: Callable[[Any], object], limit: float = HANG_SECONDS
) -> int:
    """Run ``check`` on each input in a worker thread; the number of inputs checked.

    :raises FuzzFailure: when one input is still running after ``limit``
        seconds (a hang: the worker is left behind), or what ``check`` raised.
    """
    done = threading.Event()
    state: dict[str, Any] = {"current": None, "count": 0, "error": None, "started": 0.0}
    lock = threading.Lock()

    def work() -> None:
        try:
            for item in inputs:
                with lock:
                    state["current"], state["started"] = item, time.monotonic()
                check(item)
                with lock:
                    state["count"] += 1
        except BaseException as exc:  # handed to the caller
            state["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="cli-fuzz", daemon=True).start()
    while not done.wait(1.0):
        with lock:
            started, current = state["started"], state["current"]
        if started and time.monotonic() - started > limit:
            raise FuzzFailure(f"still running after {limit:.0f} s: {current!r}")
    if state["error"] is not None:
        raise state["error"]
    return int(state["count"])
