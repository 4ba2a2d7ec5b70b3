"""Commands on block nodes, dirty bitmaps, removable media and NBD exports.

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
The pieces are placed among block.py's and block_jobs.py's definitions so
that commands and events appear in QEMU 7.2's order.
"""

#: Removable media (block.json): before query-block and its types.
MEDIA = r"""
##
# @eject:
#
# Ejects the medium of a removable device.
#
# Features:
# @deprecated: @device is deprecated; use @id
##
{ 'command': 'eject',
  'data': { '*device': { 'type': 'str', 'features': [ 'deprecated' ] },
            '*id': 'str', '*force': 'bool' } }

##
# @blockdev-open-tray:
#
# Opens a removable device's tray.
#
# Features:
# @deprecated: @device is deprecated; use @id
##
{ 'command': 'blockdev-open-tray',
  'data': { '*device': { 'type': 'str', 'features': [ 'deprecated' ] },
            '*id': 'str', '*force': 'bool' } }

##
# @blockdev-close-tray:
#
# Closes a removable device's tray.
#
# Features:
# @deprecated: @device is deprecated; use @id
##
{ 'command': 'blockdev-close-tray',
  'data': { '*device': { 'type': 'str', 'features': [ 'deprecated' ] },
            '*id': 'str' } }

##
# @blockdev-remove-medium:
#
# Takes the medium out of a device whose tray is open.
##
{ 'command': 'blockdev-remove-medium',
  'data': { 'id': 'str' } }

##
# @blockdev-insert-medium:
#
# Puts a node as medium into a device whose tray is open and empty.
##
{ 'command': 'blockdev-insert-medium',
  'data': { 'id': 'str', 'node-name': 'str' } }

##
# @BlockdevChangeMediumReadOnlyMode:
#
# Whether a new medium is opened read-only.
##
{ 'enum': 'BlockdevChangeMediumReadOnlyMode',
  'data': [ 'retain', 'read-only', 'read-write' ] }

##
# @blockdev-change-medium:
#
# Replaces a removable device's medium with an image file.
#
# Features:
# @deprecated: @device is deprecated; use @id
##
{ 'command': 'blockdev-change-medium',
  'data': { '*device': { 'type': 'str', 'features': [ 'deprecated' ] },
            '*id': 'str', 'filename': 'str', '*format': 'str', '*force': 'bool',
            '*read-only-mode': 'BlockdevChangeMediumReadOnlyMode' } }

##
# @DEVICE_TRAY_MOVED:
#
# A removable device's tray opened or closed.
##
{ 'event': 'DEVICE_TRAY_MOVED',
  'data': { 'device': 'str', 'id': 'str', 'tray-open': 'bool' } }

##
# @PR_MANAGER_STATUS_CHANGED:
#
# A persistent reservation manager connected or lost its helper (none
# exist on the null machine: never emitted).
##
{ 'event': 'PR_MANAGER_STATUS_CHANGED',
  'data': { 'id': 'str', 'connected': 'bool' } }
"""

#: I/O limits and latency histograms: before query-block.
THROTTLE = r"""
##
# @BlockIOThrottle:
#
# A block device's I/O limits.
#
# Features:
# @deprecated: @device is deprecated; use @id
##
{ 'struct': 'BlockIOThrottle',
  'data': { '*device': { 'type': 'str', 'features': [ 'deprecated' ] }, '*id': 'str',
            'bps': 'int', 'bps_rd': 'int', 'bps_wr': 'int', 'iops': 'int',
            'iops_rd': 'int', 'iops_wr': 'int', '*bps_max': 'int', '*bps_rd_max': 'int',
            '*bps_wr_max': 'int', '*iops_max': 'int', '*iops_rd_max': 'int',
            '*iops_wr_max': 'int', '*bps_max_length': 'int', '*bps_rd_max_length': 'int',
            '*bps_wr_max_length': 'int', '*iops_max_length': 'int',
            '*iops_rd_max_length': 'int', '*iops_wr_max_length': 'int',
            '*iops_size': 'int', '*group': 'str' } }

##
# @block_set_io_throttle:
#
# Sets a block device's I/O limits.
##
{ 'command': 'block_set_io_throttle',
  'data': 'BlockIOThrottle',
  'allow-preconfig': true }

##
# @block-latency-histogram-set:
#
# Sets or clears a block device's latency histograms.
##
{ 'command': 'block-latency-histogram-set',
  'data': { 'id': 'str', '*boundaries': [ 'uint64' ], '*boundaries-read': [ 'uint64' ],
            '*boundaries-write': [ 'uint64' ], '*boundaries-flush': [ 'uint64' ] },
  'allow-preconfig': true }
"""

#: Resizing, external snapshots, backing files: after query-block-jobs.
RESIZE = r"""
##
# @block_resize:
#
# Changes a node's length.
##
{ 'command': 'block_resize',
  'data': { '*device': 'str', '*node-name': 'str', 'size': 'int' },
  'coroutine': true,
  'allow-preconfig': true }

##
# @NewImageMode:
#
# Whether an overlay's image file is made or already exists.
##
{ 'enum': 'NewImageMode',
  'data': [ 'existing', 'absolute-paths' ] }

##
# @blockdev-snapshot-sync:
#
# Makes an overlay image file and puts a node for it on top of a node.
##
{ 'command': 'blockdev-snapshot-sync',
  'data': { '*device': 'str', '*node-name': 'str', 'snapshot-file': 'str',
            '*snapshot-node-name': 'str', '*format': 'str', '*mode': 'NewImageMode' },
  'allow-preconfig': true }

##
# @blockdev-snapshot:
#
# Puts an existing overlay node on top of a node.
#
# Features:
# @allow-write-only-overlay: the overlay may be write-only
##
{ 'command': 'blockdev-snapshot',
  'data': { 'node': 'str', 'overlay': 'str' },
  'features': [ 'allow-write-only-overlay' ],
  'allow-preconfig': true }

##
# @change-backing-file:
#
# Changes the backing file recorded in an image's header.
##
{ 'command': 'change-backing-file',
  'data': { 'device': 'str', 'image-node-name': 'str', 'backing-file': 'str' },
  'allow-preconfig': true }
"""

#: Dirty bitmaps: after x-debug-query-block-graph.
BITMAPS = r"""
##
# @BlockDirtyBitmapAdd:
#
# A dirty bitmap to make.
##
{ 'struct': 'BlockDirtyBitmapAdd',
  'data': { 'node': 'str', 'name': 'str', '*granularity': 'uint32',
            '*persistent': 'bool', '*disabled': 'bool' } }

##
# @BlockDirtyBitmapOrStr:
#
# A bitmap of the same node (by name) or of any node.
##
{ 'alternate': 'BlockDirtyBitmapOrStr',
  'data': { 'local': 'str', 'external': 'BlockDirtyBitmap' } }

##
# @BlockDirtyBitmapMerge:
#
# Bitmaps to merge into a target bitmap.
##
{ 'struct': 'BlockDirtyBitmapMerge',
  'data': { 'node': 'str', 'target': 'str', 'bitmaps': [ 'BlockDirtyBitmapOrStr' ] } }

##
# @block-dirty-bitmap-add:
#
# Makes a dirty bitmap on a node.
##
{ 'command': 'block-dirty-bitmap-add',
  'data': 'BlockDirtyBitmapAdd',
  'allow-preconfig': true }

##
# @block-dirty-bitmap-remove:
#
# Removes a dirty bitmap (and its persistent copy).
##
{ 'command': 'block-dirty-bitmap-remove',
  'data': 'BlockDirtyBitmap',
  'allow-preconfig': true }

##
# @block-dirty-bitmap-clear:
#
# Clears every bit of a dirty bitmap.
##
{ 'command': 'block-dirty-bitmap-clear',
  'data': 'BlockDirtyBitmap',
  'allow-preconfig': true }

##
# @block-dirty-bitmap-enable:
#
# Lets a dirty bitmap record writes.
##
{ 'command': 'block-dirty-bitmap-enable',
  'data': 'BlockDirtyBitmap',
  'allow-preconfig': true }

##
# @block-dirty-bitmap-disable:
#
# Stops a dirty bitmap recording writes.
##
{ 'command': 'block-dirty-bitmap-disable',
  'data': 'BlockDirtyBitmap',
  'allow-preconfig': true }

##
# @block-dirty-bitmap-merge:
#
# Sets in a bitmap every bit set in any of the others.
##
{ 'command': 'block-dirty-bitmap-merge',
  'data': 'BlockDirtyBitmapMerge',
  'allow-preconfig': true }

##
# @BlockDirtyBitmapSha256:
#
# A digest of a dirty bitmap's bits.
##
{ 'struct': 'BlockDirtyBitmapSha256',
  'data': { 'sha256': 'str' } }

##
# @x-debug-block-dirty-bitmap-sha256:
#
# The SHA-256 digest of a dirty bitmap's bits.
#
# Features:
# @unstable: a debugging interface
##
{ 'command': 'x-debug-block-dirty-bitmap-sha256',
  'data': 'BlockDirtyBitmap', 'returns': 'BlockDirtyBitmapSha256',
  'features': [ 'unstable' ],
  'allow-preconfig': true }
"""

#: blockdev-reopen: between blockdev-add and blockdev-del.
REOPEN = r"""
##
# @blockdev-reopen:
#
# Opens nodes again with new options, all at once.
##
{ 'command': 'blockdev-reopen',
  'data': { 'options': [ 'BlockdevOptions' ] },
  'allow-preconfig': true }
"""

#: Write thresholds, graph changes, internal snapshots: before the job commands.
NODE_MISC = r"""
##
# @BLOCK_WRITE_THRESHOLD:
#
# A write reached past a node's write threshold (which is then cleared).
##
{ 'event': 'BLOCK_WRITE_THRESHOLD',
  'data': { 'node-name': 'str', 'amount-exceeded': 'uint64',
            'write-threshold': 'uint64' } }

##
# @block-set-write-threshold:
#
# Sets (or with 0 clears) the offset a write must pass to raise BLOCK_WRITE_THRESHOLD.
##
{ 'command': 'block-set-write-threshold',
  'data': { 'node-name': 'str', 'write-threshold': 'uint64' },
  'allow-preconfig': true }

##
# @x-blockdev-change:
#
# Adds a child to, or removes one from, a quorum node.
#
# Features:
# @unstable: an experimental interface
##
{ 'command': 'x-blockdev-change',
  'data': { 'parent': 'str', '*child': 'str', '*node': 'str' },
  'features': [ 'unstable' ],
  'allow-preconfig': true }

##
# @x-blockdev-set-iothread:
#
# Moves a node to an I/O thread (or to the main loop with null).
#
# Features:
# @unstable: an experimental interface
##
{ 'command': 'x-blockdev-set-iothread',
  'data': { 'node-name': 'str', 'iothread': 'StrOrNull', '*force': 'bool' },
  'features': [ 'unstable' ],
  'allow-preconfig': true }

##
# @QUORUM_FAILURE:
#
# A quorum node could not agree on a read (no quorum nodes here: never
# emitted).
##
{ 'event': 'QUORUM_FAILURE',
  'data': { 'reference': 'str', 'sector-num': 'int', 'sectors-count': 'int' } }

##
# @QuorumOpType:
#
# The operation a quorum child failed.
##
{ 'enum': 'QuorumOpType',
  'data': [ 'read', 'write', 'flush' ] }

##
# @QUORUM_REPORT_BAD:
#
# A quorum child failed or disagreed (never emitted here).
##
{ 'event': 'QUORUM_REPORT_BAD',
  'data': { 'type': 'QuorumOpType', '*error': 'str', 'node-name': 'str',
            'sector-num': 'int', 'sectors-count': 'int' } }

##
# @blockdev-snapshot-internal-sync:
#
# Takes an internal snapshot of a device's image.
##
{ 'command': 'blockdev-snapshot-internal-sync',
  'data': { 'device': 'str', 'name': 'str' },
  'allow-preconfig': true }

##
# @blockdev-snapshot-delete-internal-sync:
#
# Deletes an internal snapshot of a device's image.
#
# Returns: the deleted snapshot
##
{ 'command': 'blockdev-snapshot-delete-internal-sync',
  'data': { 'device': 'str', '*id': 'str', '*name': 'str' },
  'returns': 'SnapshotInfo',
  'allow-preconfig': true }
"""

#: The NBD server and block exports: before query-block-exports.
EXPORTS = r"""
##
# @nbd-server-start:
#
# Starts the NBD server on an address.
##
{ 'command': 'nbd-server-start',
  'data': { 'addr': 'SocketAddressLegacy', '*tls-creds': 'str', '*tls-authz': 'str',
            '*max-connections': 'uint32' },
  'allow-preconfig': true }

##
# @nbd-server-add:
#
# Exports a node through the NBD server.
#
# Features:
# @deprecated: use block-export-add
##
{ 'command': 'nbd-server-add',
  'data': { '*name': 'str', '*description': 'str', 'device': 'str',
            '*writable': 'bool', '*bitmap': 'str' },
  'features': [ 'deprecated' ],
  'allow-preconfig': true }

##
# @BlockExportRemoveMode:
#
# Whether an export in use is removed at once.
##
{ 'enum': 'BlockExportRemoveMode',
  'data': [ 'safe', 'hard' ] }

##
# @nbd-server-remove:
#
# Removes an NBD export.
#
# Features:
# @deprecated: use block-export-del
##
{ 'command': 'nbd-server-remove',
  'data': { 'name': 'str', '*mode': 'BlockExportRemoveMode' },
  'features': [ 'deprecated' ],
  'allow-preconfig': true }

##
# @nbd-server-stop:
#
# Stops the NBD server and drops its exports.
##
{ 'command': 'nbd-server-stop',
  'allow-preconfig': true }

##
# @BlockExportOptionsNbd:
#
# What an NBD export offers.
##
{ 'struct': 'BlockExportOptionsNbd',
  'data': { '*name': 'str', '*description': 'str',
            '*bitmaps': [ 'BlockDirtyBitmapOrStr' ], '*allocation-depth': 'bool' } }

##
# @BlockExportOptionsVhostUserBlk:
#
# A vhost-user-blk export.
##
{ 'struct': 'BlockExportOptionsVhostUserBlk',
  'data': { 'addr': 'SocketAddress', '*logical-block-size': 'size',
            '*num-queues': 'uint16' } }

##
# @FuseExportAllowOther:
#
# Whether users other than the owner may reach a FUSE export.
##
{ 'enum': 'FuseExportAllowOther',
  'data': [ 'off', 'on', 'auto' ] }

##
# @BlockExportOptionsFuse:
#
# A FUSE export.
##
{ 'struct': 'BlockExportOptionsFuse',
  'data': { 'mountpoint': 'str', '*growable': 'bool',
            '*allow-other': 'FuseExportAllowOther' } }

##
# @BlockExportOptionsVduseBlk:
#
# A VDUSE block export.
##
{ 'struct': 'BlockExportOptionsVduseBlk',
  'data': { 'name': 'str', '*num-queues': 'uint16', '*queue-size': 'uint16',
            '*logical-block-size': 'size', '*serial': 'str' } }

##
# @BlockExportOptions:
#
# A block export to make.
##
{ 'union': 'BlockExportOptions',
  'base': { 'type': 'BlockExportType', 'id': 'str', '*fixed-iothread': 'bool',
            '*iothread': 'str', 'node-name': 'str', '*writable': 'bool',
            '*writethrough': 'bool' },
  'discriminator': 'type',
  'data': { 'nbd': 'BlockExportOptionsNbd',
            'vhost-user-blk': 'BlockExportOptionsVhostUserBlk',
            'fuse': 'BlockExportOptionsFuse',
            'vduse-blk': 'BlockExportOptionsVduseBlk' } }

##
# @block-export-add:
#
# Makes a block export.
##
{ 'command': 'block-export-add',
  'data': 'BlockExportOptions', 'boxed': true,
  'allow-preconfig': true }

##
# @block-export-del:
#
# Asks a block export to go away; BLOCK_EXPORT_DELETED tells when it has.
##
{ 'command': 'block-export-del',
  'data': { 'id': 'str', '*mode': 'BlockExportRemoveMode' },
  'allow-preconfig': true }

##
# @BLOCK_EXPORT_DELETED:
#
# A block export is gone.
##
{ 'event': 'BLOCK_EXPORT_DELETED',
  'data': { 'id': 'str' } }
"""
