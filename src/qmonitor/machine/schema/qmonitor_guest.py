"""The opt-in guest's commands (``-qmonitor-guest``): not QEMU's.

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`);
every entry exists only with the ``QMONITOR_GUEST`` symbol, so without
the switch the schema is QEMU's.  The commands do what a guest would do
(:mod:`qmonitor.machine.guest_actions`).
"""

TEXT = r"""##
# @x-qmonitor-guest-unplug:
#
# The guest answers a pending unplug request.
#
# @id: the device's id or QOM path
# @accept: eject the device (default), or refuse to
##
{ 'command': 'x-qmonitor-guest-unplug',
  'data': { 'id': 'str', '*accept': 'bool' },
  'if': 'QMONITOR_GUEST' }

##
# @x-qmonitor-guest-tray:
#
# The guest locks or unlocks a drive's medium, then moves its tray.
#
# @device: the drive's name
# @id: its device's id or QOM path
# @locked: lock (or unlock) the medium
# @open: open (or close) the tray
##
{ 'command': 'x-qmonitor-guest-tray',
  'data': { '*device': 'str', '*id': 'str', '*locked': 'bool', '*open': 'bool' },
  'if': 'QMONITOR_GUEST' }

##
# @x-qmonitor-guest-disk-io:
#
# The guest makes one request to a drive's device.
#
# @device: the drive's name
# @id: its device's id or QOM path
# @op: read, write, flush or unmap
# @offset: where (bytes)
# @bytes: how many
##
{ 'command': 'x-qmonitor-guest-disk-io',
  'data': { '*device': 'str', '*id': 'str', 'op': 'str', '*offset': 'int',
            '*bytes': 'int' },
  'if': 'QMONITOR_GUEST' }

##
# @x-qmonitor-guest-reset:
#
# The guest resets the machine.
##
{ 'command': 'x-qmonitor-guest-reset', 'if': 'QMONITOR_GUEST' }

##
# @x-qmonitor-guest-shutdown:
#
# The guest powers the machine off.
##
{ 'command': 'x-qmonitor-guest-shutdown', 'if': 'QMONITOR_GUEST' }

##
# @x-qmonitor-guest-panic:
#
# The guest panics and says so through its pvpanic device.
##
{ 'command': 'x-qmonitor-guest-panic', 'if': 'QMONITOR_GUEST' }

##
# @x-qmonitor-guest-balloon:
#
# The guest's balloon driver reports how much memory it leaves the guest.
#
# @actual: bytes (default: the size the host last asked for)
##
{ 'command': 'x-qmonitor-guest-balloon',
  'data': { '*actual': 'size' },
  'if': 'QMONITOR_GUEST' }

##
# @x-qmonitor-guest-virtio-mem:
#
# The guest's virtio-mem driver plugs or unplugs memory blocks.
#
# @id: the virtio-mem-pci device's id or QOM path
# @size: how many bytes to have plugged (default: the requested size)
##
{ 'command': 'x-qmonitor-guest-virtio-mem',
  'data': { 'id': 'str', '*size': 'size' },
  'if': 'QMONITOR_GUEST' }
"""
