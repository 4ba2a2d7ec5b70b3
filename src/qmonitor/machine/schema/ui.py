"""The SPICE server of ui.json (QEMU 7.2 as Debian builds it has SPICE).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @NetworkAddressFamily:
#
# An address family.
#
# @ipv4: IPv4
# @ipv6: IPv6
# @unix: a unix socket
# @vsock: a VSOCK socket
# @unknown: anything else
##
{ 'enum': 'NetworkAddressFamily',
  'data': [ 'ipv4', 'ipv6', 'unix', 'vsock', 'unknown' ] }

##
# @SpiceBasicInfo:
#
# One end of a SPICE connection.
#
# @host: its address
# @port: its port
# @family: its address family
##
{ 'struct': 'SpiceBasicInfo',
  'data': { 'host': 'str', 'port': 'str', 'family': 'NetworkAddressFamily' } }

##
# @SpiceChannel:
#
# A SPICE client's channel.
#
# @connection-id: the SPICE connection it belongs to
# @channel-type: its SPICE channel type
# @channel-id: its number among the channels of that type
# @tls: whether it is encrypted
##
{ 'struct': 'SpiceChannel',
  'base': 'SpiceBasicInfo',
  'data': { 'connection-id': 'int', 'channel-type': 'int', 'channel-id': 'int',
            'tls': 'bool' } }

##
# @SpiceQueryMouseMode:
#
# Who moves the SPICE mouse pointer.
#
# @client: the client (the guest has an absolute pointer and an agent)
# @server: the server
# @unknown: not known
##
{ 'enum': 'SpiceQueryMouseMode', 'data': [ 'client', 'server', 'unknown' ] }

##
# @SpiceInfo:
#
# The SPICE server.
#
# @enabled: whether there is one (else only @migrated and @mouse-mode)
# @migrated: whether its clients moved to a migration target
# @host: the address it listens on
# @port: its plain port, when it has one
# @tls-port: its TLS port, when it has one
# @auth: how clients authenticate
# @compiled-version: the SPICE library's version
# @mouse-mode: who moves the pointer
# @channels: the clients' channels
##
{ 'struct': 'SpiceInfo',
  'data': { 'enabled': 'bool', 'migrated': 'bool', '*host': 'str', '*port': 'int',
            '*tls-port': 'int', '*auth': 'str', '*compiled-version': 'str',
            'mouse-mode': 'SpiceQueryMouseMode', '*channels': [ 'SpiceChannel' ] } }

##
# @query-spice:
#
# Returns: the SPICE server
##
{ 'command': 'query-spice', 'returns': 'SpiceInfo' }
"""
