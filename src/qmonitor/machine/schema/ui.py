"""Displays, remote desktops and mice (ui.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @SpiceInfo:
#
# The SPICE server's state.
##
{ 'struct': 'SpiceInfo',
  'data': { 'enabled': 'bool', 'migrated': 'bool', '*host': 'str', '*port': 'int',
            '*tls-port': 'int', '*auth': 'str', '*compiled-version': 'str',
            'mouse-mode': 'SpiceQueryMouseMode', '*channels': [ 'SpiceChannel' ] } }

##
# @SpiceQueryMouseMode:
#
# Where SPICE's mouse position comes from.
##
{ 'enum': 'SpiceQueryMouseMode',
  'data': [ 'client', 'server', 'unknown' ] }

##
# @SpiceChannel:
#
# A SPICE client channel.
##
{ 'struct': 'SpiceChannel',
  'base': 'SpiceBasicInfo',
  'data': { 'connection-id': 'int', 'channel-type': 'int', 'channel-id': 'int',
            'tls': 'bool' } }

##
# @SpiceBasicInfo:
#
# A SPICE connection's address.
##
{ 'struct': 'SpiceBasicInfo',
  'data': { 'host': 'str', 'port': 'str', 'family': 'NetworkAddressFamily' } }

##
# @NetworkAddressFamily:
#
# A network address family.
##
{ 'enum': 'NetworkAddressFamily',
  'data': [ 'ipv4', 'ipv6', 'unix', 'vsock', 'unknown' ] }

##
# @query-spice:
#
# The SPICE server's state.
#
# Returns: whether it is enabled, and its clients
##
{ 'command': 'query-spice',
  'returns': 'SpiceInfo' }

##
# @VncInfo:
#
# The default VNC server's state.
##
{ 'struct': 'VncInfo',
  'data': { 'enabled': 'bool', '*host': 'str', '*family': 'NetworkAddressFamily',
            '*service': 'str', '*auth': 'str', '*clients': [ 'VncClientInfo' ] } }

##
# @VncClientInfo:
#
# A VNC client.
##
{ 'struct': 'VncClientInfo',
  'base': 'VncBasicInfo',
  'data': { '*x509_dname': 'str', '*sasl_username': 'str' } }

##
# @VncBasicInfo:
#
# A VNC connection's address.
##
{ 'struct': 'VncBasicInfo',
  'data': { 'host': 'str', 'service': 'str', 'family': 'NetworkAddressFamily',
            'websocket': 'bool' } }

##
# @query-vnc:
#
# The default VNC server's state.
#
# Returns: whether it is enabled, and its clients
##
{ 'command': 'query-vnc',
  'returns': 'VncInfo' }

##
# @VncInfo2:
#
# A VNC server.
##
{ 'struct': 'VncInfo2',
  'data': { 'id': 'str', 'server': [ 'VncServerInfo2' ], 'clients': [ 'VncClientInfo' ],
            'auth': 'VncPrimaryAuth', '*vencrypt': 'VncVencryptSubAuth', '*display': 'str' } }

##
# @VncServerInfo2:
#
# A socket a VNC server listens on.
##
{ 'struct': 'VncServerInfo2',
  'base': 'VncBasicInfo',
  'data': { 'auth': 'VncPrimaryAuth', '*vencrypt': 'VncVencryptSubAuth' } }

##
# @VncPrimaryAuth:
#
# A VNC authentication scheme.
##
{ 'enum': 'VncPrimaryAuth',
  'data': [ 'none', 'vnc', 'ra2', 'ra2ne', 'tight', 'ultra', 'tls', 'vencrypt', 'sasl' ] }

##
# @VncVencryptSubAuth:
#
# A VeNCrypt sub-scheme.
##
{ 'enum': 'VncVencryptSubAuth',
  'data': [ 'plain', 'tls-none', 'x509-none', 'tls-vnc', 'x509-vnc', 'tls-plain',
            'x509-plain', 'tls-sasl', 'x509-sasl' ] }

##
# @query-vnc-servers:
#
# The VNC servers.
#
# Returns: the servers
##
{ 'command': 'query-vnc-servers',
  'returns': [ 'VncInfo2' ] }

##
# @MouseInfo:
#
# A mouse the guest sees.
##
{ 'struct': 'MouseInfo',
  'data': { 'name': 'str', 'index': 'int', 'current': 'bool', 'absolute': 'bool' } }

##
# @query-mice:
#
# The guest's mice.
#
# Returns: the mice, the current one marked
##
{ 'command': 'query-mice',
  'returns': [ 'MouseInfo' ] }

##
# @DisplayOptions:
#
# The display the command line chose, and its options.
##
{ 'union': 'DisplayOptions',
  'base': { 'type': 'DisplayType', '*full-screen': 'bool', '*window-close': 'bool',
             '*show-cursor': 'bool', '*gl': 'DisplayGLMode' },
  'discriminator': 'type',
  'data': { 'gtk': 'DisplayGTK', 'curses': 'DisplayCurses',
            'egl-headless': 'DisplayEGLHeadless', 'dbus': 'DisplayDBus',
            'sdl': 'DisplaySDL' } }

##
# @DisplayType:
#
# A display front end.
##
{ 'enum': 'DisplayType',
  'data': [ 'default', 'none', 'gtk', 'sdl', 'egl-headless', 'curses', 'spice-app', 'dbus' ] }

##
# @DisplayGLMode:
#
# Whether and how a display uses OpenGL.
##
{ 'enum': 'DisplayGLMode',
  'data': [ 'off', 'on', 'core', 'es' ] }

##
# @DisplayGTK:
#
# Options of the GTK display.
##
{ 'struct': 'DisplayGTK',
  'data': { '*grab-on-hover': 'bool', '*zoom-to-fit': 'bool', '*show-tabs': 'bool',
            '*show-menubar': 'bool' } }

##
# @DisplayCurses:
#
# Options of the curses display.
##
{ 'struct': 'DisplayCurses',
  'data': { '*charset': 'str' } }

##
# @DisplayEGLHeadless:
#
# Options of the egl-headless display.
##
{ 'struct': 'DisplayEGLHeadless',
  'data': { '*rendernode': 'str' } }

##
# @DisplayDBus:
#
# Options of the D-Bus display.
##
{ 'struct': 'DisplayDBus',
  'data': { '*rendernode': 'str', '*addr': 'str', '*p2p': 'bool', '*audiodev': 'str' } }

##
# @DisplaySDL:
#
# Options of the SDL display.
##
{ 'struct': 'DisplaySDL',
  'data': { '*grab-mod': 'HotKeyMod' } }

##
# @HotKeyMod:
#
# The modifier keys of the SDL display's hot keys.
##
{ 'enum': 'HotKeyMod',
  'data': [ 'lctrl-lalt', 'lshift-lctrl-lalt', 'rctrl' ] }

##
# @query-display-options:
#
# The display options the machine runs with.
#
# Returns: the display type and its options
##
{ 'command': 'query-display-options',
  'returns': 'DisplayOptions' }
"""
