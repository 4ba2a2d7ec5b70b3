"""HMP ``drive_add``: QEMU's block formats on request; drives are not modelled.

As QEMU 7.2's hmp_drive_add: the options are a ``-drive`` string
(QemuOpts, ``,,`` escaping a comma); ``format=help`` lists the block
formats Debian's build has (recorded from QEMU: ``drive_add x
format=help``).  qmonitor has no block layer, so any other drive fails as
the call of ``blockdev-add`` it would need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import COMMAND_NOT_FOUND
from qmonitor.util.error import QemuOptsError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

#: The block formats QEMU 7.2 (Debian's build) lists, read-write and read-only alike.
BLOCK_FORMATS = [
    "blkdebug",
    "blklogwrites",
    "blkreplay",
    "blkverify",
    "bochs",
    "cloop",
    "compress",
    "copy-before-write",
    "copy-on-read",
    "dmg",
    "file",
    "ftp",
    "ftps",
    "gluster",
    "host_cdrom",
    "host_device",
    "http",
    "https",
    "iscsi",
    "iser",
    "luks",
    "nbd",
    "nfs",
    "null-aio",
    "null-co",
    "nvme",
    "parallels",
    "preallocate",
    "qcow",
    "qcow2",
    "qed",
    "quorum",
    "raw",
    "rbd",
    "replication",
    "snapshot-access",
    "ssh",
    "throttle",
    "vdi",
    "vhdx",
    "vmdk",
    "vpc",
    "vvfat",
]
NODE_NAME_NEEDED = "'node-name' needs to be specified\n"


def format_help() -> str:
    """What ``format=help`` prints."""
    formats = " ".join(BLOCK_FORMATS)
    return f"Supported formats: {formats}\nSupported formats (read-only): {formats}\n"


def hmp_drive_add(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``drive_add [-n] pci_addr opts``."""
    from qmonitor.util.qemuopts import OptsGroup, OptsListSpec

    # The ``drive`` option list takes any option name (the block layer checks them).
    drive_opts = OptsListSpec("drive", None, ())
    try:
        opts = OptsGroup(drive_opts).parse(args["opts"], False, [])
    except QemuOptsError as err:
        mon.printf(err.message + "\n")
        return
    values = opts.as_dict()
    if args.get("node"):
        # A node of its own (hmp_drive_add_node) must be named.
        if "node-name" not in values:
            mon.printf(NODE_NAME_NEEDED)
            return
    elif values.get("format") in ("help", "?"):
        mon.printf(format_help())
        return
    raise QapiError(COMMAND_NOT_FOUND.format("blockdev-add"), ErrorClass.COMMAND_NOT_FOUND)
