"""The block graph, jobs and exports: none on the null machine (block-core, job, block-export).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

from qmonitor.machine.schema import block_nodes

TEXT = (
    r"""##
# @XDbgBlockGraph:
#
# The block graph, for debugging.
##
{ 'struct': 'XDbgBlockGraph',
  'data': { 'nodes': [ 'XDbgBlockGraphNode' ], 'edges': [ 'XDbgBlockGraphEdge' ] } }

##
# @XDbgBlockGraphNode:
#
# A node of the block graph.
##
{ 'struct': 'XDbgBlockGraphNode',
  'data': { 'id': 'uint64', 'type': 'XDbgBlockGraphNodeType', 'name': 'str' } }

##
# @XDbgBlockGraphEdge:
#
# An edge of the block graph: a parent's child.
##
{ 'struct': 'XDbgBlockGraphEdge',
  'data': { 'parent': 'uint64', 'child': 'uint64', 'name': 'str',
            'perm': [ 'BlockPermission' ], 'shared-perm': [ 'BlockPermission' ] } }

##
# @XDbgBlockGraphNodeType:
#
# What a block graph node is.
##
{ 'enum': 'XDbgBlockGraphNodeType',
  'data': [ 'block-backend', 'block-job', 'block-driver' ] }

##
# @BlockPermission:
#
# A permission one node takes on another.
##
{ 'enum': 'BlockPermission',
  'data': [ 'consistent-read', 'write', 'write-unchanged', 'resize' ] }

##
# @x-debug-query-block-graph:
#
# The block graph, for debugging.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: its nodes and edges
##
{ 'command': 'x-debug-query-block-graph',
  'returns': 'XDbgBlockGraph',
  'allow-preconfig': true,
  'features': [ 'unstable' ] }
##
# @drive-mirror:
#
# Starts a mirror job from a device to an image file it opens.
##
{ 'command': 'drive-mirror',
  'data': 'DriveMirror', 'boxed': true }

"""
    + block_nodes.BITMAPS
    + r"""
##
# @blockdev-mirror:
#
# Starts a mirror job from one node to another existing node.
##
{ 'command': 'blockdev-mirror',
  'data': 'BlockdevMirrorArgs', 'boxed': true }

##
# @block-stream:
#
# Starts a job that copies a backing chain's data into the node above it.
##
{ 'command': 'block-stream',
  'data': 'BlockStreamArgs', 'boxed': true }

##
# @block-job-set-speed:
#
# Sets a block job's rate limit (bytes per second, 0 for none).
##
{ 'command': 'block-job-set-speed',
  'data': { 'device': 'str',
            'speed': 'int' } }

##
# @block-job-cancel:
#
# Cancels a block job (a ready mirror finishes without switching over).
##
{ 'command': 'block-job-cancel',
  'data': { 'device': 'str',
            '*force': 'bool' } }

##
# @block-job-pause:
#
# Pauses a block job.
##
{ 'command': 'block-job-pause',
  'data': { 'device': 'str' } }

##
# @block-job-resume:
#
# Resumes a paused block job.
##
{ 'command': 'block-job-resume',
  'data': { 'device': 'str' } }

##
# @block-job-complete:
#
# Asks a ready block job to complete.
##
{ 'command': 'block-job-complete',
  'data': { 'device': 'str' } }

##
# @block-job-dismiss:
#
# Removes a concluded block job from the job list.
##
{ 'command': 'block-job-dismiss',
  'data': { 'id': 'str' } }

##
# @block-job-finalize:
#
# Finalizes a pending block job: applies its graph changes.
##
{ 'command': 'block-job-finalize',
  'data': { 'id': 'str' } }

##
# @blockdev-add:
#
# Opens a new block node (and the nodes its options define inline) and
# adds it to the block graph.
##
{ 'command': 'blockdev-add', 'data': 'BlockdevOptions', 'boxed': true,
  'allow-preconfig': true }

"""
    + block_nodes.REOPEN
    + r"""
##
# @blockdev-del:
#
# Removes a node added by blockdev-add; it must be unused.
#
# @node-name: the node to remove
##
{ 'command': 'blockdev-del', 'data': { 'node-name': 'str' },
  'allow-preconfig': true }
##
# @blockdev-create:
#
# Starts a job that creates an image on a block node or a host file.
##
{ 'command': 'blockdev-create',
  'data': 'BlockdevCreateArgs', 'boxed': true }

##
# @x-blockdev-amend:
#
# Starts a job that changes the options of an image format node.
#
# Features:
# @unstable: not a stable interface yet
##
{ 'command': 'x-blockdev-amend',
  'data': 'XBlockdevAmendArgs', 'boxed': true,
  'features': [ 'unstable' ] }

##
# @BLOCK_IMAGE_CORRUPTED:
#
# An image format driver found its metadata corrupt (the null machine's
# guest writes nothing: never emitted).
##
{ 'event': 'BLOCK_IMAGE_CORRUPTED',
  'data': { 'device': 'str', '*node-name': 'str', 'msg': 'str', '*offset': 'int',
            '*size': 'int', 'fatal': 'bool' } }

##
# @IoOperationType:
#
# The kind of guest I/O that failed.
##
{ 'enum': 'IoOperationType',
  'data': [ 'read', 'write' ] }

##
# @BlockErrorAction:
#
# What was done about a failed guest I/O.
##
{ 'enum': 'BlockErrorAction',
  'data': [ 'ignore', 'report', 'stop' ] }

##
# @BLOCK_IO_ERROR:
#
# A guest I/O request failed (the null machine's guest makes none: never
# emitted).
##
{ 'event': 'BLOCK_IO_ERROR',
  'data': { 'device': 'str', '*node-name': 'str', 'operation': 'IoOperationType',
            'action': 'BlockErrorAction', '*nospace': 'bool', 'reason': 'str' } }

##
# @BLOCK_JOB_COMPLETED:
#
# A block job has finished (with or without an error).
##
{ 'event': 'BLOCK_JOB_COMPLETED',
  'data': { 'type': 'JobType',
            'device': 'str',
            'len': 'int',
            'offset': 'int',
            'speed': 'int',
            '*error': 'str' } }

##
# @BLOCK_JOB_CANCELLED:
#
# A block job was cancelled before it finished.
##
{ 'event': 'BLOCK_JOB_CANCELLED',
  'data': { 'type': 'JobType',
            'device': 'str',
            'len': 'int',
            'offset': 'int',
            'speed': 'int' } }

##
# @BLOCK_JOB_ERROR:
#
# A block job met an I/O error.
##
{ 'event': 'BLOCK_JOB_ERROR',
  'data': { 'device': 'str',
            'operation': 'BlockJobErrorOperation',
            'action': 'BlockJobErrorAction' } }

##
# @BLOCK_JOB_READY:
#
# A block job is ready to complete (a mirror is in sync).
##
{ 'event': 'BLOCK_JOB_READY',
  'data': { 'type': 'JobType',
            'device': 'str',
            'len': 'int',
            'offset': 'int',
            'speed': 'int' } }

##
# @BLOCK_JOB_PENDING:
#
# A block job waits to be finalized.
##
{ 'event': 'BLOCK_JOB_PENDING',
  'data': { 'type': 'JobType',
            'id': 'str' } }

"""
    + block_nodes.NODE_MISC
    + r"""
##
# @JOB_STATUS_CHANGE:
#
# A job changed status.
##
{ 'event': 'JOB_STATUS_CHANGE',
  'data': { 'id': 'str',
            'status': 'JobStatus' } }

##
# @job-pause:
#
# Pauses a job.
##
{ 'command': 'job-pause',
  'data': { 'id': 'str' } }

##
# @job-resume:
#
# Resumes a paused job.
##
{ 'command': 'job-resume',
  'data': { 'id': 'str' } }

##
# @job-cancel:
#
# Cancels a job.
##
{ 'command': 'job-cancel',
  'data': { 'id': 'str' } }

##
# @job-complete:
#
# Asks a ready job to complete.
##
{ 'command': 'job-complete',
  'data': { 'id': 'str' } }

##
# @job-dismiss:
#
# Removes a concluded job from the job list.
##
{ 'command': 'job-dismiss',
  'data': { 'id': 'str' } }

##
# @job-finalize:
#
# Finalizes a pending job and the jobs of its transaction.
##
{ 'command': 'job-finalize',
  'data': { 'id': 'str' } }

##
# @JobInfo:
#
# A job.
##
{ 'struct': 'JobInfo',
  'data': { 'id': 'str', 'type': 'JobType', 'status': 'JobStatus',
            'current-progress': 'int', 'total-progress': 'int', '*error': 'str' } }

##
# @JobType:
#
# What a job does.
##
{ 'enum': 'JobType',
  'data': [ 'commit', 'stream', 'mirror', 'backup', 'create', 'amend', 'snapshot-load',
            'snapshot-save', 'snapshot-delete' ] }

##
# @query-jobs:
#
# Lists the jobs.
#
# Returns: the jobs (none on the null machine)
##
{ 'command': 'query-jobs',
  'returns': [ 'JobInfo' ] }

##
# @BlockExportInfo:
#
# A block export.
##
{ 'struct': 'BlockExportInfo',
  'data': { 'id': 'str', 'type': 'BlockExportType', 'node-name': 'str',
            'shutting-down': 'bool' } }

##
# @BlockExportType:
#
# How a block node is exported.
##
{ 'enum': 'BlockExportType',
  'data': [ 'nbd', 'vhost-user-blk', 'fuse', 'vduse-blk' ] }

"""
    + block_nodes.EXPORTS
    + r"""
##
# @query-block-exports:
#
# Lists the block exports.
#
# Returns: the exports (none on the null machine)
##
{ 'command': 'query-block-exports',
  'returns': [ 'BlockExportInfo' ],
  'allow-preconfig': true }
"""
)
