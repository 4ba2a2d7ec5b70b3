"""``-dump-vmstate``: the JSON description of the VM state QEMU 7.2 writes, as recorded.

``tools/record_vmstate.py`` records what ``-M none -dump-vmstate FILE``
writes into ``machine/data/vmstate_dump.json.gz``: every registered VM
state description (sections, fields, subsections) in QEMU's order and
layout.  The text is the same for every machine type but for the name of
its first entry, ``vmschkmachine``, which is the machine type's.
"""

from __future__ import annotations

import gzip
import os
from typing import Final

_DATA: Final = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
#: The recorded text's machine entry (for ``-M none``).
_NONE_NAME: Final = '"vmschkmachine": {\n    "Name": "none"\n'


def vmstate_json(machine_type: str) -> str:
    """What ``-dump-vmstate`` writes for machine type ``machine_type`` (its full name)."""
    with open(os.path.join(_DATA, "vmstate_dump.json.gz"), "rb") as f:
        text = gzip.decompress(f.read()).decode()
    return text.replace(_NONE_NAME, _NONE_NAME.replace('"none"', f'"{machine_type}"'), 1)
