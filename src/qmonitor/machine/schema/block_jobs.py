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
"""
    + block_nodes.BITMAPS
    + r"""
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
"""
    + block_nodes.NODE_MISC
    + r"""
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
