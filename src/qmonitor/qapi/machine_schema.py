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
              'command-returns-exceptions': [ 'human-monitor-command' ],
              'member-name-exceptions': [ 'SysEmuTarget', 'UuidInfo' ] } }

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
