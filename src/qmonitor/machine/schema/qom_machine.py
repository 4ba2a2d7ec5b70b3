"""QOM and the machine (qom.json, machine.json, machine-target.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
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
# @qom-set:
#
# Sets a property of an object.
##
{ 'command': 'qom-set',
  'data': { 'path': 'str', 'property': 'str', 'value': 'any' },
  'allow-preconfig': true }

##
# @ObjectTypeInfo:
#
# A QOM type.
#
# @name: the type's name
# @abstract: present and true for a type that cannot be instantiated
# @parent: the type it derives from
##
{ 'struct': 'ObjectTypeInfo',
  'data': { 'name': 'str', '*abstract': 'bool', '*parent': 'str' } }

##
# @qom-list-types:
#
# @implements: only types that can be cast to this one
# @abstract: include abstract types (default false)
#
# Returns: the QOM types
##
{ 'command': 'qom-list-types',
  'data': { '*implements': 'str', '*abstract': 'bool' },
  'returns': [ 'ObjectTypeInfo' ],
  'allow-preconfig': true }

##
# @qom-list-properties:
#
# @typename: a QOM type
#
# Returns: the properties an object of that type has
##
{ 'command': 'qom-list-properties',
  'data': { 'typename': 'str'},
  'returns': [ 'ObjectPropertyInfo' ],
  'allow-preconfig': true }

##
# @object-add:
#
# Creates an object.
##
{ 'command': 'object-add',
  'data': 'ObjectOptions',
  'boxed': true,
  'allow-preconfig': true }

##
# @object-del:
#
# Deletes an object made with object-add.
##
{ 'command': 'object-del',
  'data': { 'id': 'str' },
  'allow-preconfig': true }

##
# @device-list-properties:
#
# @typename: a device type
#
# Returns: the properties a user may set on such a device
##
{ 'command': 'device-list-properties',
  'data': { 'typename': 'str'},
  'returns': [ 'ObjectPropertyInfo' ] }

##
# @device_add:
#
# Add a device; members other than these are the device's properties.
#
# Features:
# @json-cli: -device takes JSON
# @json-cli-hotplug: -device JSON works with device_del
##
{ 'command': 'device_add',
  'data': { 'driver': 'str', '*bus': 'str', '*id': 'str' },
  'gen': false,
  'features': [ 'json-cli', 'json-cli-hotplug' ] }

##
# @device_del:
#
# Remove a device, by id or QOM path; the guest may have to agree first.
##
{ 'command': 'device_del',
  'data': { 'id': 'str' } }

##
# @DEVICE_DELETED:
#
# A device is gone.
##
{ 'event': 'DEVICE_DELETED',
  'data': { '*device': 'str', 'path': 'str' } }

##
# @DEVICE_UNPLUG_GUEST_ERROR:
#
# The guest refused to give up a device.
##
{ 'event': 'DEVICE_UNPLUG_GUEST_ERROR',
  'data': { '*device': 'str', 'path': 'str' } }

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
# @query-current-machine:
#
# Facts about the running machine.
#
# Returns: whether the guest can be woken from suspend
##
{ 'command': 'query-current-machine',
  'returns': 'CurrentMachineParams' }

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
# @query-vm-generation-id:
#
# The VM Generation ID device's GUID.
#
# Returns: the GUID (an error without the device)
##
{ 'command': 'query-vm-generation-id',
  'returns': 'GuidInfo' }

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
# @system_wakeup:
#
# Wake a guest up from suspend to RAM.
##
{ 'command': 'system_wakeup' }

##
# @inject-nmi:
#
# Inject a non-maskable interrupt into the guest's CPUs.
##
{ 'command': 'inject-nmi' }

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
# @memsave:
#
# Save a range of a vCPU's virtual memory to a file.
##
{ 'command': 'memsave',
  'data': { 'val': 'int', 'size': 'int', 'filename': 'str', '*cpu-index': 'int' } }

##
# @pmemsave:
#
# Save a range of guest physical memory to a file.
##
{ 'command': 'pmemsave',
  'data': { 'val': 'int', 'size': 'int', 'filename': 'str' } }

##
# @HostMemPolicy:
#
# How a memory backend's pages are bound to host NUMA nodes.
#
# @default: the host's default policy
# @preferred: preferably on the given nodes
# @bind: only on the given nodes
# @interleave: spread over the given nodes
##
{ 'enum': 'HostMemPolicy',
  'data': [ 'default', 'preferred', 'bind', 'interleave' ] }

##
# @Memdev:
#
# One memory backend object.
#
# @id: its id
# @size: its size in bytes
# @merge: whether the host may merge identical pages
# @dump: whether its pages go into core dumps
# @prealloc: whether its pages were allocated at once
# @share: whether its memory is shared with other processes
# @reserve: whether swap space is reserved for it
# @host-nodes: the host NUMA nodes of its policy
# @policy: its NUMA policy
##
{ 'struct': 'Memdev',
  'data': { '*id': 'str', 'size': 'size', 'merge': 'bool', 'dump': 'bool',
            'prealloc': 'bool', 'share': 'bool', '*reserve': 'bool',
            'host-nodes': [ 'uint16' ], 'policy': 'HostMemPolicy' } }

##
# @query-memdev:
#
# Returns: the memory backends, in the order of /objects
##
{ 'command': 'query-memdev', 'returns': [ 'Memdev' ], 'allow-preconfig': true }

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
# @NumaOptionsType:
#
# The kinds of NUMA setting.
##
{ 'enum': 'NumaOptionsType',
  'data': [ 'node', 'dist', 'cpu', 'hmat-lb', 'hmat-cache' ] }

##
# @NumaNodeOptions:
#
# A NUMA node.
##
{ 'struct': 'NumaNodeOptions',
  'data': { '*nodeid': 'uint16', '*cpus': [ 'uint16' ], '*mem': 'size', '*memdev': 'str',
            '*initiator': 'uint16' } }

##
# @NumaDistOptions:
#
# The distance between two NUMA nodes.
##
{ 'struct': 'NumaDistOptions',
  'data': { 'src': 'uint16', 'dst': 'uint16', 'val': 'uint8' } }

##
# @NumaCpuOptions:
#
# The NUMA node of a CPU.
##
{ 'struct': 'NumaCpuOptions',
  'data': { '*node-id': 'int', '*socket-id': 'int', '*die-id': 'int', '*cluster-id': 'int',
            '*core-id': 'int', '*thread-id': 'int' } }

##
# @HmatLBMemoryHierarchy:
#
# The level of memory a latency or bandwidth is for.
##
{ 'enum': 'HmatLBMemoryHierarchy',
  'data': [ 'memory', 'first-level', 'second-level', 'third-level' ] }

##
# @HmatLBDataType:
#
# What an HMAT latency and bandwidth entry gives.
##
{ 'enum': 'HmatLBDataType',
  'data': [ 'access-latency', 'read-latency', 'write-latency', 'access-bandwidth',
    'read-bandwidth', 'write-bandwidth' ] }

##
# @NumaHmatLBOptions:
#
# An HMAT latency or bandwidth between an initiator and a target.
##
{ 'struct': 'NumaHmatLBOptions',
  'data': { 'initiator': 'uint16', 'target': 'uint16', 'hierarchy': 'HmatLBMemoryHierarchy',
            'data-type': 'HmatLBDataType', '*latency': 'uint64', '*bandwidth': 'size' } }

##
# @HmatCacheAssociativity:
#
# A memory-side cache's associativity.
##
{ 'enum': 'HmatCacheAssociativity',
  'data': [ 'none', 'direct', 'complex' ] }

##
# @HmatCacheWritePolicy:
#
# A memory-side cache's write policy.
##
{ 'enum': 'HmatCacheWritePolicy',
  'data': [ 'none', 'write-back', 'write-through' ] }

##
# @NumaHmatCacheOptions:
#
# An HMAT memory-side cache.
##
{ 'struct': 'NumaHmatCacheOptions',
  'data': { 'node-id': 'uint32', 'size': 'size', 'level': 'uint8',
            'associativity': 'HmatCacheAssociativity', 'policy': 'HmatCacheWritePolicy',
            'line': 'uint16' } }

##
# @NumaOptions:
#
# A NUMA setting, by kind.
##
{ 'union': 'NumaOptions',
  'base': { 'type': 'NumaOptionsType' },
  'discriminator': 'type',
  'data': { 'node': 'NumaNodeOptions', 'dist': 'NumaDistOptions', 'cpu': 'NumaCpuOptions',
            'hmat-lb': 'NumaHmatLBOptions', 'hmat-cache': 'NumaHmatCacheOptions' } }

##
# @set-numa-node:
#
# Set NUMA settings, before the machine is made (with --preconfig).
##
{ 'command': 'set-numa-node',
  'data': 'NumaOptions',
  'boxed': true,
  'allow-preconfig': true }

##
# @balloon:
#
# @value: the guest's new memory size, in bytes
##
{ 'command': 'balloon', 'data': { 'value': 'int' } }

##
# @BalloonInfo:
#
# @actual: the guest's memory size, in bytes
##
{ 'struct': 'BalloonInfo', 'data': { 'actual': 'int' } }

##
# @query-balloon:
#
# Returns: the balloon's state
##
{ 'command': 'query-balloon', 'returns': 'BalloonInfo' }

##
# @BALLOON_CHANGE:
#
# The guest's balloon driver changed the guest's memory size.
##
{ 'event': 'BALLOON_CHANGE',
  'data': { 'actual': 'int' } }

"""
