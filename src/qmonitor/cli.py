"""``qmonitor`` on the command line: argv in, exit status out.

QEMU's own command line runs the null machine (:mod:`qmonitor.system.startup`);
``qmonitor mux`` and ``qmonitor persona`` are qmonitor's own tools.  This
module only chooses which, prints what the command line itself says (help,
version, parse errors) and sets up logging for ``QMONITOR_DEBUG``.
"""

from __future__ import annotations

import os
import sys

#: typing.TYPE_CHECKING without importing typing before the early greeter.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def _prog(argv0: str) -> str:
    """The name QEMU-style messages start with: the program's, as QEMU uses argv[0]."""
    name = os.path.basename(argv0)
    return "qmonitor" if name in ("", "__main__.py") else name


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qmonitor`` command; returns the exit status."""
    args = list(sys.argv if argv is None else argv)
    prog = _prog(args[0] if args else "qmonitor")
    if args[1:2] == ["mux"]:
        from qmonitor.mux.cli import main as mux_main

        return mux_main(args[2:], prog)
    if args[1:2] == ["persona"]:
        from qmonitor.persona.cli import main as persona_main

        return persona_main(args[2:], prog)
    if args[1:] in (["-version"], ["--version"]):
        # The parser would say the same; without importing it, as fast as QEMU's.
        from qmonitor.options.help import version_text
        from qmonitor.version import DEFAULT_QEMU_VERSION, PACKAGE

        text = version_text(DEFAULT_QEMU_VERSION, PACKAGE)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return 0
    # Before the parser and the machine are imported: see qmonitor.system.early.
    from qmonitor.system.early import start_early_greeter

    early = start_early_greeter(args[1:])
    try:
        from qmonitor.system.lean import import_asyncio_without_ssl

        import_asyncio_without_ssl()
        from qmonitor.options.cmdline import CmdlineError, parse_args
        from qmonitor.options.config import print_warnings

        try:
            config = parse_args(args[1:], prog)
        except CmdlineError as exc:
            return exc.report()
        print_warnings(config.warnings, config.stdout)
        if os.environ.get("QMONITOR_DEBUG"):
            import logging

            logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
        from qmonitor.system.startup import run

        taken, early = early, None
        return run(config, prog, taken)
    finally:
        if early is not None:
            early.abandon()
