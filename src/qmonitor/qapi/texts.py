"""QEMU's texts for QAPI argument and dispatch errors, each defined once.

Clients match on these (libvirt and test suites compare ``desc``), so they
are QEMU 7.2's words exactly; the comment on each names the QEMU file that
holds it.  Placeholders are ``str.format`` fields where QEMU has ``%s``.
"""

from __future__ import annotations

from typing import Final

# The texts QemuOpts and keyval share with the QAPI visitors are util's, one
# layer down: the same constants, re-exported here for the QAPI side.
from qmonitor.util import texts as _util

#: QERR_MISSING_PARAMETER.
MISSING_PARAMETER: Final = _util.MISSING_PARAMETER
#: QERR_INVALID_PARAMETER_VALUE: member, then what it expects ("uint8_t", "a size").
INVALID_PARAMETER_VALUE: Final = _util.INVALID_PARAMETER_VALUE
#: A member the type does not have (qapi/qobject-input-visitor.c).
UNEXPECTED_PARAMETER: Final = _util.UNEXPECTED_PARAMETER
#: A string that is not one of the enum's values (qapi/qapi-visit-core.c).
INVALID_ENUM_VALUE: Final = _util.ENUM_VALUE

# -- qapi/qmp/qerror.h ----------------------------------------------------------

#: QERR_INVALID_PARAMETER_TYPE: member (path), then the JSON type expected.
INVALID_PARAMETER_TYPE: Final = "Invalid parameter type for '{}', expected: {}"
#: QERR_DEVICE_NOT_FOUND.
DEVICE_NOT_FOUND: Final = "Device '{}' not found"
#: QERR_PROPERTY_NOT_FOUND: type or path, then property.
PROPERTY_NOT_FOUND: Final = "Property '{}.{}' not found"

# -- qapi/qmp-dispatch.c (qmp_dispatch_check_obj, qmp_dispatch) ---------------

NOT_AN_OBJECT: Final = "QMP input must be a JSON object"
MEMBER_NOT_STRING: Final = "QMP input member '{}' must be a string"
MEMBER_CLASH: Final = "QMP input member '{}' clashes with '{}'"
ARGUMENTS_NOT_OBJECT: Final = "QMP input member 'arguments' must be an object"
MEMBER_UNEXPECTED: Final = "QMP input member '{}' is unexpected"
LACKS_EXECUTE: Final = "QMP input lacks member 'execute'"
COMMAND_NOT_FOUND: Final = "The command {} has not been found"
COMMAND_DISABLED: Final = "Command {} has been disabled"
NO_OOB: Final = "The command {} does not support OOB"
#: softmmu/qdev-monitor.c: qmp_command_available, before the machine is ready.
NOT_BEFORE_MACHINE_READY: Final = (
    "The command '{}' is permitted only after machine initialization has completed"
)

# -- qmonitor's own ---------------------------------------------------------------

#: A handler failed with a Python exception: its type, then its text.
INTERNAL_ERROR: Final = "Internal error: {}: {}"
