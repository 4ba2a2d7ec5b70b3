"""QEMU's QMP session texts, each written once.

Every constant names the QEMU 7.2 source file whose message it matches
byte for byte.  The request-shape texts of the dispatcher stay with it in
:mod:`qmonitor.qapi.commands` (qapi/qmp-dispatch.c); parse errors come from
:mod:`qmonitor.qjson`.
"""

from __future__ import annotations

#: monitor/qmp.c (monitor_qmp_dispatch): what CommandNotFound says instead
#: while the session is in capabilities negotiation mode.
EXPECTING_NEGOTIATION = "Expecting capabilities negotiation with 'qmp_capabilities'"

#: monitor/qmp-cmds-control.c (qmp_qmp_capabilities): a second qmp_capabilities.
NEGOTIATION_COMPLETE = "Capabilities negotiation is already complete, command ignored"

#: monitor/qmp-cmds-control.c (qmp_caps_accept): capabilities asked for but
#: not offered, joined with ``", "``.
CAPABILITY_UNAVAILABLE = "Capability {} not available"

#: qapi/control.json (QMPCapability): every capability a session may offer,
#: in the order the greeting lists them.
QMP_CAPABILITIES = ("oob",)
