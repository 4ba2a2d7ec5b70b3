"""Displays, remote desktops and mice (ui.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @DisplayProtocol:
#
# The remote display protocols.
##
{ 'enum': 'DisplayProtocol',
  'data': [ 'vnc', 'spice' ] }

##
# @SetPasswordAction:
#
# What happens to a connected client when its display's password changes.
##
{ 'enum': 'SetPasswordAction',
  'data': [ 'keep', 'fail', 'disconnect' ] }

##
# @SetPasswordOptionsVnc:
#
# Which VNC display's password to set.
##
{ 'struct': 'SetPasswordOptionsVnc',
  'data': { '*display': 'str' } }

##
# @SetPasswordOptionsSpice:
#
# No further settings for SPICE.
##
{ 'struct': 'SetPasswordOptionsSpice',
  'data': {} }

##
# @SetPasswordOptions:
#
# A remote display's new password.
##
{ 'union': 'SetPasswordOptions',
  'base': { 'protocol': 'DisplayProtocol', 'password': 'str',
            '*connected': 'SetPasswordAction' },
  'discriminator': 'protocol',
  'data': { 'vnc': 'SetPasswordOptionsVnc', 'spice': 'SetPasswordOptionsSpice' } }

##
# @set_password:
#
# Set the password of a remote display (VNC or SPICE).
##
{ 'command': 'set_password',
  'data': 'SetPasswordOptions',
  'boxed': true }

##
# @ExpirePasswordOptionsVnc:
#
# Which VNC display's password expires.
##
{ 'struct': 'ExpirePasswordOptionsVnc',
  'data': { '*display': 'str' } }

##
# @ExpirePasswordOptions:
#
# When a remote display's password stops working.
##
{ 'union': 'ExpirePasswordOptions',
  'base': { 'protocol': 'DisplayProtocol', 'time': 'str' },
  'discriminator': 'protocol',
  'data': { 'vnc': 'ExpirePasswordOptionsVnc', 'spice': 'SetPasswordOptionsSpice' } }

##
# @expire_password:
#
# Set when the password of a remote display expires: 'now', 'never',
# '+SECONDS' or an absolute time in seconds.
##
{ 'command': 'expire_password',
  'data': 'ExpirePasswordOptions',
  'boxed': true }

##
# @ImageFormat:
#
# The image formats screendump writes.
##
{ 'enum': 'ImageFormat',
  'data': [ 'ppm', 'png' ] }

##
# @screendump:
#
# Write the image of a console to a file.
##
{ 'command': 'screendump',
  'data': { 'filename': 'str', '*device': 'str', '*head': 'int',
            '*format': 'ImageFormat' },
  'coroutine': true }

##
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
# @SPICE_CONNECTED:
#
# A SPICE client connected.
##
{ 'event': 'SPICE_CONNECTED',
  'data': { 'server': 'SpiceBasicInfo', 'client': 'SpiceBasicInfo' } }

##
# @SpiceServerInfo:
#
# A SPICE server's address and authentication.
##
{ 'struct': 'SpiceServerInfo',
  'data': { 'host': 'str', 'port': 'str', 'family': 'NetworkAddressFamily',
            '*auth': 'str' } }

##
# @SPICE_INITIALIZED:
#
# A SPICE client's session is set up.
##
{ 'event': 'SPICE_INITIALIZED',
  'data': { 'server': 'SpiceServerInfo', 'client': 'SpiceChannel' } }

##
# @SPICE_DISCONNECTED:
#
# A SPICE client went away.
##
{ 'event': 'SPICE_DISCONNECTED',
  'data': { 'server': 'SpiceBasicInfo', 'client': 'SpiceBasicInfo' } }

##
# @SPICE_MIGRATE_COMPLETED:
#
# The SPICE side of a migration finished.
##
{ 'event': 'SPICE_MIGRATE_COMPLETED' }

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
# @change-vnc-password:
#
# Set the password of the default VNC display.
##
{ 'command': 'change-vnc-password',
  'data': { 'password': 'str' } }

##
# @VncServerInfo:
#
# A VNC server's address and authentication.
##
{ 'struct': 'VncServerInfo',
  'data': { 'host': 'str', 'service': 'str', 'family': 'NetworkAddressFamily',
            'websocket': 'bool', '*auth': 'str' } }

##
# @VNC_CONNECTED:
#
# A VNC client connected (before authentication).
##
{ 'event': 'VNC_CONNECTED',
  'data': { 'server': 'VncServerInfo', 'client': 'VncBasicInfo' } }

##
# @VNC_INITIALIZED:
#
# A VNC client's session is set up.
##
{ 'event': 'VNC_INITIALIZED',
  'data': { 'server': 'VncServerInfo', 'client': 'VncClientInfo' } }

##
# @VNC_DISCONNECTED:
#
# A VNC client went away.
##
{ 'event': 'VNC_DISCONNECTED',
  'data': { 'server': 'VncServerInfo', 'client': 'VncClientInfo' } }

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
# @KeyValueKind:
#
# How a key is named.
##
{ 'enum': 'KeyValueKind',
  'data': [ 'number', 'qcode' ] }

##
# @IntWrapper:
#
# A key by number.
##
{ 'struct': 'IntWrapper',
  'data': { 'data': 'int' } }

##
# @QKeyCode:
#
# QEMU's names of keys.
##
{ 'enum': 'QKeyCode',
  'data': [ 'unmapped', 'shift', 'shift_r', 'alt', 'alt_r', 'ctrl', 'ctrl_r', 'menu',
    'esc', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'minus', 'equal', 'backspace',
    'tab', 'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', 'bracket_left',
    'bracket_right', 'ret', 'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'semicolon',
    'apostrophe', 'grave_accent', 'backslash', 'z', 'x', 'c', 'v', 'b', 'n', 'm', 'comma',
    'dot', 'slash', 'asterisk', 'spc', 'caps_lock', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6',
    'f7', 'f8', 'f9', 'f10', 'num_lock', 'scroll_lock', 'kp_divide', 'kp_multiply',
    'kp_subtract', 'kp_add', 'kp_enter', 'kp_decimal', 'sysrq', 'kp_0', 'kp_1', 'kp_2',
    'kp_3', 'kp_4', 'kp_5', 'kp_6', 'kp_7', 'kp_8', 'kp_9', 'less', 'f11', 'f12', 'print',
    'home', 'pgup', 'pgdn', 'end', 'left', 'up', 'down', 'right', 'insert', 'delete',
    'stop', 'again', 'props', 'undo', 'front', 'copy', 'open', 'paste', 'find', 'cut',
    'lf', 'help', 'meta_l', 'meta_r', 'compose', 'pause', 'ro', 'hiragana', 'henkan',
    'yen', 'muhenkan', 'katakanahiragana', 'kp_comma', 'kp_equals', 'power', 'sleep',
    'wake', 'audionext', 'audioprev', 'audiostop', 'audioplay', 'audiomute', 'volumeup',
    'volumedown', 'mediaselect', 'mail', 'calculator', 'computer', 'ac_home', 'ac_back',
    'ac_forward', 'ac_refresh', 'ac_bookmarks', 'lang1', 'lang2' ] }

##
# @QKeyCodeWrapper:
#
# A key by name.
##
{ 'struct': 'QKeyCodeWrapper',
  'data': { 'data': 'QKeyCode' } }

##
# @KeyValue:
#
# A key, by number or by name.
##
{ 'union': 'KeyValue',
  'base': { 'type': 'KeyValueKind' },
  'discriminator': 'type',
  'data': { 'number': 'IntWrapper', 'qcode': 'QKeyCodeWrapper' } }

##
# @send-key:
#
# Press keys together, then release them after @hold-time milliseconds.
##
{ 'command': 'send-key',
  'data': { 'keys': [ 'KeyValue' ], '*hold-time': 'int' } }

##
# @InputEventKind:
#
# The kinds of input event.
##
{ 'enum': 'InputEventKind',
  'data': [ 'key', 'btn', 'rel', 'abs' ] }

##
# @InputKeyEvent:
#
# A key pressed or released.
##
{ 'struct': 'InputKeyEvent',
  'data': { 'key': 'KeyValue', 'down': 'bool' } }

##
# @InputKeyEventWrapper:
#
# A keyboard event.
##
{ 'struct': 'InputKeyEventWrapper',
  'data': { 'data': 'InputKeyEvent' } }

##
# @InputButton:
#
# The buttons of a pointing device.
##
{ 'enum': 'InputButton',
  'data': [ 'left', 'middle', 'right', 'wheel-up', 'wheel-down', 'side', 'extra',
    'wheel-left', 'wheel-right' ] }

##
# @InputBtnEvent:
#
# A button pressed or released.
##
{ 'struct': 'InputBtnEvent',
  'data': { 'button': 'InputButton', 'down': 'bool' } }

##
# @InputBtnEventWrapper:
#
# A button event.
##
{ 'struct': 'InputBtnEventWrapper',
  'data': { 'data': 'InputBtnEvent' } }

##
# @InputAxis:
#
# The axes of a pointing device.
##
{ 'enum': 'InputAxis',
  'data': [ 'x', 'y' ] }

##
# @InputMoveEvent:
#
# A move along one axis.
##
{ 'struct': 'InputMoveEvent',
  'data': { 'axis': 'InputAxis', 'value': 'int' } }

##
# @InputMoveEventWrapper:
#
# A relative or absolute move.
##
{ 'struct': 'InputMoveEventWrapper',
  'data': { 'data': 'InputMoveEvent' } }

##
# @InputEvent:
#
# An input event.
##
{ 'union': 'InputEvent',
  'base': { 'type': 'InputEventKind' },
  'discriminator': 'type',
  'data': { 'key': 'InputKeyEventWrapper', 'btn': 'InputBtnEventWrapper',
            'rel': 'InputMoveEventWrapper', 'abs': 'InputMoveEventWrapper' } }

##
# @input-send-event:
#
# Send input events to the guest, to one console or to the focused one.
##
{ 'command': 'input-send-event',
  'data': { '*device': 'str', '*head': 'int', 'events': [ 'InputEvent' ] } }

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

##
# @DisplayReloadType:
#
# The displays display-reload can act on.
##
{ 'enum': 'DisplayReloadType',
  'data': [ 'vnc' ] }

##
# @DisplayReloadOptionsVNC:
#
# What to reload for VNC.
##
{ 'struct': 'DisplayReloadOptionsVNC',
  'data': { '*tls-certs': 'bool' } }

##
# @DisplayReloadOptions:
#
# What display-reload reloads.
##
{ 'union': 'DisplayReloadOptions',
  'base': { 'type': 'DisplayReloadType' },
  'discriminator': 'type',
  'data': { 'vnc': 'DisplayReloadOptionsVNC' } }

##
# @display-reload:
#
# Make a display reload settings, such as its TLS credentials.
##
{ 'command': 'display-reload',
  'data': 'DisplayReloadOptions',
  'boxed': true }

##
# @DisplayUpdateType:
#
# The displays display-update can change.
##
{ 'enum': 'DisplayUpdateType',
  'data': [ 'vnc' ] }

##
# @DisplayUpdateOptionsVNC:
#
# The new listening addresses of the VNC display.
##
{ 'struct': 'DisplayUpdateOptionsVNC',
  'data': { '*addresses': [ 'SocketAddress' ] } }

##
# @DisplayUpdateOptions:
#
# What display-update changes.
##
{ 'union': 'DisplayUpdateOptions',
  'base': { 'type': 'DisplayUpdateType' },
  'discriminator': 'type',
  'data': { 'vnc': 'DisplayUpdateOptionsVNC' } }

##
# @display-update:
#
# Change a display's settings while it runs.
##
{ 'command': 'display-update',
  'data': 'DisplayUpdateOptions',
  'boxed': true }
"""
