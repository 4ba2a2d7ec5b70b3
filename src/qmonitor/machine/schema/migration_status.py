"""Replication, COLO and dirty page rate state (migration.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @ReplicationStatus:
#
# The state of block replication.
##
{ 'struct': 'ReplicationStatus',
  'data': { 'error': 'bool', '*desc': 'str' } }

##
# @query-xen-replication-status:
#
# The state of Xen block replication.
#
# Returns: whether replication failed, and why
##
{ 'command': 'query-xen-replication-status',
  'returns': 'ReplicationStatus' }

##
# @COLOStatus:
#
# The COLO state.
##
{ 'struct': 'COLOStatus',
  'data': { 'mode': 'COLOMode', 'last-mode': 'COLOMode', 'reason': 'COLOExitReason' } }

##
# @COLOMode:
#
# A COLO role.
##
{ 'enum': 'COLOMode',
  'data': [ 'none', 'primary', 'secondary' ] }

##
# @COLOExitReason:
#
# Why COLO stopped.
##
{ 'enum': 'COLOExitReason',
  'data': [ 'none', 'request', 'error', 'processing' ] }

##
# @query-colo-status:
#
# The COLO state.
#
# Returns: the mode, the last one, and why it ended
##
{ 'command': 'query-colo-status',
  'returns': 'COLOStatus' }

##
# @DirtyRateInfo:
#
# The result of the last dirty page rate measure.
##
{ 'struct': 'DirtyRateInfo',
  'data': { '*dirty-rate': 'int64', 'status': 'DirtyRateStatus', 'start-time': 'int64',
            'calc-time': 'int64', 'sample-pages': 'uint64', 'mode': 'DirtyRateMeasureMode',
            '*vcpu-dirty-rate': [ 'DirtyRateVcpu' ] } }

##
# @DirtyRateStatus:
#
# Where a dirty page rate measure is.
##
{ 'enum': 'DirtyRateStatus',
  'data': [ 'unstarted', 'measuring', 'measured' ] }

##
# @DirtyRateMeasureMode:
#
# How dirty pages are counted.
##
{ 'enum': 'DirtyRateMeasureMode',
  'data': [ 'page-sampling', 'dirty-ring', 'dirty-bitmap' ] }

##
# @DirtyRateVcpu:
#
# The dirty page rate of a vCPU.
##
{ 'struct': 'DirtyRateVcpu',
  'data': { 'id': 'int', 'dirty-rate': 'int64' } }

##
# @query-dirty-rate:
#
# The last dirty page rate measure.
#
# Returns: its state and result
##
{ 'command': 'query-dirty-rate',
  'returns': 'DirtyRateInfo' }
"""
