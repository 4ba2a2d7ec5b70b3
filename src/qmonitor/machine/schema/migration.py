"""Migration: its state and capabilities (migration.json, sockets.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @MigrationStatus:
#
# Where a migration is.
##
{ 'enum': 'MigrationStatus',
  'data': [ 'none', 'setup', 'cancelling', 'cancelled', 'active',
            'postcopy-active', 'postcopy-paused', 'postcopy-recover',
            'completed', 'failed', 'colo', 'pre-switchover', 'device',
            'wait-unplug' ] }

##
# @MigrationStats:
#
# RAM migration statistics.
##
{ 'struct': 'MigrationStats',
  'data': { 'transferred': 'int', 'remaining': 'int', 'total': 'int',
            'duplicate': 'int', 'skipped': 'int', 'normal': 'int',
            'normal-bytes': 'int', 'dirty-pages-rate': 'int',
            'mbps': 'number', 'dirty-sync-count': 'int',
            'postcopy-requests': 'int', 'page-size': 'int',
            'multifd-bytes': 'int', 'pages-per-second': 'int',
            'precopy-bytes': 'int', 'downtime-bytes': 'int',
            'postcopy-bytes': 'int', 'dirty-sync-missed-zero-copy': 'int' } }

##
# @VfioStats:
#
# VFIO migration statistics.
##
{ 'struct': 'VfioStats',
  'data': { 'transferred': 'int' } }

##
# @XBZRLECacheStats:
#
# XBZRLE cache statistics.
##
{ 'struct': 'XBZRLECacheStats',
  'data': { 'cache-size': 'int', 'bytes': 'int', 'pages': 'int',
            'cache-miss': 'int', 'cache-miss-rate': 'number',
            'encoding-rate': 'number', 'overflow': 'int' } }

##
# @CompressionStats:
#
# Compression statistics.
##
{ 'struct': 'CompressionStats',
  'data': { 'pages': 'int', 'busy': 'int', 'busy-rate': 'number',
            'compressed-size': 'int', 'compression-rate': 'number' } }

##
# @SocketAddressType:
#
# The kinds of socket address.
##
{ 'enum': 'SocketAddressType',
  'data': [ 'inet', 'unix', 'vsock', 'fd' ] }

##
# @InetSocketAddress:
#
# An IP socket address.
##
{ 'struct': 'InetSocketAddress',
  'data': { 'host': 'str', 'port': 'str', '*numeric': 'bool', '*to': 'int',
            '*ipv4': 'bool', '*ipv6': 'bool', '*keep-alive': 'bool',
            '*mptcp': 'bool' } }

##
# @UnixSocketAddress:
#
# A unix socket address.
##
{ 'struct': 'UnixSocketAddress',
  'data': { 'path': 'str', '*abstract': 'bool', '*tight': 'bool' } }

##
# @VsockSocketAddress:
#
# A VSOCK socket address.
##
{ 'struct': 'VsockSocketAddress',
  'data': { 'cid': 'str', 'port': 'str' } }

##
# @String:
#
# A string wrapped in a struct.
##
{ 'struct': 'String',
  'data': { 'str': 'str' } }

##
# @SocketAddress:
#
# A socket address.
##
{ 'union': 'SocketAddress',
  'base': { 'type': 'SocketAddressType' },
  'discriminator': 'type',
  'data': { 'inet': 'InetSocketAddress', 'unix': 'UnixSocketAddress',
            'vsock': 'VsockSocketAddress', 'fd': 'String' } }

##
# @MigrationInfo:
#
# The state of the last migration.
##
{ 'struct': 'MigrationInfo',
  'data': { '*status': 'MigrationStatus', '*ram': 'MigrationStats',
            '*disk': 'MigrationStats', '*vfio': 'VfioStats',
            '*xbzrle-cache': 'XBZRLECacheStats', '*total-time': 'int',
            '*expected-downtime': 'int', '*downtime': 'int',
            '*setup-time': 'int', '*cpu-throttle-percentage': 'int',
            '*error-desc': 'str', '*blocked-reasons': [ 'str' ],
            '*postcopy-blocktime': 'int',
            '*postcopy-vcpu-blocktime': [ 'int' ],
            '*compression': 'CompressionStats',
            '*socket-address': [ 'SocketAddress' ] } }

##
# @query-migrate:
#
# Returns: the migration's state ({} when none ran)
##
{ 'command': 'query-migrate',
  'returns': 'MigrationInfo' }

##
# @MigrationCapability:
#
# The migration capabilities.
#
# Features:
# @unstable: on the experimental members
##
{ 'enum': 'MigrationCapability',
  'data': [ 'xbzrle', 'rdma-pin-all', 'auto-converge', 'zero-blocks',
            'compress', 'events', 'postcopy-ram',
            { 'name': 'x-colo', 'features': [ 'unstable' ] }, 'release-ram',
            'block', 'return-path', 'pause-before-switchover', 'multifd',
            'dirty-bitmaps', 'postcopy-blocktime', 'late-block-activate',
            { 'name': 'x-ignore-shared', 'features': [ 'unstable' ] },
            'validate-uuid', 'background-snapshot', 'zero-copy-send',
            'postcopy-preempt' ] }

##
# @MigrationCapabilityStatus:
#
# A migration capability and whether it is on.
##
{ 'struct': 'MigrationCapabilityStatus',
  'data': { 'capability': 'MigrationCapability', 'state': 'bool' } }

##
# @migrate-set-capabilities:
#
# @capabilities: the capabilities to change
##
{ 'command': 'migrate-set-capabilities',
  'data': { 'capabilities': [ 'MigrationCapabilityStatus' ] } }

##
# @query-migrate-capabilities:
#
# Returns: every capability and its state
##
{ 'command': 'query-migrate-capabilities',
  'returns': [ 'MigrationCapabilityStatus' ] }

##
# @MultiFDCompression:
#
# How multifd compresses.
##
{ 'enum': 'MultiFDCompression',
  'data': [ 'none', 'zlib', 'zstd' ] }

##
# @BitmapMigrationBitmapAliasTransform:
#
# How a bitmap changes on migration.
##
{ 'struct': 'BitmapMigrationBitmapAliasTransform',
  'data': { '*persistent': 'bool' } }

##
# @BitmapMigrationBitmapAlias:
#
# A bitmap's name on the wire.
##
{ 'struct': 'BitmapMigrationBitmapAlias',
  'data': { 'name': 'str', 'alias': 'str',
            '*transform': 'BitmapMigrationBitmapAliasTransform' } }

##
# @BitmapMigrationNodeAlias:
#
# A block node's name on the wire.
##
{ 'struct': 'BitmapMigrationNodeAlias',
  'data': { 'node-name': 'str', 'alias': 'str',
            'bitmaps': [ 'BitmapMigrationBitmapAlias' ] } }

##
# @MigrationParameters:
#
# The migration parameters.
#
# Features:
# @unstable: on the experimental members
##
{ 'struct': 'MigrationParameters',
  'data': { '*announce-initial': 'int', '*announce-max': 'int',
            '*announce-rounds': 'int', '*announce-step': 'int',
            '*compress-level': 'int', '*compress-threads': 'int',
            '*compress-wait-thread': 'bool', '*decompress-threads': 'int',
            '*throttle-trigger-threshold': 'int',
            '*cpu-throttle-initial': 'int', '*cpu-throttle-increment': 'int',
            '*cpu-throttle-tailslow': 'bool', '*tls-creds': 'str',
            '*tls-hostname': 'str', '*tls-authz': 'str',
            '*max-bandwidth': 'int', '*downtime-limit': 'int',
            '*x-checkpoint-delay': { 'type': 'int', 'features': [ 'unstable' ] },
            '*block-incremental': 'bool', '*multifd-channels': 'int',
            '*xbzrle-cache-size': 'int', '*max-postcopy-bandwidth': 'int',
            '*max-cpu-throttle': 'int',
            '*multifd-compression': 'MultiFDCompression',
            '*multifd-zlib-level': 'int', '*multifd-zstd-level': 'int',
            '*block-bitmap-mapping': [ 'BitmapMigrationNodeAlias' ] } }

##
# @query-migrate-parameters:
#
# Returns: the migration parameters
##
{ 'command': 'query-migrate-parameters',
  'returns': 'MigrationParameters' }

"""
