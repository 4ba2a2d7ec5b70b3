"""QAPI errors: what a peer did wrong, carried as QEMU's ErrorClass and text.

QEMU reports failures through ``Error **errp``; here a handler raises
:class:`QapiError` and the dispatcher turns it into the QMP error reply
``{"error": {"class": ..., "desc": ...}}``.  Such errors never escape to a
client as Python exceptions.
"""

from __future__ import annotations

from enum import Enum

from qmonitor.errors import QmonitorError


class ErrorClass(Enum):
    """QEMU's QapiErrorClass (qapi/error.json); the value is the wire name."""

    #: Everything without a more specific class (the vast majority).
    GENERIC_ERROR = "GenericError"
    #: The requested command does not exist (or is not available now).
    COMMAND_NOT_FOUND = "CommandNotFound"
    #: A device exists but has no driver/medium or is not active.
    DEVICE_NOT_ACTIVE = "DeviceNotActive"
    #: The named device does not exist.
    DEVICE_NOT_FOUND = "DeviceNotFound"
    #: KVM lacks a capability the request needs.
    KVM_MISSING_CAP = "KVMMissingCap"


class QapiError(QmonitorError):
    """A command failed in a way the client is told about.

    :param desc: QEMU's human-readable text (the ``desc`` member).
    :param error_class: the QAPI error class (``class`` member).
    """

    #: error_append_hint's text: printed on the lines after the error by the
    #: command line and HMP, never sent over QMP ("" for none).
    hint = ""

    def __init__(self, desc: str, error_class: ErrorClass = ErrorClass.GENERIC_ERROR) -> None:
        super().__init__(desc)
        self.desc = desc
        self.error_class = error_class

    def to_qobject(self) -> dict[str, object]:
        """The ``error`` member of a QMP reply, built in QEMU's insertion order."""
        return {"class": self.error_class.value, "desc": self.desc}

    def __repr__(self) -> str:
        return f"QapiError({self.desc!r}, {self.error_class})"
