"""HMP commands over chardevs and remote displays: chardev-remove, ringbuf_*, passwords.

As QEMU 7.2's chardev/char.c, chardev/char-ringbuf.c and ui/: a chardev
is looked up by id among the machine's; one a frontend (a monitor) uses
is busy.  qmonitor runs no VNC server, and SPICE only as options
(``-spice``), so passwords can be set on no display; the texts are QEMU's
for a machine without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import qmp
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.chardev.base import Chardev
    from qmonitor.machine.hmp_info import MachineHMP

# Texts of QEMU 7.2 (chardev/char.c, chardev/char-ringbuf.c, ui/vnc.c,
# monitor/qmp-cmds.c, monitor/hmp-cmds.c, blockdev-nbd.c).
CHARDEV_NOT_FOUND = "Chardev '{}' not found"
CHARDEV_BUSY = "Chardev '{}' is busy"
DEVICE_NOT_FOUND = "Device '{}' not found"
NOT_A_RINGBUF = "{} is not a ringbuf device"
NO_VNC_PASSWORD = "Could not set password"
NO_VNC_EXPIRE = "Could not set password expire time"
NO_SPICE = "SPICE is not in use"
BAD_PROTOCOL = "invalid parameter value: {}"
SPICE_ONLY = "Parameter 'protocol' expects 'spice'"

#: The chardev drivers ringbuf_read and ringbuf_write work on.
RINGBUF_DRIVERS = ("ringbuf", "memory")


def _chardev(mon: MachineHMP, label: str, missing: str) -> Chardev:
    chr = mon.machine.chardevs.get(label)
    if chr is None:
        raise QapiError(missing.format(label))
    return chr


def _has_frontend(chr: Chardev) -> bool:
    # A frontend installs its handlers (qemu_chr_fe_init): monitors, muxes.
    return chr.loop is not None


def hmp_chardev_remove(mon: MachineHMP, args: dict[str, Any]) -> None:
    """qmp_chardev_remove: an unused chardev is closed and forgotten."""
    label = args["id"]
    chr = _chardev(mon, label, CHARDEV_NOT_FOUND)
    if _has_frontend(chr):
        raise QapiError(CHARDEV_BUSY.format(label))
    chr.close()
    del mon.machine.chardevs[label]


def hmp_chardev_send_break(mon: MachineHMP, args: dict[str, Any]) -> None:
    """A break reaches the frontend, which for a monitor means nothing."""
    _chardev(mon, args["id"], CHARDEV_NOT_FOUND)


def _ringbuf(mon: MachineHMP, args: dict[str, Any]) -> None:
    label = args["device"]
    chr = _chardev(mon, label, DEVICE_NOT_FOUND)
    if chr.driver not in RINGBUF_DRIVERS:
        raise QapiError(NOT_A_RINGBUF.format(label))
    # qmonitor keeps no ring buffer behind a ringbuf chardev.
    qmp(mon, "ringbuf-read" if "size" in args else "ringbuf-write")


def _spice_in_use(mon: MachineHMP) -> bool:
    return bool(qmp(mon, "query-spice")["enabled"])


def _display_password(vnc_error: str) -> Any:
    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        protocol = args["protocol"]
        if protocol == "spice":
            if not _spice_in_use(mon):
                raise QapiError(NO_SPICE)
            return
        if protocol != "vnc":
            raise QapiError(BAD_PROTOCOL.format(protocol))
        # No VNC server runs.
        raise QapiError(vnc_error)

    return handler


def hmp_client_migrate_info(mon: MachineHMP, args: dict[str, Any]) -> None:
    if args["protocol"] != "spice":
        raise QapiError(SPICE_ONLY)
    if not _spice_in_use(mon):
        raise QapiError(NO_SPICE)


#: Handlers of the commands this module answers.
HANDLERS: dict[str, Any] = {
    "chardev-remove": hmp_chardev_remove,
    "chardev-send-break": hmp_chardev_send_break,
    "client_migrate_info": hmp_client_migrate_info,
    "expire_password": _display_password(NO_VNC_EXPIRE),
    "ringbuf_read": _ringbuf,
    "ringbuf_write": _ringbuf,
    "set_password": _display_password(NO_VNC_PASSWORD),
}
