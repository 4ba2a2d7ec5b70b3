"""Yank, the rest of misc.json, the RTC event, and qmonitor's extensions.

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
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
# @add_client:
#
# Give a display or the monitor a client connected on a file descriptor.
##
{ 'command': 'add_client',
  'data': { 'protocol': 'str', 'fdname': 'str', '*skipauth': 'bool', '*tls': 'bool' } }

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
# @x-exit-preconfig:
#
# Ends the preconfig state that --preconfig started: the machine is built
# and, without -S, starts running.  Refused once the machine is built.
#
# Features:
# @unstable: the command may change or go away.
##
{ 'command': 'x-exit-preconfig', 'allow-preconfig': true,
  'features': [ 'unstable' ] }

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
# @getfd:
#
# Names the file descriptor the client sent with this command (SCM_RIGHTS
# on a unix socket) in the monitor's table; a name in use is given the new
# descriptor and its old one is closed.
#
# @fdname: the name, not starting with a digit
##
{ 'command': 'getfd', 'data': { 'fdname': 'str' } }

##
# @closefd:
#
# Closes a descriptor named with getfd on this monitor.
#
# @fdname: its name
##
{ 'command': 'closefd', 'data': { 'fdname': 'str' } }

##
# @AddfdInfo:
#
# Where add-fd put a descriptor.
#
# @fdset-id: the fd set
# @fd: the descriptor's number in this process
##
{ 'struct': 'AddfdInfo', 'data': { 'fdset-id': 'int', 'fd': 'int' } }

##
# @add-fd:
#
# Puts the file descriptor the client sent with this command into an fd
# set, shared by all monitors.
#
# @fdset-id: the set (a new one with the lowest free id when absent)
# @opaque: a free-form text kept with the descriptor
#
# Returns: where it went
##
{ 'command': 'add-fd',
  'data': { '*fdset-id': 'int', '*opaque': 'str' },
  'returns': 'AddfdInfo' }

##
# @remove-fd:
#
# Removes a descriptor, or all of them, from an fd set; it is closed once
# nothing opened from the set is still open.
#
# @fdset-id: the set
# @fd: the descriptor (all of the set's when absent)
##
{ 'command': 'remove-fd', 'data': { 'fdset-id': 'int', '*fd': 'int' } }

##
# @FdsetInfo:
#
# A file descriptor set.
##
{ 'struct': 'FdsetInfo',
  'data': { 'fdset-id': 'int', 'fds': [ 'FdsetFdInfo' ] } }

##
# @FdsetFdInfo:
#
# One file descriptor of a set.
##
{ 'struct': 'FdsetFdInfo',
  'data': { 'fd': 'int', '*opaque': 'str' } }

##
# @query-fdsets:
#
# The file descriptor sets added with add-fd.
#
# Returns: the sets
##
{ 'command': 'query-fdsets',
  'returns': [ 'FdsetInfo' ] }

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
