"""``qmonitor`` on the command line: argv in, exit status out.

QEMU's own command line runs the null machine (:mod:`qmonitor.system.startup`);
``qmonitor mux`` and ``qmonitor persona`` are qmonitor's own tools.  This
module only chooses which, prints what the command line itself says (help,
version, parse errors) and sets up logging for ``QMONITOR_DEBUG``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from qmonitor.options.cmdline import CmdlineError, parse_args
from qmonitor.options.config import print_warnings


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
    try:
        config = parse_args(args[1:], prog)
    except CmdlineError as exc:
        return exc.report()
    print_warnings(config.warnings)
    if os.environ.get("QMONITOR_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    from qmonitor.system.startup import run

    return run(config, prog)
