"""Trace events (trace.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @TraceEventState:
#
# The states of a trace event.
##
{ 'enum': 'TraceEventState',
  'data': [ 'unavailable', 'disabled', 'enabled' ] }

##
# @TraceEventInfo:
#
# A trace event and its state.
##
{ 'struct': 'TraceEventInfo',
  'data': { 'name': 'str', 'state': 'TraceEventState', 'vcpu': 'bool' } }

##
# @trace-event-get-state:
#
# The state of the trace events whose names match @name (a pattern with * and ?).
#
# Returns: one entry per event
##
{ 'command': 'trace-event-get-state',
  'data': { 'name': 'str', '*vcpu': 'int' },
  'returns': [ 'TraceEventInfo' ] }

##
# @trace-event-set-state:
#
# Turn the trace events whose names match @name on or off.
##
{ 'command': 'trace-event-set-state',
  'data': { 'name': 'str', 'enable': 'bool', '*ignore-unavailable': 'bool',
            '*vcpu': 'int' } }

"""
