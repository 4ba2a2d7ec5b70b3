"""The types of the block statistics and block job queries (block-core.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @PRManagerInfo:
#
# A persistent reservation manager.
##
{ 'struct': 'PRManagerInfo',
  'data': { 'id': 'str', 'connected': 'bool' } }

##
# @BlockStats:
#
# The statistics of a block device or node, with those of its children.
##
{ 'struct': 'BlockStats',
  'data': { '*device': 'str', '*qdev': 'str', '*node-name': 'str',
            'stats': 'BlockDeviceStats', '*driver-specific': 'BlockStatsSpecific',
            '*parent': 'BlockStats', '*backing': 'BlockStats' } }

##
# @BlockDeviceStats:
#
# Counters of a block device's I/O.
##
{ 'struct': 'BlockDeviceStats',
  'data': { 'rd_bytes': 'int', 'wr_bytes': 'int', 'unmap_bytes': 'int',
            'rd_operations': 'int', 'wr_operations': 'int', 'flush_operations': 'int',
            'unmap_operations': 'int', 'rd_total_time_ns': 'int',
            'wr_total_time_ns': 'int', 'flush_total_time_ns': 'int',
            'unmap_total_time_ns': 'int', 'wr_highest_offset': 'int', 'rd_merged': 'int',
            'wr_merged': 'int', 'unmap_merged': 'int', '*idle_time_ns': 'int',
            'failed_rd_operations': 'int', 'failed_wr_operations': 'int',
            'failed_flush_operations': 'int', 'failed_unmap_operations': 'int',
            'invalid_rd_operations': 'int', 'invalid_wr_operations': 'int',
            'invalid_flush_operations': 'int', 'invalid_unmap_operations': 'int',
            'account_invalid': 'bool', 'account_failed': 'bool',
            'timed_stats': [ 'BlockDeviceTimedStats' ],
            '*rd_latency_histogram': 'BlockLatencyHistogramInfo',
            '*wr_latency_histogram': 'BlockLatencyHistogramInfo',
            '*flush_latency_histogram': 'BlockLatencyHistogramInfo' } }

##
# @BlockStatsSpecific:
#
# Statistics only some drivers keep.
##
{ 'union': 'BlockStatsSpecific',
  'base': { 'driver': 'BlockdevDriver' },
  'discriminator': 'driver',
  'data': { 'file': 'BlockStatsSpecificFile', 'host_device': 'BlockStatsSpecificFile',
            'nvme': 'BlockStatsSpecificNvme' } }

##
# @BlockDeviceTimedStats:
#
# Latency and queue depth over an interval.
##
{ 'struct': 'BlockDeviceTimedStats',
  'data': { 'interval_length': 'int', 'min_rd_latency_ns': 'int',
            'max_rd_latency_ns': 'int', 'avg_rd_latency_ns': 'int',
            'min_wr_latency_ns': 'int', 'max_wr_latency_ns': 'int',
            'avg_wr_latency_ns': 'int', 'min_flush_latency_ns': 'int',
            'max_flush_latency_ns': 'int', 'avg_flush_latency_ns': 'int',
            'avg_rd_queue_depth': 'number', 'avg_wr_queue_depth': 'number' } }

##
# @BlockLatencyHistogramInfo:
#
# A histogram of request latencies.
##
{ 'struct': 'BlockLatencyHistogramInfo',
  'data': { 'boundaries': [ 'uint64' ], 'bins': [ 'uint64' ] } }

##
# @BlockdevDriver:
#
# A block driver.
##
{ 'enum': 'BlockdevDriver',
  'data': [ 'blkdebug', 'blklogwrites', 'blkreplay', 'blkverify', 'bochs', 'cloop',
            'compress', 'copy-before-write', 'copy-on-read', 'dmg', 'file',
            'snapshot-access', 'ftp', 'ftps', 'gluster', 'host_cdrom', 'host_device',
            'http', 'https', 'iscsi', 'luks', 'nbd', 'nfs', 'null-aio', 'null-co', 'nvme',
            'parallels', 'preallocate', 'qcow', 'qcow2', 'qed', 'quorum', 'raw', 'rbd',
            'replication', 'ssh', 'throttle', 'vdi', 'vhdx', 'vmdk', 'vpc', 'vvfat' ] }

##
# @BlockStatsSpecificFile:
#
# What the file and host_device drivers count.
##
{ 'struct': 'BlockStatsSpecificFile',
  'data': { 'discard-nb-ok': 'uint64', 'discard-nb-failed': 'uint64',
            'discard-bytes-ok': 'uint64' } }

##
# @BlockStatsSpecificNvme:
#
# What the nvme driver counts.
##
{ 'struct': 'BlockStatsSpecificNvme',
  'data': { 'completion-errors': 'uint64', 'aligned-accesses': 'uint64',
            'unaligned-accesses': 'uint64' } }

##
# @BlockJobInfo:
#
# A running block job.
##
{ 'struct': 'BlockJobInfo',
  'data': { 'type': 'str', 'device': 'str', 'len': 'int', 'offset': 'int', 'busy': 'bool',
            'paused': 'bool', 'speed': 'int', 'io-status': 'BlockDeviceIoStatus',
            'ready': 'bool', 'status': 'JobStatus', 'auto-finalize': 'bool',
            'auto-dismiss': 'bool', '*error': 'str' } }

##
# @JobStatus:
#
# Where a job is in its life.
##
{ 'enum': 'JobStatus',
  'data': [ 'undefined', 'created', 'running', 'paused', 'ready', 'standby', 'waiting',
            'pending', 'aborting', 'concluded', 'null' ] }
"""
