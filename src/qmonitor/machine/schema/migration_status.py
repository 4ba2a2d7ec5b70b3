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
# @xen-colo-do-checkpoint:
#
# Take a Xen COLO checkpoint.
##
{ 'command': 'xen-colo-do-checkpoint' }

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
# @migrate-recover:
#
# Resume a paused postcopy migration from a new incoming URI.
##
{ 'command': 'migrate-recover',
  'data': { 'uri': 'str' },
  'allow-oob': true }

##
# @migrate-pause:
#
# Pauses a postcopy migration whose channel broke or must be cut; it may
# run out of band, so it works while the main loop is stuck.
##
{ 'command': 'migrate-pause', 'allow-oob': true }

##
# @UNPLUG_PRIMARY:
#
# A failover primary device was unplugged for a migration.
##
{ 'event': 'UNPLUG_PRIMARY',
  'data': { 'device-id': 'str' } }

##
# @calc-dirty-rate:
#
# Measure how fast the guest dirties its memory, over @calc-time seconds.
##
{ 'command': 'calc-dirty-rate',
  'data': { 'calc-time': 'int', '*sample-pages': 'int', '*mode': 'DirtyRateMeasureMode' } }

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

##
# @set-vcpu-dirty-limit:
#
# Limit how fast a vCPU (or every vCPU) may dirty memory.
##
{ 'command': 'set-vcpu-dirty-limit',
  'data': { '*cpu-index': 'int', 'dirty-rate': 'uint64' } }

##
# @cancel-vcpu-dirty-limit:
#
# Lift a vCPU's (or every vCPU's) dirty-page rate limit.
##
{ 'command': 'cancel-vcpu-dirty-limit',
  'data': { '*cpu-index': 'int' } }

##
# @DirtyLimitInfo:
#
# A vCPU's dirty-page rate limit and its current rate.
##
{ 'struct': 'DirtyLimitInfo',
  'data': { 'cpu-index': 'int', 'limit-rate': 'int', 'current-rate': 'int' } }

##
# @query-vcpu-dirty-limit:
#
# The dirty-page rate limits in force.
#
# Returns: one entry per limited vCPU
##
{ 'command': 'query-vcpu-dirty-limit',
  'returns': [ 'DirtyLimitInfo' ] }
##
# @snapshot-save:
#
# Starts a job that saves the VM state and internal snapshots of disks.
##
{ 'command': 'snapshot-save',
  'data': 'SnapshotSaveArgs', 'boxed': true }

##
# @snapshot-load:
#
# Starts a job that loads a VM state and disk snapshots saved before.
##
{ 'command': 'snapshot-load',
  'data': 'SnapshotLoadArgs', 'boxed': true }

##
# @snapshot-delete:
#
# Starts a job that deletes internal snapshots from disks.
##
{ 'command': 'snapshot-delete',
  'data': 'SnapshotDeleteArgs', 'boxed': true }

##
# @transaction:
#
# Performs a list of block actions all together or not at all.
##
{ 'command': 'transaction',
  'data': 'TransactionArgs', 'boxed': true }
"""
