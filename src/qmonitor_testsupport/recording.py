"""What the recorders in tools/ share: their options, QEMU's version line, the document they write.

Each recorder plays its cases against a real QEMU (``--qemu``) and writes
what it answered to a file or folder of test data (``--out``), stamped with
the first line of ``QEMU -version``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Any


def recorder_parser(doc: str | None, default_out: Path) -> argparse.ArgumentParser:
    """``--qemu PATH`` and ``--out PATH`` (a recorder adds its own options)."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--out", type=Path, default=default_out)
    return parser


def qemu_version(qemu: str) -> str:
    """The first line ``qemu -version`` prints."""
    out = subprocess.run([qemu, "-version"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[0]


def write_cases(out: Path, version: str, cases: list[Any]) -> None:
    """Write ``{"version": ..., "cases": [...]}`` to ``out`` and say how many."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"version": version, "cases": cases}, indent=1) + "\n")
    print(f"{len(cases)} cases written to {out}")
