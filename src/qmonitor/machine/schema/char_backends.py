"""Making, changing and removing chardevs; ring buffers (char.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @DataFormat:
#
# How the text of a ring buffer's data is encoded on the wire.
##
{ 'enum': 'DataFormat',
  'data': [ 'utf8', 'base64' ] }

##
# @ringbuf-write:
#
# Append data to a ring buffer chardev; the oldest bytes go when it is full.
##
{ 'command': 'ringbuf-write',
  'data': { 'device': 'str', 'data': 'str', '*format': 'DataFormat' } }

##
# @ringbuf-read:
#
# Take up to @size bytes out of a ring buffer chardev.
#
# Returns: the bytes read, as text in the format asked for
##
{ 'command': 'ringbuf-read',
  'data': { 'device': 'str', 'size': 'int', '*format': 'DataFormat' },
  'returns': 'str' }

##
# @ChardevBackendKind:
#
# The kinds of chardev backend chardev-add can make.
##
{ 'enum': 'ChardevBackendKind',
  'data': [ 'file', 'serial', 'parallel', 'pipe', 'socket', 'udp', 'pty', 'null', 'mux',
    'msmouse', 'wctablet', 'braille', 'testdev', 'stdio', 'console', 'spicevmc',
    'spiceport', 'qemu-vdagent', 'dbus', 'vc', 'ringbuf', 'memory' ] }

##
# @ChardevFile:
#
# A chardev writing to (and maybe reading from) files.
##
{ 'struct': 'ChardevFile',
  'data': { '*logfile': 'str', '*logappend': 'bool', '*in': 'str', 'out': 'str',
            '*append': 'bool' } }

##
# @ChardevFileWrapper:
#
# The settings of a file chardev.
##
{ 'struct': 'ChardevFileWrapper',
  'data': { 'data': 'ChardevFile' } }

##
# @ChardevHostdev:
#
# A chardev on a host device node (serial line, parallel port, pipe).
##
{ 'struct': 'ChardevHostdev',
  'data': { '*logfile': 'str', '*logappend': 'bool', 'device': 'str' } }

##
# @ChardevHostdevWrapper:
#
# The settings of a host device chardev.
##
{ 'struct': 'ChardevHostdevWrapper',
  'data': { 'data': 'ChardevHostdev' } }

##
# @InetSocketAddressWrapper:
#
# An IP address and port, in a socket address.
##
{ 'struct': 'InetSocketAddressWrapper',
  'data': { 'data': 'InetSocketAddress' } }

##
# @UnixSocketAddressWrapper:
#
# A unix socket path, in a socket address.
##
{ 'struct': 'UnixSocketAddressWrapper',
  'data': { 'data': 'UnixSocketAddress' } }

##
# @VsockSocketAddressWrapper:
#
# A vsock address, in a socket address.
##
{ 'struct': 'VsockSocketAddressWrapper',
  'data': { 'data': 'VsockSocketAddress' } }

##
# @StringWrapper:
#
# A file descriptor's name, in a socket address.
##
{ 'struct': 'StringWrapper',
  'data': { 'data': 'String' } }

##
# @SocketAddressLegacy:
#
# A socket address in the wrapped form chardevs take.
##
{ 'union': 'SocketAddressLegacy',
  'base': { 'type': 'SocketAddressType' },
  'discriminator': 'type',
  'data': { 'inet': 'InetSocketAddressWrapper', 'unix': 'UnixSocketAddressWrapper',
            'vsock': 'VsockSocketAddressWrapper', 'fd': 'StringWrapper' } }

##
# @ChardevSocket:
#
# A chardev on a stream socket, as client or server.
##
{ 'struct': 'ChardevSocket',
  'data': { '*logfile': 'str', '*logappend': 'bool', 'addr': 'SocketAddressLegacy',
            '*tls-creds': 'str', '*tls-authz': 'str', '*server': 'bool', '*wait': 'bool',
            '*nodelay': 'bool', '*telnet': 'bool', '*tn3270': 'bool', '*websocket': 'bool',
            '*reconnect': 'int' } }

##
# @ChardevSocketWrapper:
#
# The settings of a socket chardev.
##
{ 'struct': 'ChardevSocketWrapper',
  'data': { 'data': 'ChardevSocket' } }

##
# @ChardevUdp:
#
# A chardev on a UDP socket.
##
{ 'struct': 'ChardevUdp',
  'data': { '*logfile': 'str', '*logappend': 'bool', 'remote': 'SocketAddressLegacy',
            '*local': 'SocketAddressLegacy' } }

##
# @ChardevUdpWrapper:
#
# The settings of a UDP chardev.
##
{ 'struct': 'ChardevUdpWrapper',
  'data': { 'data': 'ChardevUdp' } }

##
# @ChardevCommon:
#
# What every chardev may have: a log file.
##
{ 'struct': 'ChardevCommon',
  'data': { '*logfile': 'str', '*logappend': 'bool' } }

##
# @ChardevCommonWrapper:
#
# The settings of a chardev with only the common ones.
##
{ 'struct': 'ChardevCommonWrapper',
  'data': { 'data': 'ChardevCommon' } }

##
# @ChardevMux:
#
# A multiplexer over another chardev.
##
{ 'struct': 'ChardevMux',
  'data': { '*logfile': 'str', '*logappend': 'bool', 'chardev': 'str' } }

##
# @ChardevMuxWrapper:
#
# The settings of a multiplexer chardev.
##
{ 'struct': 'ChardevMuxWrapper',
  'data': { 'data': 'ChardevMux' } }

##
# @ChardevStdio:
#
# A chardev on QEMU's standard input and output.
##
{ 'struct': 'ChardevStdio',
  'data': { '*logfile': 'str', '*logappend': 'bool', '*signal': 'bool' } }

##
# @ChardevStdioWrapper:
#
# The settings of a stdio chardev.
##
{ 'struct': 'ChardevStdioWrapper',
  'data': { 'data': 'ChardevStdio' } }

##
# @ChardevSpiceChannel:
#
# A chardev on a SPICE channel.
##
{ 'struct': 'ChardevSpiceChannel',
  'data': { '*logfile': 'str', '*logappend': 'bool', 'type': 'str' } }

##
# @ChardevSpiceChannelWrapper:
#
# The settings of a SPICE channel chardev.
##
{ 'struct': 'ChardevSpiceChannelWrapper',
  'data': { 'data': 'ChardevSpiceChannel' } }

##
# @ChardevSpicePort:
#
# A chardev on a SPICE port.
##
{ 'struct': 'ChardevSpicePort',
  'data': { '*logfile': 'str', '*logappend': 'bool', 'fqdn': 'str' } }

##
# @ChardevSpicePortWrapper:
#
# The settings of a SPICE port chardev.
##
{ 'struct': 'ChardevSpicePortWrapper',
  'data': { 'data': 'ChardevSpicePort' } }

##
# @ChardevQemuVDAgent:
#
# The built-in SPICE guest agent chardev.
##
{ 'struct': 'ChardevQemuVDAgent',
  'data': { '*logfile': 'str', '*logappend': 'bool', '*mouse': 'bool',
            '*clipboard': 'bool' } }

##
# @ChardevQemuVDAgentWrapper:
#
# The settings of the built-in agent chardev.
##
{ 'struct': 'ChardevQemuVDAgentWrapper',
  'data': { 'data': 'ChardevQemuVDAgent' } }

##
# @ChardevDBus:
#
# A chardev on a D-Bus display's named channel.
##
{ 'struct': 'ChardevDBus',
  'data': { '*logfile': 'str', '*logappend': 'bool', 'name': 'str' } }

##
# @ChardevDBusWrapper:
#
# The settings of a D-Bus chardev.
##
{ 'struct': 'ChardevDBusWrapper',
  'data': { 'data': 'ChardevDBus' } }

##
# @ChardevVC:
#
# A chardev on a virtual console of the display.
##
{ 'struct': 'ChardevVC',
  'data': { '*logfile': 'str', '*logappend': 'bool', '*width': 'int', '*height': 'int',
            '*cols': 'int', '*rows': 'int' } }

##
# @ChardevVCWrapper:
#
# The settings of a virtual console chardev.
##
{ 'struct': 'ChardevVCWrapper',
  'data': { 'data': 'ChardevVC' } }

##
# @ChardevRingbuf:
#
# A chardev keeping its output in memory, in a ring.
##
{ 'struct': 'ChardevRingbuf',
  'data': { '*logfile': 'str', '*logappend': 'bool', '*size': 'int' } }

##
# @ChardevRingbufWrapper:
#
# The settings of a ring buffer chardev.
##
{ 'struct': 'ChardevRingbufWrapper',
  'data': { 'data': 'ChardevRingbuf' } }

##
# @ChardevBackend:
#
# The backend of a new chardev, by kind.
##
{ 'union': 'ChardevBackend',
  'base': { 'type': 'ChardevBackendKind' },
  'discriminator': 'type',
  'data': { 'file': 'ChardevFileWrapper', 'serial': 'ChardevHostdevWrapper',
            'parallel': 'ChardevHostdevWrapper', 'pipe': 'ChardevHostdevWrapper',
            'socket': 'ChardevSocketWrapper', 'udp': 'ChardevUdpWrapper',
            'pty': 'ChardevCommonWrapper', 'null': 'ChardevCommonWrapper',
            'mux': 'ChardevMuxWrapper', 'msmouse': 'ChardevCommonWrapper',
            'wctablet': 'ChardevCommonWrapper', 'braille': 'ChardevCommonWrapper',
            'testdev': 'ChardevCommonWrapper', 'stdio': 'ChardevStdioWrapper',
            'console': 'ChardevCommonWrapper', 'spicevmc': 'ChardevSpiceChannelWrapper',
            'spiceport': 'ChardevSpicePortWrapper',
            'qemu-vdagent': 'ChardevQemuVDAgentWrapper', 'dbus': 'ChardevDBusWrapper',
            'vc': 'ChardevVCWrapper', 'ringbuf': 'ChardevRingbufWrapper',
            'memory': 'ChardevRingbufWrapper' } }

##
# @ChardevReturn:
#
# What chardev-add tells of the chardev it made.
##
{ 'struct': 'ChardevReturn',
  'data': { '*pty': 'str' } }

##
# @chardev-add:
#
# Make a chardev.
#
# Returns: for a pty, the path of its slave side
##
{ 'command': 'chardev-add',
  'data': { 'id': 'str', 'backend': 'ChardevBackend' },
  'returns': 'ChardevReturn' }

##
# @chardev-change:
#
# Give an existing chardev another backend, keeping its frontend.
#
# Returns: as chardev-add
##
{ 'command': 'chardev-change',
  'data': { 'id': 'str', 'backend': 'ChardevBackend' },
  'returns': 'ChardevReturn' }

##
# @chardev-remove:
#
# Remove a chardev that no frontend uses.
##
{ 'command': 'chardev-remove',
  'data': { 'id': 'str' } }

##
# @chardev-send-break:
#
# Send a break on a chardev.
##
{ 'command': 'chardev-send-break',
  'data': { 'id': 'str' } }

##
# @VSERPORT_CHANGE:
#
# A virtio serial port was opened or closed by the guest.
##
{ 'event': 'VSERPORT_CHANGE',
  'data': { 'id': 'str', 'open': 'bool' } }

"""
