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
  'data': { 'host': 'str', 'port': 'str', '*numeric': 'bool', '*to': 'uint16',
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
# @StrOrNull:
#
# A string, or null (which some settings take for an empty string).
##
{ 'alternate': 'StrOrNull',
  'data': { 's': 'str', 'n': 'null' } }

##
# @MigrateSetParameters:
#
# The migration parameters migrate-set-parameters can change; each one
# given replaces the current value.
#
# Features:
# @unstable: the COLO checkpoint delay is not a stable interface yet
##
{ 'struct': 'MigrateSetParameters',
  'data': { '*announce-initial': 'size', '*announce-max': 'size', '*announce-rounds': 'size',
            '*announce-step': 'size', '*compress-level': 'uint8', '*compress-threads': 'uint8',
            '*compress-wait-thread': 'bool', '*decompress-threads': 'uint8',
            '*throttle-trigger-threshold': 'uint8', '*cpu-throttle-initial': 'uint8',
            '*cpu-throttle-increment': 'uint8', '*cpu-throttle-tailslow': 'bool',
            '*tls-creds': 'StrOrNull', '*tls-hostname': 'StrOrNull',
            '*tls-authz': 'StrOrNull', '*max-bandwidth': 'size', '*downtime-limit': 'uint64',
            '*x-checkpoint-delay': { 'type': 'uint32', 'features': [ 'unstable' ] },
            '*block-incremental': 'bool', '*multifd-channels': 'uint8',
            '*xbzrle-cache-size': 'size', '*max-postcopy-bandwidth': 'size',
            '*max-cpu-throttle': 'uint8', '*multifd-compression': 'MultiFDCompression',
            '*multifd-zlib-level': 'uint8', '*multifd-zstd-level': 'uint8',
            '*block-bitmap-mapping': [ 'BitmapMigrationNodeAlias' ] } }

##
# @migrate-set-parameters:
#
# Change migration parameters; none changes unless all are valid.
##
{ 'command': 'migrate-set-parameters',
  'data': 'MigrateSetParameters',
  'boxed': true }

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

##
# @client_migrate_info:
#
# Tell the remote display's clients where the machine migrates to.
##
{ 'command': 'client_migrate_info',
  'data': { 'protocol': 'str', 'hostname': 'str', '*port': 'int', '*tls-port': 'int',
            '*cert-subject': 'str' } }

##
# @migrate-start-postcopy:
#
# Switch a running migration to postcopy.
##
{ 'command': 'migrate-start-postcopy' }

##
# @MIGRATION:
#
# The migration status changed.
##
{ 'event': 'MIGRATION',
  'data': { 'status': 'MigrationStatus' } }

##
# @MIGRATION_PASS:
#
# A pass over the guest's memory began, during a migration.
##
{ 'event': 'MIGRATION_PASS',
  'data': { 'pass': 'int' } }

##
# @COLO_EXIT:
#
# The machine left COLO mode.
##
{ 'event': 'COLO_EXIT',
  'data': { 'mode': 'COLOMode', 'reason': 'COLOExitReason' } }

##
# @x-colo-lost-heartbeat:
#
# Tell COLO that its peer's heartbeat was lost, for a failover.
#
# Features:
# @unstable: not a stable interface yet
##
{ 'command': 'x-colo-lost-heartbeat',
  'features': [ 'unstable' ] }

##
# @migrate_cancel:
#
# Cancel the current migration.
##
{ 'command': 'migrate_cancel' }

##
# @migrate-continue:
#
# Go on with a migration paused in the given state.
##
{ 'command': 'migrate-continue',
  'data': { 'state': 'MigrationStatus' } }

##
# @migrate:
#
# Migrate the machine to the given URI.
##
{ 'command': 'migrate',
  'data': { 'uri': 'str', '*blk': 'bool', '*inc': 'bool', '*detach': 'bool',
            '*resume': 'bool' } }

##
# @migrate-incoming:
#
# Start an incoming migration (with -incoming defer).
##
{ 'command': 'migrate-incoming',
  'data': { 'uri': 'str' } }

##
# @xen-save-devices-state:
#
# Save the state of the Xen devices to a file.
##
{ 'command': 'xen-save-devices-state',
  'data': { 'filename': 'str', '*live': 'bool' } }

##
# @xen-set-global-dirty-log:
#
# Turn dirty page logging on or off, for Xen.
##
{ 'command': 'xen-set-global-dirty-log',
  'data': { 'enable': 'bool' } }

##
# @xen-load-devices-state:
#
# Load the state of the Xen devices from a file.
##
{ 'command': 'xen-load-devices-state',
  'data': { 'filename': 'str' } }

##
# @xen-set-replication:
#
# Turn Xen COLO block replication on or off.
##
{ 'command': 'xen-set-replication',
  'data': { 'enable': 'bool', 'primary': 'bool', '*failover': 'bool' } }

"""
