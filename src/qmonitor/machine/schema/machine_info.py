"""The guest's memory, interrupts, ROMs and record/replay state (machine.json, replay.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @MemoryInfo:
#
# How much memory the guest has.
##
{ 'struct': 'MemoryInfo',
  'data': { 'base-memory': 'size', '*plugged-memory': 'size' } }

##
# @query-memory-size-summary:
#
# The guest's base and hot-plugged memory.
#
# Returns: the sizes in bytes
##
{ 'command': 'query-memory-size-summary',
  'returns': 'MemoryInfo' }

##
# @MemoryDeviceInfo:
#
# A memory device and its properties.
##
{ 'union': 'MemoryDeviceInfo',
  'base': { 'type': 'MemoryDeviceInfoKind' },
  'discriminator': 'type',
  'data': { 'dimm': 'PCDIMMDeviceInfoWrapper', 'nvdimm': 'PCDIMMDeviceInfoWrapper',
            'virtio-pmem': 'VirtioPMEMDeviceInfoWrapper',
            'virtio-mem': 'VirtioMEMDeviceInfoWrapper',
            'sgx-epc': 'SgxEPCDeviceInfoWrapper' } }

##
# @MemoryDeviceInfoKind:
#
# The kinds of memory device.
##
{ 'enum': 'MemoryDeviceInfoKind',
  'data': [ 'dimm', 'nvdimm', 'virtio-pmem', 'virtio-mem', 'sgx-epc' ] }

##
# @PCDIMMDeviceInfoWrapper:
#
# A DIMM or NVDIMM.
##
{ 'struct': 'PCDIMMDeviceInfoWrapper',
  'data': { 'data': 'PCDIMMDeviceInfo' } }

##
# @VirtioPMEMDeviceInfoWrapper:
#
# A virtio-pmem device.
##
{ 'struct': 'VirtioPMEMDeviceInfoWrapper',
  'data': { 'data': 'VirtioPMEMDeviceInfo' } }

##
# @VirtioMEMDeviceInfoWrapper:
#
# A virtio-mem device.
##
{ 'struct': 'VirtioMEMDeviceInfoWrapper',
  'data': { 'data': 'VirtioMEMDeviceInfo' } }

##
# @SgxEPCDeviceInfoWrapper:
#
# An SGX EPC section.
##
{ 'struct': 'SgxEPCDeviceInfoWrapper',
  'data': { 'data': 'SgxEPCDeviceInfo' } }

##
# @PCDIMMDeviceInfo:
#
# Properties of a DIMM.
##
{ 'struct': 'PCDIMMDeviceInfo',
  'data': { '*id': 'str', 'addr': 'int', 'size': 'int', 'slot': 'int', 'node': 'int',
            'memdev': 'str', 'hotplugged': 'bool', 'hotpluggable': 'bool' } }

##
# @VirtioPMEMDeviceInfo:
#
# Properties of a virtio-pmem device.
##
{ 'struct': 'VirtioPMEMDeviceInfo',
  'data': { '*id': 'str', 'memaddr': 'size', 'size': 'size', 'memdev': 'str' } }

##
# @VirtioMEMDeviceInfo:
#
# Properties of a virtio-mem device.
##
{ 'struct': 'VirtioMEMDeviceInfo',
  'data': { '*id': 'str', 'memaddr': 'size', 'requested-size': 'size', 'size': 'size',
            'max-size': 'size', 'block-size': 'size', 'node': 'int', 'memdev': 'str' } }

##
# @SgxEPCDeviceInfo:
#
# Properties of an SGX EPC section.
##
{ 'struct': 'SgxEPCDeviceInfo',
  'data': { '*id': 'str', 'memaddr': 'size', 'size': 'size', 'node': 'int',
            'memdev': 'str' } }

##
# @query-memory-devices:
#
# The memory devices plugged into the guest.
#
# Returns: the devices
##
{ 'command': 'query-memory-devices',
  'returns': [ 'MemoryDeviceInfo' ] }

##
# @MEMORY_DEVICE_SIZE_CHANGE:
#
# A memory device's size as the guest sees it changed.
##
{ 'event': 'MEMORY_DEVICE_SIZE_CHANGE',
  'data': { '*id': 'str', 'size': 'int', 'qom-path': 'str' } }

##
# @MEM_UNPLUG_ERROR:
#
# Unplugging a memory device failed.
#
# Features:
# @deprecated: DEVICE_UNPLUG_GUEST_ERROR says the same
##
{ 'event': 'MEM_UNPLUG_ERROR',
  'data': { 'device': 'str', 'msg': 'str' },
  'features': [ 'deprecated' ] }

##
# @HumanReadableText:
#
# Text meant for people, not programs.
##
{ 'struct': 'HumanReadableText',
  'data': { 'human-readable-text': 'str' } }

##
# @x-query-irq:
#
# Interrupt counts of the interrupt controllers.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the counts as text
##
{ 'command': 'x-query-irq',
  'returns': 'HumanReadableText',
  'features': [ 'unstable' ] }

##
# @x-query-jit:
#
# State of the TCG translation buffer.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the state as text (TCG only)
##
{ 'command': 'x-query-jit',
  'returns': 'HumanReadableText',
  'features': [ 'unstable' ] }

##
# @x-query-numa:
#
# The guest's NUMA nodes.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the nodes as text
##
{ 'command': 'x-query-numa',
  'returns': 'HumanReadableText',
  'features': [ 'unstable' ] }

##
# @x-query-opcount:
#
# TCG opcode counts.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the counts as text (TCG only)
##
{ 'command': 'x-query-opcount',
  'returns': 'HumanReadableText',
  'features': [ 'unstable' ] }

##
# @x-query-profile:
#
# The internal profiler's figures.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the figures as text
##
{ 'command': 'x-query-profile',
  'returns': 'HumanReadableText',
  'features': [ 'unstable' ] }

##
# @x-query-ramblock:
#
# The guest's RAM blocks.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the blocks as text
##
{ 'command': 'x-query-ramblock',
  'returns': 'HumanReadableText',
  'features': [ 'unstable' ] }

##
# @x-query-rdma:
#
# RDMA device statistics.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the statistics as text
##
{ 'command': 'x-query-rdma',
  'returns': 'HumanReadableText',
  'features': [ 'unstable' ] }

##
# @x-query-roms:
#
# The ROMs loaded into the guest.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the ROMs as text
##
{ 'command': 'x-query-roms',
  'returns': 'HumanReadableText',
  'features': [ 'unstable' ] }

##
# @x-query-usb:
#
# The USB devices of the guest.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the devices as text
##
{ 'command': 'x-query-usb',
  'returns': 'HumanReadableText',
  'features': [ 'unstable' ] }

##
# @dumpdtb:
#
# Write the machine's flattened device tree to a file.
##
{ 'command': 'dumpdtb',
  'data': { 'filename': 'str' } }

##
# @CpuModelExpansionType:
#
# How much of a CPU model to expand.
##
{ 'enum': 'CpuModelExpansionType',
  'data': [ 'static', 'full' ] }

##
# @CpuModelInfo:
#
# A CPU model and property values.
##
{ 'struct': 'CpuModelInfo',
  'data': { 'name': 'str', '*props': 'any' } }

##
# @CpuModelExpansionInfo:
#
# A CPU model expanded.
##
{ 'struct': 'CpuModelExpansionInfo',
  'data': { 'model': 'CpuModelInfo' } }

##
# @query-cpu-model-expansion:
#
# Expand a CPU model into a base model and properties.
#
# Returns: the expansion
##
{ 'command': 'query-cpu-model-expansion',
  'data': { 'type': 'CpuModelExpansionType', 'model': 'CpuModelInfo' },
  'returns': 'CpuModelExpansionInfo' }

##
# @CpuDefinitionInfo:
#
# A CPU model.
##
{ 'struct': 'CpuDefinitionInfo',
  'data': { 'name': 'str', '*migration-safe': 'bool', 'static': 'bool',
            '*unavailable-features': [ 'str' ], 'typename': 'str', '*alias-of': 'str',
            'deprecated': 'bool' } }

##
# @query-cpu-definitions:
#
# The CPU models.
#
# Returns: the models
##
{ 'command': 'query-cpu-definitions',
  'returns': [ 'CpuDefinitionInfo' ] }

##
# @ReplayInfo:
#
# The record/replay state.
##
{ 'struct': 'ReplayInfo',
  'data': { 'mode': 'ReplayMode', '*filename': 'str', 'icount': 'int' } }

##
# @ReplayMode:
#
# Whether execution is recorded or replayed.
##
{ 'enum': 'ReplayMode',
  'data': [ 'none', 'record', 'play' ] }

##
# @query-replay:
#
# The record/replay state.
#
# Returns: the mode and instruction count
##
{ 'command': 'query-replay',
  'returns': 'ReplayInfo' }

##
# @replay-break:
#
# Stop the replay at an instruction count.
##
{ 'command': 'replay-break',
  'data': { 'icount': 'int' } }

##
# @replay-delete-break:
#
# Remove the replay's stopping point.
##
{ 'command': 'replay-delete-break' }

##
# @replay-seek:
#
# Move the replay to an instruction count.
##
{ 'command': 'replay-seek',
  'data': { 'icount': 'int' } }
"""
