"""The qemu-io command interpreter behind HMP ``qemu-io`` (QEMU 7.2's qemu-io-cmds.c).

A command line is split at spaces (empty words dropped), its first word
names a command (or its short alias), the word count is checked against
the command's bounds, a command that writes first asks its BlockBackend
for the write permission (a read-only node refuses: "Block node is
read-only"), then the command parses its options as glibc's getopt does
(options may follow operands; ``--`` ends them) and runs.

Where the text goes is QEMU's: what qemu-io prints with printf goes to
the process's standard output, its fprintf(stderr) lines (unknown
command, bad argument count, getopt's complaints) to standard error, and
what it reports with error_report to the monitor that ran the command.
:class:`Output` is those three sinks; the commands themselves live in
:mod:`.qemu_io_cmds`.  The help texts are QEMU's, recorded by
tools/record_qemu_io.py into ``machine/data/qemu_io_help.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from qmonitor.machine.block.accounting import BlockAcctStats
    from qmonitor.machine.block.block_io import WriteHook
    from qmonitor.machine.block.graph import BlockGraph, BlockNode

# Texts of qemu-io-cmds.c and block.c.
NOT_FOUND = 'command "{}" not found\n'
ARGS_AT_LEAST = "bad argument count {} to {}, expected at least {} arguments\n"
ARGS_EXACTLY = "bad argument count {} to {}, expected {} arguments\n"
ARGS_BETWEEN = "bad argument count {} to {}, expected between {} and {} arguments\n"
READ_ONLY = "Block node is read-only"
#: glibc getopt's complaints (argv[0] is the command's name).
INVALID_OPTION = "{}: invalid option -- '{}'\n"
NEEDS_ARGUMENT = "{}: option requires an argument -- '{}'\n"


class Output(Protocol):
    """Where qemu-io's text goes."""

    def out(self, text: str) -> None:
        """printf: the process's standard output."""

    def err(self, text: str) -> None:
        """fprintf(stderr)."""

    def report(self, text: str) -> None:
        """error_report: one line (without its newline) on the monitor."""

    def monitor(self, text: str) -> None:
        """qemu_printf: text on the monitor."""

    def wait(self, seconds: float) -> None:
        """Hold the monitor this long while the main loop goes on (qemu-io's sleep)."""

    def abort(self) -> None:
        """abort(3): the process ends on SIGABRT (what was answered goes out first)."""


@dataclass
class Target:
    """The BlockBackend a command runs on: a drive, or a temporary one over a node."""

    #: Its medium (None: an empty drive).
    node: BlockNode | None
    #: The drive's I/O accounting (None: a temporary backend nobody sees).
    acct: BlockAcctStats | None
    #: The accounting clock, and a request's latency from a start time.
    now_ns: Callable[[], int]
    latency_ns: Callable[[int], int]
    #: Told of every node a write reaches (write thresholds).
    hook: WriteHook
    #: blk_is_available: a medium, in a closed tray.
    available: bool = True
    #: The graph the node is in (``truncate`` resizes through it).
    graph: BlockGraph | None = None
    #: Whether the backend already holds the write permission.
    writable: bool = False


Handler = Callable[["Context", list[str]], None]


@dataclass(frozen=True)
class Command:
    """A qemu-io command: cmdinfo_t without its texts."""

    name: str
    handler: Handler
    altname: str = ""
    argmin: int = 0
    argmax: int = 0
    #: Needs BLK_PERM_WRITE.
    write: bool = False


@dataclass
class Context:
    """One command's run: its backend, where its text goes."""

    target: Target
    output: Output

    def out(self, text: str) -> None:
        self.output.out(text)

    def usage(self, name: str) -> None:
        """qemuio_command_usage: the command's one-line help."""
        self.out(help_text(name).split("\n", 1)[0] + "\n")


@lru_cache(maxsize=1)
def _help() -> dict[str, str]:
    path = os.path.join(os.path.dirname(__file__), "..", "data", "qemu_io_help.json")
    with open(path, encoding="utf-8") as file:
        data: dict[str, str] = json.load(file)
    return data


def help_text(name: str) -> str:
    """``help NAME`` as QEMU prints it (``""``: the list of all commands)."""
    return _help()[name]


def breakline(line: str) -> list[str]:
    """The words of a command line: split at single spaces, empty ones dropped."""
    return [word for word in line.split(" ") if word]


class Getopt:
    """glibc getopt over a command's words: options in order, then :attr:`operands`.

    Iterating yields ``(letter, argument)`` pairs, ``("?", None)`` after
    printing glibc's complaint; once exhausted, :attr:`operands` holds the
    words that were not options, in order.
    """

    def __init__(self, words: list[str], optstring: str, ctx: Context) -> None:
        self.words = words
        self.optstring = optstring
        self.ctx = ctx
        self.operands: list[str] = []

    def __iter__(self) -> Iterator[tuple[str, str | None]]:
        name = self.words[0]
        rest = self.words[1:]
        i = 0
        while i < len(rest):
            word = rest[i]
            i += 1
            if word == "--":
                self.operands.extend(rest[i:])
                return
            if not word.startswith("-") or word == "-":
                self.operands.append(word)
                continue
            j = 1
            while j < len(word):
                letter = word[j]
                j += 1
                at = self.optstring.find(letter)
                if letter == ":" or at < 0:
                    self.ctx.output.err(INVALID_OPTION.format(name, letter))
                    yield "?", None
                    continue
                if self.optstring[at + 1 : at + 2] != ":":
                    yield letter, None
                    continue
                if j < len(word):
                    argument = word[j:]
                elif i < len(rest):
                    argument = rest[i]
                    i += 1
                else:
                    self.ctx.output.err(NEEDS_ARGUMENT.format(name, letter))
                    yield "?", None
                    break
                yield letter, argument
                break


def run(commands: dict[str, Command], target: Target, output: Output, line: str) -> None:
    """qemuio_command: run one command line."""
    words = breakline(line)
    if not words:
        return
    command = commands.get(words[0])
    if command is None:
        command = next((c for c in commands.values() if c.altname == words[0]), None)
    if command is None:
        output.err(NOT_FOUND.format(words[0]))
        return
    count = len(words) - 1
    if count < command.argmin or (command.argmax != -1 and count > command.argmax):
        if command.argmax == -1:
            output.err(ARGS_AT_LEAST.format(count, words[0], command.argmin))
        elif command.argmin == command.argmax:
            output.err(ARGS_EXACTLY.format(count, words[0], command.argmin))
        else:
            output.err(ARGS_BETWEEN.format(count, words[0], command.argmin, command.argmax))
        return
    node = target.node
    if command.write and node is not None and target.available and not target.writable:
        if node.read_only:
            output.report(READ_ONLY)
            return
        target.writable = True
    command.handler(Context(target, output), words)
