"""Block devices: their query commands answer empty lists here (block-core.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

from qmonitor.machine.schema import block_nodes

TEXT = (
    r"""##
# @query-pr-managers:
#
# The persistent reservation managers.
#
# Returns: the managers and whether each is connected
##
{ 'command': 'query-pr-managers',
  'returns': [ 'PRManagerInfo' ],
  'allow-preconfig': true }
"""
    + block_nodes.MEDIA
    + r"""
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

"""
    + block_nodes.THROTTLE
    + r"""
##
# @query-block:
#
# Returns: the block devices (none on the null machine)
##
{ 'command': 'query-block',
  'returns': [ 'BlockInfo' ] }

##
# @query-blockstats:
#
# Statistics of every block device.
#
# Returns: one entry per device (or node, if asked)
##
{ 'command': 'query-blockstats',
  'data': { '*query-nodes': 'bool' },
  'returns': [ 'BlockStats' ],
  'allow-preconfig': true }

##
# @query-block-jobs:
#
# Lists the block jobs.
#
# Returns: the block jobs (none on the null machine)
##
{ 'command': 'query-block-jobs',
  'returns': [ 'BlockJobInfo' ],
  'allow-preconfig': true }
"""
    + block_nodes.RESIZE
    + r"""
##
# @block-commit:
#
# Starts a job that writes the data of a backing chain's upper layers into a
# lower one (@base) and drops them from the chain.
##
{ 'command': 'block-commit',
  'data': 'BlockCommitArgs', 'boxed': true }

##
# @drive-backup:
#
# Starts a backup job from a device to a new image file, opened by name.
#
# Features:
# @deprecated: may go away in a later version
##
{ 'command': 'drive-backup',
  'data': 'DriveBackup', 'boxed': true,
  'features': [ 'deprecated' ] }

##
# @blockdev-backup:
#
# Starts a backup job from one node to another existing node.
##
{ 'command': 'blockdev-backup',
  'data': 'BlockdevBackup', 'boxed': true }

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

"""
)
