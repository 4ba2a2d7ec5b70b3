"""Run state, its events, and the actions of -action (QEMU: run-state.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""
# qmonitor's null machine, described in QEMU's schema language.

{ 'pragma': { 'command-name-exceptions': [ 'qmp_capabilities', 'system_reset',
                                           'system_powerdown', 'set_link', 'netdev_add',
                                           'netdev_del', 'set_password', 'expire_password',
                                           'client_migrate_info', 'migrate_cancel',
                                           'system_wakeup', 'add_client', 'device_add',
                                           'device_del', 'block_set_io_throttle',
                                           'block_resize' ],
              'command-returns-exceptions': [ 'human-monitor-command', 'qom-get',
                                              'query-tpm-models', 'query-tpm-types',
                                              'ringbuf-read' ],
              'member-name-exceptions': [ 'ACPISlotType', 'BlkdebugEvent',
                                         'BlkdebugSetStateOptions', 'BlockDeviceInfo',
                                         'BlockDeviceStats', 'BlockDeviceTimedStats',
                                         'BlockIOThrottle', 'BlockInfo', 'BlockdevAioOptions',
                                         'BlockdevCreateOptionsVmdkAdapterType',
                                         'BlockdevCreateOptionsVmdkSubformat',
                                         'BlockdevDriver', 'ColoCompareProperties',
                                         'FilterMirrorProperties',
                                         'FilterRedirectorProperties',
                                         'FilterRewriterProperties',
                                         'InputLinuxProperties', 'NetdevTapOptions',
                                         'ObjectType', 'PciBusInfo', 'PciDeviceInfo',
                                         'PciMemoryRegion', 'QKeyCode',
                                         'SshHostKeyCheckMode', 'SysEmuTarget', 'UuidInfo',
                                         'VncClientInfo' ] } }

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
# @SUSPEND:
#
# The guest suspended to RAM.
##
{ 'event': 'SUSPEND' }

##
# @SUSPEND_DISK:
#
# The guest suspended to disk.
##
{ 'event': 'SUSPEND_DISK' }

##
# @WAKEUP:
#
# The guest woke up from suspend.
##
{ 'event': 'WAKEUP' }

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
# @GuestPanicAction:
#
# What was done about a guest panic.
##
{ 'enum': 'GuestPanicAction',
  'data': [ 'pause', 'poweroff', 'run' ] }

##
# @GuestPanicInformationType:
#
# The kinds of panic information.
##
{ 'enum': 'GuestPanicInformationType',
  'data': [ 'hyper-v', 's390' ] }

##
# @GuestPanicInformationHyperV:
#
# What a Hyper-V guest told of its crash.
##
{ 'struct': 'GuestPanicInformationHyperV',
  'data': { 'arg1': 'int', 'arg2': 'int', 'arg3': 'int', 'arg4': 'int', 'arg5': 'int' } }

##
# @S390CrashReason:
#
# Why an s390 guest crashed.
##
{ 'enum': 'S390CrashReason',
  'data': [ 'unknown', 'disabled-wait', 'extint-loop', 'pgmint-loop', 'opint-loop' ] }

##
# @GuestPanicInformationS390:
#
# What an s390 guest told of its crash.
##
{ 'struct': 'GuestPanicInformationS390',
  'data': { 'core': 'int', 'psw-mask': 'int', 'psw-addr': 'int',
            'reason': 'S390CrashReason' } }

##
# @GuestPanicInformation:
#
# What a guest told of its panic.
##
{ 'union': 'GuestPanicInformation',
  'base': { 'type': 'GuestPanicInformationType' },
  'discriminator': 'type',
  'data': { 'hyper-v': 'GuestPanicInformationHyperV',
            's390': 'GuestPanicInformationS390' } }

##
# @GUEST_PANICKED:
#
# The guest panicked.
##
{ 'event': 'GUEST_PANICKED',
  'data': { 'action': 'GuestPanicAction', '*info': 'GuestPanicInformation' } }

##
# @GUEST_CRASHLOADED:
#
# The guest panicked and loaded a crash kernel.
##
{ 'event': 'GUEST_CRASHLOADED',
  'data': { 'action': 'GuestPanicAction', '*info': 'GuestPanicInformation' } }

##
# @MemoryFailureRecipient:
#
# Who a memory failure concerns.
##
{ 'enum': 'MemoryFailureRecipient',
  'data': [ 'hypervisor', 'guest' ] }

##
# @MemoryFailureAction:
#
# What was done about a memory failure.
##
{ 'enum': 'MemoryFailureAction',
  'data': [ 'ignore', 'inject', 'fatal', 'reset' ] }

##
# @MemoryFailureFlags:
#
# Details of a memory failure.
##
{ 'struct': 'MemoryFailureFlags',
  'data': { 'action-required': 'bool', 'recursive': 'bool' } }

##
# @MEMORY_FAILURE:
#
# A memory failure (a poisoned page) occurred.
##
{ 'event': 'MEMORY_FAILURE',
  'data': { 'recipient': 'MemoryFailureRecipient', 'action': 'MemoryFailureAction',
            'flags': 'MemoryFailureFlags' } }

"""
