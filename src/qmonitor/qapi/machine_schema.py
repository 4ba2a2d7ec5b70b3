"""The null machine's QAPI schema: what its ``query-qmp-schema`` describes.

Written for qmonitor in QEMU's schema language; each definition has the
shape QEMU 7.2 introspects for the command or event of the same name
(tests/qapi/test_machine_schema.py compares them with the recorded
output of QEMU 7.2), in QEMU's order.  The ``x-qmonitor-*`` commands are
conditional on ``QMONITOR_EXTENSIONS`` (``-qmonitor-extensions``).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qmonitor.qapi.schema import Schema

#: The file name errors and modules refer to.
FNAME = "qmonitor-machine.json"

#: Configuration symbol of the -qmonitor-extensions commands.
EXTENSIONS = "QMONITOR_EXTENSIONS"

SCHEMA = r"""
# qmonitor's null machine, described in QEMU's schema language.

{ 'pragma': { 'command-name-exceptions': [ 'qmp_capabilities', 'system_reset',
                                           'system_powerdown' ],
              'command-returns-exceptions': [ 'human-monitor-command', 'qom-get' ],
              'member-name-exceptions': [ 'BlockDeviceInfo', 'BlockInfo', 'SysEmuTarget',
                                         'UuidInfo' ] } }

##
# @RunState:
#
# Where the machine is in its life.
##
{ 'enum': 'RunState',
  'data': [ 'debug', 'inmigrate', 'internal-error', 'io-error', 'paused',
            'postmigrate', 'prelaunch', 'finish-migrate', 'restore-vm',
            'running', 'save-vm', 'shutdown', 'suspended', 'watchdog',
            'guest-panicked', 'colo' ] }

##
# @ShutdownCause:
#
# Why the machine shut down or reset.
##
{ 'enum': 'ShutdownCause',
  'data': [ 'none', 'host-error', 'host-qmp-quit', 'host-qmp-system-reset',
            'host-signal', 'host-ui', 'guest-shutdown', 'guest-reset',
            'guest-panic', 'subsystem-reset', 'snapshot-load' ] }

##
# @StatusInfo:
#
# @running: true when the machine runs
# @singlestep: always false here
# @status: the run state
##
{ 'struct': 'StatusInfo',
  'data': { 'running': 'bool', 'singlestep': 'bool', 'status': 'RunState' } }

##
# @query-status:
#
# Returns: the run state
##
{ 'command': 'query-status', 'returns': 'StatusInfo', 'allow-preconfig': true }

##
# @SHUTDOWN:
#
# @guest: whether the guest asked for it
# @reason: why
##
{ 'event': 'SHUTDOWN', 'data': { 'guest': 'bool', 'reason': 'ShutdownCause' } }

##
# @POWERDOWN:
#
# A power-down request reached the machine.
##
{ 'event': 'POWERDOWN' }

##
# @RESET:
#
# @guest: whether the guest asked for it
# @reason: why
##
{ 'event': 'RESET', 'data': { 'guest': 'bool', 'reason': 'ShutdownCause' } }

##
# @STOP:
#
# The machine stopped.
##
{ 'event': 'STOP' }

##
# @RESUME:
#
# The machine runs again.
##
{ 'event': 'RESUME' }

##
# @WatchdogAction:
#
# What a watchdog expiry does.
##
{ 'enum': 'WatchdogAction',
  'data': [ 'reset', 'shutdown', 'poweroff', 'pause', 'debug', 'none',
            'inject-nmi' ] }

##
# @RebootAction:
#
# What a guest reboot does.
##
{ 'enum': 'RebootAction', 'data': [ 'reset', 'shutdown' ] }

##
# @ShutdownAction:
#
# What a guest shutdown does.
##
{ 'enum': 'ShutdownAction', 'data': [ 'poweroff', 'pause' ] }

##
# @PanicAction:
#
# What a guest panic does.
##
{ 'enum': 'PanicAction', 'data': [ 'pause', 'shutdown', 'exit-failure', 'none' ] }

##
# @WATCHDOG:
#
# @action: what the expiry did
##
{ 'event': 'WATCHDOG', 'data': { 'action': 'WatchdogAction' } }

##
# @watchdog-set-action:
#
# @action: the new action
##
{ 'command': 'watchdog-set-action', 'data': { 'action': 'WatchdogAction' } }

##
# @set-action:
#
# @reboot: on guest reboot
# @shutdown: on guest shutdown
# @panic: on guest panic
# @watchdog: on watchdog expiry
##
{ 'command': 'set-action',
  'data': { '*reboot': 'RebootAction', '*shutdown': 'ShutdownAction',
            '*panic': 'PanicAction', '*watchdog': 'WatchdogAction' },
  'allow-preconfig': true }

##
# @BlockdevDetectZeroesOptions:
#
# How a block node treats writes of zeroes.
##
{ 'enum': 'BlockdevDetectZeroesOptions',
  'data': [ 'off', 'on', 'unmap' ] }

##
# @SnapshotInfo:
#
# An internal snapshot of an image.
##
{ 'struct': 'SnapshotInfo',
  'data': { 'id': 'str', 'name': 'str', 'vm-state-size': 'int',
            'date-sec': 'int', 'date-nsec': 'int', 'vm-clock-sec': 'int',
            'vm-clock-nsec': 'int', '*icount': 'int' } }

##
# @ImageInfoSpecificKind:
#
# The image formats with format-specific information.
##
{ 'enum': 'ImageInfoSpecificKind',
  'data': [ 'qcow2', 'vmdk', 'luks', 'rbd' ] }

##
# @BlockdevQcow2EncryptionFormat:
#
# How a qcow2 image is encrypted.
##
{ 'enum': 'BlockdevQcow2EncryptionFormat',
  'data': [ 'aes', 'luks' ] }

##
# @QCryptoCipherAlgorithm:
#
# A cipher algorithm.
##
{ 'enum': 'QCryptoCipherAlgorithm',
  'data': [ 'aes-128', 'aes-192', 'aes-256', 'des', '3des', 'cast5-128',
            'serpent-128', 'serpent-192', 'serpent-256', 'twofish-128',
            'twofish-192', 'twofish-256' ] }

##
# @QCryptoCipherMode:
#
# A cipher mode.
##
{ 'enum': 'QCryptoCipherMode',
  'data': [ 'ecb', 'cbc', 'xts', 'ctr' ] }

##
# @QCryptoIVGenAlgorithm:
#
# An initialization vector generator.
##
{ 'enum': 'QCryptoIVGenAlgorithm',
  'data': [ 'plain', 'plain64', 'essiv' ] }

##
# @QCryptoHashAlgorithm:
#
# A hash algorithm.
##
{ 'enum': 'QCryptoHashAlgorithm',
  'data': [ 'md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'ripemd160' ] }

##
# @QCryptoBlockInfoLUKSSlot:
#
# A LUKS key slot.
##
{ 'struct': 'QCryptoBlockInfoLUKSSlot',
  'data': { 'active': 'bool', '*iters': 'int', '*stripes': 'int',
            'key-offset': 'int' } }

##
# @QCryptoBlockInfoLUKS:
#
# A LUKS volume's parameters.
##
{ 'struct': 'QCryptoBlockInfoLUKS',
  'data': { 'cipher-alg': 'QCryptoCipherAlgorithm',
            'cipher-mode': 'QCryptoCipherMode',
            'ivgen-alg': 'QCryptoIVGenAlgorithm',
            '*ivgen-hash-alg': 'QCryptoHashAlgorithm',
            'hash-alg': 'QCryptoHashAlgorithm', 'payload-offset': 'int',
            'master-key-iters': 'int', 'uuid': 'str',
            'slots': [ 'QCryptoBlockInfoLUKSSlot' ] } }

##
# @ImageInfoSpecificQCow2Encryption:
#
# A qcow2 image's encryption.
##
{ 'union': 'ImageInfoSpecificQCow2Encryption',
  'base': { 'format': 'BlockdevQcow2EncryptionFormat' },
  'discriminator': 'format',
  'data': { 'luks': 'QCryptoBlockInfoLUKS' } }

##
# @Qcow2BitmapInfoFlags:
#
# The flags of a qcow2 bitmap.
##
{ 'enum': 'Qcow2BitmapInfoFlags',
  'data': [ 'in-use', 'auto' ] }

##
# @Qcow2BitmapInfo:
#
# A persistent bitmap of a qcow2 image.
##
{ 'struct': 'Qcow2BitmapInfo',
  'data': { 'name': 'str', 'granularity': 'int', 'flags': [ 'Qcow2BitmapInfoFlags' ] } }

##
# @Qcow2CompressionType:
#
# How a qcow2 image compresses clusters.
##
{ 'enum': 'Qcow2CompressionType',
  'data': [ 'zlib', 'zstd' ] }

##
# @ImageInfoSpecificQCow2:
#
# What is special about a qcow2 image.
##
{ 'struct': 'ImageInfoSpecificQCow2',
  'data': { 'compat': 'str', '*data-file': 'str', '*data-file-raw': 'bool',
            '*extended-l2': 'bool', '*lazy-refcounts': 'bool',
            '*corrupt': 'bool', 'refcount-bits': 'int',
            '*encrypt': 'ImageInfoSpecificQCow2Encryption',
            '*bitmaps': [ 'Qcow2BitmapInfo' ],
            'compression-type': 'Qcow2CompressionType' } }

##
# @ImageInfoSpecificQCow2Wrapper:
#
# The qcow2 branch.
##
{ 'struct': 'ImageInfoSpecificQCow2Wrapper',
  'data': { 'data': 'ImageInfoSpecificQCow2' } }

##
# @ImageInfoSpecificVmdk:
#
# What is special about a VMDK image.
##
{ 'struct': 'ImageInfoSpecificVmdk',
  'data': { 'create-type': 'str', 'cid': 'int', 'parent-cid': 'int',
            'extents': [ 'ImageInfo' ] } }

##
# @ImageInfoSpecificVmdkWrapper:
#
# The VMDK branch.
##
{ 'struct': 'ImageInfoSpecificVmdkWrapper',
  'data': { 'data': 'ImageInfoSpecificVmdk' } }

##
# @ImageInfoSpecificLUKSWrapper:
#
# The LUKS branch.
##
{ 'struct': 'ImageInfoSpecificLUKSWrapper',
  'data': { 'data': 'QCryptoBlockInfoLUKS' } }

##
# @RbdImageEncryptionFormat:
#
# How an RBD image is encrypted.
##
{ 'enum': 'RbdImageEncryptionFormat',
  'data': [ 'luks', 'luks2' ] }

##
# @ImageInfoSpecificRbd:
#
# What is special about an RBD image.
##
{ 'struct': 'ImageInfoSpecificRbd',
  'data': { '*encryption-format': 'RbdImageEncryptionFormat' } }

##
# @ImageInfoSpecificRbdWrapper:
#
# The RBD branch.
##
{ 'struct': 'ImageInfoSpecificRbdWrapper',
  'data': { 'data': 'ImageInfoSpecificRbd' } }

##
# @ImageInfoSpecific:
#
# Format-specific information about an image.
##
{ 'union': 'ImageInfoSpecific',
  'base': { 'type': 'ImageInfoSpecificKind' },
  'discriminator': 'type',
  'data': { 'qcow2': 'ImageInfoSpecificQCow2Wrapper',
            'vmdk': 'ImageInfoSpecificVmdkWrapper',
            'luks': 'ImageInfoSpecificLUKSWrapper',
            'rbd': 'ImageInfoSpecificRbdWrapper' } }

##
# @ImageInfo:
#
# An image and its backing chain.
##
{ 'struct': 'ImageInfo',
  'data': { 'filename': 'str', 'format': 'str', '*dirty-flag': 'bool',
            '*actual-size': 'int', 'virtual-size': 'int',
            '*cluster-size': 'int', '*encrypted': 'bool',
            '*compressed': 'bool', '*backing-filename': 'str',
            '*full-backing-filename': 'str',
            '*backing-filename-format': 'str',
            '*snapshots': [ 'SnapshotInfo' ], '*backing-image': 'ImageInfo',
            '*format-specific': 'ImageInfoSpecific' } }

##
# @BlockdevCacheInfo:
#
# A block node's cache mode.
##
{ 'struct': 'BlockdevCacheInfo',
  'data': { 'writeback': 'bool', 'direct': 'bool', 'no-flush': 'bool' } }

##
# @BlockDirtyInfo:
#
# A dirty bitmap.
##
{ 'struct': 'BlockDirtyInfo',
  'data': { '*name': 'str', 'count': 'int', 'granularity': 'int',
            'recording': 'bool', 'busy': 'bool', 'persistent': 'bool',
            '*inconsistent': 'bool' } }

##
# @BlockDeviceInfo:
#
# A block node.
##
{ 'struct': 'BlockDeviceInfo',
  'data': { 'file': 'str', '*node-name': 'str', 'ro': 'bool', 'drv': 'str',
            '*backing_file': 'str', 'backing_file_depth': 'int',
            'encrypted': 'bool',
            'detect_zeroes': 'BlockdevDetectZeroesOptions', 'bps': 'int',
            'bps_rd': 'int', 'bps_wr': 'int', 'iops': 'int',
            'iops_rd': 'int', 'iops_wr': 'int', 'image': 'ImageInfo',
            '*bps_max': 'int', '*bps_rd_max': 'int', '*bps_wr_max': 'int',
            '*iops_max': 'int', '*iops_rd_max': 'int', '*iops_wr_max': 'int',
            '*bps_max_length': 'int', '*bps_rd_max_length': 'int',
            '*bps_wr_max_length': 'int', '*iops_max_length': 'int',
            '*iops_rd_max_length': 'int', '*iops_wr_max_length': 'int',
            '*iops_size': 'int', '*group': 'str',
            'cache': 'BlockdevCacheInfo', 'write_threshold': 'int',
            '*dirty-bitmaps': [ 'BlockDirtyInfo' ] } }

##
# @BlockDeviceIoStatus:
#
# The I/O status of a block device.
##
{ 'enum': 'BlockDeviceIoStatus',
  'data': [ 'ok', 'failed', 'nospace' ] }

##
# @BlockInfo:
#
# A block device.
##
{ 'struct': 'BlockInfo',
  'data': { 'device': 'str', '*qdev': 'str', 'type': 'str',
            'removable': 'bool', 'locked': 'bool',
            '*inserted': 'BlockDeviceInfo', '*tray_open': 'bool',
            '*io-status': 'BlockDeviceIoStatus' } }

##
# @query-block:
#
# Returns: the block devices (none on the null machine)
##
{ 'command': 'query-block',
  'returns': [ 'BlockInfo' ] }

##
# @query-named-block-nodes:
#
# @flat: leave out the backing chains
#
# Returns: the named block nodes (none on the null machine)
##
{ 'command': 'query-named-block-nodes',
  'data': { '*flat': 'bool' },
  'returns': [ 'BlockDeviceInfo' ] }

##
# @ChardevInfo:
#
# A chardev.
##
{ 'struct': 'ChardevInfo',
  'data': { 'label': 'str', 'filename': 'str', 'frontend-open': 'bool' } }

##
# @query-chardev:
#
# Returns: the chardevs
##
{ 'command': 'query-chardev',
  'returns': [ 'ChardevInfo' ],
  'allow-preconfig': true }

##
# @ChardevBackendInfo:
#
# A chardev backend.
##
{ 'struct': 'ChardevBackendInfo',
  'data': { 'name': 'str' } }

##
# @query-chardev-backends:
#
# Returns: the chardev backends QEMU 7.2 has
##
{ 'command': 'query-chardev-backends',
  'returns': [ 'ChardevBackendInfo' ] }

##
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

##
# @QMPCapability:
#
# A protocol capability a client may enable.
##
{ 'enum': 'QMPCapability', 'data': [ 'oob' ] }

##
# @qmp_capabilities:
#
# @enable: the capabilities to turn on
##
{ 'command': 'qmp_capabilities', 'data': { '*enable': [ 'QMPCapability' ] },
  'allow-preconfig': true }

##
# @VersionTriple:
#
# @major: major
# @minor: minor
# @micro: micro
##
{ 'struct': 'VersionTriple',
  'data': { 'major': 'int', 'minor': 'int', 'micro': 'int' } }

##
# @VersionInfo:
#
# @qemu: the emulated QEMU version
# @package: who built it
##
{ 'struct': 'VersionInfo', 'data': { 'qemu': 'VersionTriple', 'package': 'str' } }

##
# @query-version:
#
# Returns: the version
##
{ 'command': 'query-version', 'returns': 'VersionInfo', 'allow-preconfig': true }

##
# @CommandInfo:
#
# @name: a command's name
##
{ 'struct': 'CommandInfo', 'data': { 'name': 'str' } }

##
# @query-commands:
#
# Returns: the commands available now
##
{ 'command': 'query-commands', 'returns': [ 'CommandInfo' ], 'allow-preconfig': true }

##
# @quit:
#
# Ends the process.
##
{ 'command': 'quit', 'allow-preconfig': true }

##
# @SchemaMetaType:
#
# The kinds of schema entities.
##
{ 'enum': 'SchemaMetaType',
  'data': [ 'builtin', 'enum', 'array', 'object', 'alternate', 'command', 'event' ] }

##
# @JSONType:
#
# The JSON types a builtin stands for.
##
{ 'enum': 'JSONType',
  'data': [ 'string', 'number', 'int', 'boolean', 'null', 'object', 'array', 'value' ] }

##
# @SchemaInfoBuiltin:
#
# @json-type: its JSON type
##
{ 'struct': 'SchemaInfoBuiltin', 'data': { 'json-type': 'JSONType' } }

##
# @SchemaInfoEnumMember:
#
# @name: the value
# @features: its features
##
{ 'struct': 'SchemaInfoEnumMember', 'data': { 'name': 'str', '*features': [ 'str' ] } }

##
# @SchemaInfoEnum:
#
# @members: the values with their features
# @values: the values
#
# Features:
# @deprecated: use @members
##
{ 'struct': 'SchemaInfoEnum',
  'data': { 'members': [ 'SchemaInfoEnumMember' ],
            'values': { 'type': [ 'str' ], 'features': [ 'deprecated' ] } } }

##
# @SchemaInfoArray:
#
# @element-type: the element type's name
##
{ 'struct': 'SchemaInfoArray', 'data': { 'element-type': 'str' } }

##
# @SchemaInfoObjectMember:
#
# @name: member name
# @type: its type's name
# @default: present (null) when the member is optional
# @features: its features
##
{ 'struct': 'SchemaInfoObjectMember',
  'data': { 'name': 'str', 'type': 'str', '*default': 'any', '*features': [ 'str' ] } }

##
# @SchemaInfoObjectVariant:
#
# @case: the tag value
# @type: the branch type's name
##
{ 'struct': 'SchemaInfoObjectVariant', 'data': { 'case': 'str', 'type': 'str' } }

##
# @SchemaInfoObject:
#
# @members: the members
# @tag: the discriminator of a union
# @variants: the branches of a union
##
{ 'struct': 'SchemaInfoObject',
  'data': { 'members': [ 'SchemaInfoObjectMember' ], '*tag': 'str',
            '*variants': [ 'SchemaInfoObjectVariant' ] } }

##
# @SchemaInfoAlternateMember:
#
# @type: a branch type's name
##
{ 'struct': 'SchemaInfoAlternateMember', 'data': { 'type': 'str' } }

##
# @SchemaInfoAlternate:
#
# @members: the branches
##
{ 'struct': 'SchemaInfoAlternate', 'data': { 'members': [ 'SchemaInfoAlternateMember' ] } }

##
# @SchemaInfoCommand:
#
# @arg-type: argument type name
# @ret-type: return type name
# @allow-oob: whether it may run out of band
##
{ 'struct': 'SchemaInfoCommand',
  'data': { 'arg-type': 'str', 'ret-type': 'str', '*allow-oob': 'bool' } }

##
# @SchemaInfoEvent:
#
# @arg-type: data type name
##
{ 'struct': 'SchemaInfoEvent', 'data': { 'arg-type': 'str' } }

##
# @SchemaInfo:
#
# @name: the entity's name (types are masked as numbers)
# @meta-type: its kind
# @features: its features
##
{ 'union': 'SchemaInfo',
  'base': { 'name': 'str', 'meta-type': 'SchemaMetaType', '*features': [ 'str' ] },
  'discriminator': 'meta-type',
  'data': { 'builtin': 'SchemaInfoBuiltin', 'enum': 'SchemaInfoEnum',
            'array': 'SchemaInfoArray', 'object': 'SchemaInfoObject',
            'alternate': 'SchemaInfoAlternate', 'command': 'SchemaInfoCommand',
            'event': 'SchemaInfoEvent' } }

##
# @query-qmp-schema:
#
# Returns: the schema of this monitor
##
{ 'command': 'query-qmp-schema', 'returns': [ 'SchemaInfo' ],
  'gen': false, 'allow-preconfig': true }

##
# @ObjectPropertyInfo:
#
# A QOM property.
##
{ 'struct': 'ObjectPropertyInfo',
  'data': { 'name': 'str', 'type': 'str', '*description': 'str',
            '*default-value': 'any' } }

##
# @qom-list:
#
# @path: a QOM path
#
# Returns: the object's properties
##
{ 'command': 'qom-list',
  'data': { 'path': 'str' },
  'returns': [ 'ObjectPropertyInfo' ],
  'allow-preconfig': true }

##
# @qom-get:
#
# @path: a QOM path
# @property: a property of the object
#
# Returns: the property's value
##
{ 'command': 'qom-get',
  'data': { 'path': 'str', 'property': 'str' },
  'returns': 'any',
  'allow-preconfig': true }

##
# @SysEmuTarget:
#
# The targets QEMU emulates.
##
{ 'enum': 'SysEmuTarget',
  'data': [ 'aarch64', 'alpha', 'arm', 'avr', 'cris', 'hppa', 'i386',
            'loongarch64', 'm68k', 'microblaze', 'microblazeel', 'mips',
            'mips64', 'mips64el', 'mipsel', 'nios2', 'or1k', 'ppc', 'ppc64',
            'riscv32', 'riscv64', 'rx', 's390x', 'sh4', 'sh4eb', 'sparc',
            'sparc64', 'tricore', 'x86_64', 'xtensa', 'xtensaeb' ] }

##
# @CpuS390State:
#
# An s390x CPU's state.
##
{ 'enum': 'CpuS390State',
  'data': [ 'uninitialized', 'stopped', 'check-stop', 'operating', 'load' ] }

##
# @CpuInfoS390:
#
# @cpu-state: the state
##
{ 'struct': 'CpuInfoS390', 'data': { 'cpu-state': 'CpuS390State' } }

##
# @CpuInstanceProperties:
#
# @node-id: NUMA node
# @socket-id: socket
# @die-id: die
# @cluster-id: cluster
# @core-id: core
# @thread-id: thread
##
{ 'struct': 'CpuInstanceProperties',
  'data': { '*node-id': 'int', '*socket-id': 'int', '*die-id': 'int',
            '*cluster-id': 'int', '*core-id': 'int', '*thread-id': 'int' } }

##
# @CpuInfoFast:
#
# @cpu-index: index
# @qom-path: QOM path
# @thread-id: host thread
# @props: placement
# @target: the target
##
{ 'union': 'CpuInfoFast',
  'base': { 'cpu-index': 'int', 'qom-path': 'str', 'thread-id': 'int',
            '*props': 'CpuInstanceProperties', 'target': 'SysEmuTarget' },
  'discriminator': 'target',
  'data': { 's390x': 'CpuInfoS390' } }

##
# @query-cpus-fast:
#
# Returns: the CPUs (none on the null machine)
##
{ 'command': 'query-cpus-fast', 'returns': [ 'CpuInfoFast' ] }

##
# @MachineInfo:
#
# @name: machine type
# @alias: another name
# @is-default: whether it is the default
# @cpu-max: most CPUs
# @hotpluggable-cpus: CPU hot-plug
# @numa-mem-supported: NUMA memory
# @deprecated: deprecated type
# @default-cpu-type: CPU type
# @default-ram-id: RAM backend id
##
{ 'struct': 'MachineInfo',
  'data': { 'name': 'str', '*alias': 'str', '*is-default': 'bool', 'cpu-max': 'int',
            'hotpluggable-cpus': 'bool', 'numa-mem-supported': 'bool',
            'deprecated': 'bool', '*default-cpu-type': 'str',
            '*default-ram-id': 'str' } }

##
# @query-machines:
#
# Returns: the machine types
##
{ 'command': 'query-machines', 'returns': [ 'MachineInfo' ] }

##
# @TargetInfo:
#
# @arch: the target
##
{ 'struct': 'TargetInfo', 'data': { 'arch': 'SysEmuTarget' } }

##
# @query-target:
#
# Returns: the target
##
{ 'command': 'query-target', 'returns': 'TargetInfo', 'allow-preconfig': true }

##
# @UuidInfo:
#
# @UUID: the machine's UUID
##
{ 'struct': 'UuidInfo', 'data': { 'UUID': 'str' } }

##
# @query-uuid:
#
# Returns: the UUID
##
{ 'command': 'query-uuid', 'returns': 'UuidInfo', 'allow-preconfig': true }

##
# @system_reset:
#
# Resets the machine.
##
{ 'command': 'system_reset' }

##
# @system_powerdown:
#
# Asks the guest to power down.
##
{ 'command': 'system_powerdown' }

##
# @KvmInfo:
#
# @enabled: KVM in use
# @present: KVM available
##
{ 'struct': 'KvmInfo', 'data': { 'enabled': 'bool', 'present': 'bool' } }

##
# @query-kvm:
#
# Returns: KVM's status
##
{ 'command': 'query-kvm', 'returns': 'KvmInfo', 'allow-preconfig': true }

##
# @HotpluggableCPU:
#
# A CPU slot.
##
{ 'struct': 'HotpluggableCPU',
  'data': { 'type': 'str', 'vcpus-count': 'int',
            'props': 'CpuInstanceProperties', '*qom-path': 'str' } }

##
# @query-hotpluggable-cpus:
#
# Returns: the CPU slots
##
{ 'command': 'query-hotpluggable-cpus',
  'returns': [ 'HotpluggableCPU' ],
  'allow-preconfig': true }

##
# @YankInstanceType:
#
# What kind of thing can be yanked.
##
{ 'enum': 'YankInstanceType', 'data': [ 'block-node', 'chardev', 'migration' ] }

##
# @YankInstanceBlockNode:
#
# @node-name: the block node
##
{ 'struct': 'YankInstanceBlockNode', 'data': { 'node-name': 'str' } }

##
# @YankInstanceChardev:
#
# @id: the chardev
##
{ 'struct': 'YankInstanceChardev', 'data': { 'id': 'str' } }

##
# @YankInstance:
#
# Something whose network connections can be cut at once.
#
# @type: the kind of instance
##
{ 'union': 'YankInstance',
  'base': { 'type': 'YankInstanceType' },
  'discriminator': 'type',
  'data': { 'block-node': 'YankInstanceBlockNode',
            'chardev': 'YankInstanceChardev' } }

##
# @yank:
#
# Cuts the network connections of the instances, all or none.
#
# @instances: what to yank
##
{ 'command': 'yank', 'data': { 'instances': [ 'YankInstance' ] },
  'allow-oob': true }

##
# @query-yank:
#
# Returns: the instances that can be yanked
##
{ 'command': 'query-yank', 'returns': [ 'YankInstance' ], 'allow-oob': true }

##
# @NameInfo:
#
# @name: the machine's -name
##
{ 'struct': 'NameInfo', 'data': { '*name': 'str' } }

##
# @query-name:
#
# Returns: the name
##
{ 'command': 'query-name', 'returns': 'NameInfo', 'allow-preconfig': true }

##
# @IOThreadInfo:
#
# An I/O thread.
##
{ 'struct': 'IOThreadInfo',
  'data': { 'id': 'str', 'thread-id': 'int', 'poll-max-ns': 'int',
            'poll-grow': 'int', 'poll-shrink': 'int', 'aio-max-batch': 'int' } }

##
# @query-iothreads:
#
# Returns: the I/O threads (none on the null machine)
##
{ 'command': 'query-iothreads',
  'returns': [ 'IOThreadInfo' ],
  'allow-preconfig': true }

##
# @stop:
#
# Stops the machine.
##
{ 'command': 'stop' }

##
# @cont:
#
# Resumes the machine.
##
{ 'command': 'cont' }

##
# @human-monitor-command:
#
# @command-line: an HMP command
# @cpu-index: the CPU it acts on
#
# Features:
# @savevm-monitor-nodes: as QEMU 7.2 announces
#
# Returns: what HMP printed
##
{ 'command': 'human-monitor-command',
  'data': { 'command-line': 'str', '*cpu-index': 'int' },
  'returns': 'str',
  'features': [ 'savevm-monitor-nodes' ] }

##
# @CommandLineParameterType:
#
# The type of a command-line option's parameter.
##
{ 'enum': 'CommandLineParameterType',
  'data': [ 'string', 'boolean', 'number', 'size' ] }

##
# @CommandLineParameterInfo:
#
# @name: the parameter's name
# @type: its type
# @help: what it does
# @default: its default value
##
{ 'struct': 'CommandLineParameterInfo',
  'data': { 'name': 'str', 'type': 'CommandLineParameterType',
            '*help': 'str', '*default': 'str' } }

##
# @CommandLineOptionInfo:
#
# @option: the option's name
# @parameters: its parameters
##
{ 'struct': 'CommandLineOptionInfo',
  'data': { 'option': 'str', 'parameters': [ 'CommandLineParameterInfo' ] } }

##
# @query-command-line-options:
#
# @option: only this option
#
# Returns: the command-line options and their parameters
##
{ 'command': 'query-command-line-options',
  'data': { '*option': 'str' },
  'returns': [ 'CommandLineOptionInfo' ],
  'allow-preconfig': true }

##
# @RTC_CHANGE:
#
# @offset: seconds from host time
# @qom-path: the RTC device
##
{ 'event': 'RTC_CHANGE', 'data': { 'offset': 'int', 'qom-path': 'str' } }

##
# @x-qmonitor-emit-event:
#
# @event: the event's name
# @data: its data
##
{ 'command': 'x-qmonitor-emit-event', 'data': { 'event': 'str', '*data': 'any' },
  'if': 'QMONITOR_EXTENSIONS' }

##
# @x-qmonitor-emit-events:
#
# @event: the event's name
# @count: how many
# @data: their data
# @counter: a data member to number them by
##
{ 'command': 'x-qmonitor-emit-events',
  'data': { 'event': 'str', 'count': 'int', '*data': 'any', '*counter': 'str' },
  'if': 'QMONITOR_EXTENSIONS' }
"""


@lru_cache(maxsize=2)
def machine_schema(extensions: bool = False) -> Schema:
    """The checked schema (with the extension commands when asked)."""
    from qmonitor.qapi.schema import load_schema_text

    return load_schema_text(SCHEMA, FNAME, (EXTENSIONS,) if extensions else ())


@lru_cache(maxsize=2)
def _machine_schema_info(extensions: bool) -> tuple[dict[str, Any], ...]:
    from qmonitor.qapi.introspect import schema_info

    return tuple(schema_info(machine_schema(extensions)))


def machine_schema_info(extensions: bool = False) -> list[dict[str, Any]]:
    """The null machine's ``query-qmp-schema`` reply (a fresh copy each call)."""
    return copy.deepcopy(list(_machine_schema_info(extensions)))
