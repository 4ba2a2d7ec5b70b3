"""Network backends, links, announcements and NIC receive filters (net.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @set_link:
#
# Bring the link of a NIC or a network backend up or down.
##
{ 'command': 'set_link',
  'data': { 'name': 'str', 'up': 'bool' } }

##
# @NetClientDriver:
#
# The kinds of network client.
##
{ 'enum': 'NetClientDriver',
  'data': [ 'none', 'nic', 'user', 'tap', 'l2tpv3', 'socket', 'stream', 'dgram', 'vde',
    'bridge', 'hubport', 'netmap', 'vhost-user', 'vhost-vdpa' ] }

##
# @NetLegacyNicOptions:
#
# A guest NIC made by netdev_add (obsolete form).
##
{ 'struct': 'NetLegacyNicOptions',
  'data': { '*netdev': 'str', '*macaddr': 'str', '*model': 'str', '*addr': 'str',
            '*vectors': 'uint32' } }

##
# @NetdevUserOptions:
#
# The built-in user-mode network stack (slirp).
##
{ 'struct': 'NetdevUserOptions',
  'data': { '*hostname': 'str', '*restrict': 'bool', '*ipv4': 'bool', '*ipv6': 'bool',
            '*ip': 'str', '*net': 'str', '*host': 'str', '*tftp': 'str',
            '*bootfile': 'str', '*dhcpstart': 'str', '*dns': 'str',
            '*dnssearch': [ 'String' ], '*domainname': 'str', '*ipv6-prefix': 'str',
            '*ipv6-prefixlen': 'int', '*ipv6-host': 'str', '*ipv6-dns': 'str',
            '*smb': 'str', '*smbserver': 'str', '*hostfwd': [ 'String' ],
            '*guestfwd': [ 'String' ], '*tftp-server-name': 'str' } }

##
# @NetdevTapOptions:
#
# A host tap interface.
##
{ 'struct': 'NetdevTapOptions',
  'data': { '*ifname': 'str', '*fd': 'str', '*fds': 'str', '*script': 'str',
            '*downscript': 'str', '*br': 'str', '*helper': 'str', '*sndbuf': 'size',
            '*vnet_hdr': 'bool', '*vhost': 'bool', '*vhostfd': 'str', '*vhostfds': 'str',
            '*vhostforce': 'bool', '*queues': 'uint32', '*poll-us': 'uint32' } }

##
# @NetdevL2TPv3Options:
#
# Ethernet over an L2TPv3 pseudowire.
##
{ 'struct': 'NetdevL2TPv3Options',
  'data': { 'src': 'str', 'dst': 'str', '*srcport': 'str', '*dstport': 'str',
            '*ipv6': 'bool', '*udp': 'bool', '*cookie64': 'bool', '*counter': 'bool',
            '*pincounter': 'bool', '*txcookie': 'uint64', '*rxcookie': 'uint64',
            'txsession': 'uint32', '*rxsession': 'uint32', '*offset': 'uint32' } }

##
# @NetdevSocketOptions:
#
# Ethernet frames over a socket (the older socket backend).
##
{ 'struct': 'NetdevSocketOptions',
  'data': { '*fd': 'str', '*listen': 'str', '*connect': 'str', '*mcast': 'str',
            '*localaddr': 'str', '*udp': 'str' } }

##
# @NetdevStreamOptions:
#
# Ethernet frames over a stream socket.
##
{ 'struct': 'NetdevStreamOptions',
  'data': { 'addr': 'SocketAddress', '*server': 'bool' } }

##
# @NetdevDgramOptions:
#
# Ethernet frames over a datagram socket.
##
{ 'struct': 'NetdevDgramOptions',
  'data': { '*local': 'SocketAddress', '*remote': 'SocketAddress' } }

##
# @NetdevVdeOptions:
#
# A VDE switch port.
##
{ 'struct': 'NetdevVdeOptions',
  'data': { '*sock': 'str', '*port': 'uint16', '*group': 'str', '*mode': 'uint16' } }

##
# @NetdevBridgeOptions:
#
# A tap interface on a host bridge, set up by the helper.
##
{ 'struct': 'NetdevBridgeOptions',
  'data': { '*br': 'str', '*helper': 'str' } }

##
# @NetdevHubPortOptions:
#
# A port of one of QEMU's internal hubs.
##
{ 'struct': 'NetdevHubPortOptions',
  'data': { 'hubid': 'int32', '*netdev': 'str' } }

##
# @NetdevNetmapOptions:
#
# A netmap port.
##
{ 'struct': 'NetdevNetmapOptions',
  'data': { 'ifname': 'str', '*devname': 'str' } }

##
# @NetdevVhostUserOptions:
#
# A vhost-user backend on a chardev.
##
{ 'struct': 'NetdevVhostUserOptions',
  'data': { 'chardev': 'str', '*vhostforce': 'bool', '*queues': 'int' } }

##
# @NetdevVhostVDPAOptions:
#
# A vhost-vdpa device.
#
# Features:
# @unstable: its shadow virtqueue setting is not a stable interface yet
##
{ 'struct': 'NetdevVhostVDPAOptions',
  'data': { '*vhostdev': 'str', '*vhostfd': 'str', '*queues': 'int',
            '*x-svq': { 'type': 'bool', 'features': [ 'unstable' ] } } }

##
# @NetdevNoneOptions:
#
# No settings.
##
{ 'struct': 'NetdevNoneOptions',
  'data': {} }

##
# @Netdev:
#
# A network backend: its id, its kind, and the settings of that kind.
##
{ 'union': 'Netdev',
  'base': { 'id': 'str', 'type': 'NetClientDriver' },
  'discriminator': 'type',
  'data': { 'nic': 'NetLegacyNicOptions', 'user': 'NetdevUserOptions',
            'tap': 'NetdevTapOptions', 'l2tpv3': 'NetdevL2TPv3Options',
            'socket': 'NetdevSocketOptions', 'stream': 'NetdevStreamOptions',
            'dgram': 'NetdevDgramOptions', 'vde': 'NetdevVdeOptions',
            'bridge': 'NetdevBridgeOptions', 'hubport': 'NetdevHubPortOptions',
            'netmap': 'NetdevNetmapOptions', 'vhost-user': 'NetdevVhostUserOptions',
            'vhost-vdpa': 'NetdevVhostVDPAOptions', 'none': 'NetdevNoneOptions' } }

##
# @netdev_add:
#
# Add a network backend.
##
{ 'command': 'netdev_add',
  'data': 'Netdev',
  'boxed': true,
  'allow-preconfig': true }

##
# @netdev_del:
#
# Remove a network backend.
##
{ 'command': 'netdev_del',
  'data': { 'id': 'str' },
  'allow-preconfig': true }

##
# @RxFilterInfo:
#
# The receive filter of a NIC.
##
{ 'struct': 'RxFilterInfo',
  'data': { 'name': 'str', 'promiscuous': 'bool', 'multicast': 'RxState',
            'unicast': 'RxState', 'vlan': 'RxState', 'broadcast-allowed': 'bool',
            'multicast-overflow': 'bool', 'unicast-overflow': 'bool', 'main-mac': 'str',
            'vlan-table': [ 'int' ], 'unicast-table': [ 'str' ],
            'multicast-table': [ 'str' ] } }

##
# @RxState:
#
# How a NIC receives a class of packets.
##
{ 'enum': 'RxState',
  'data': [ 'normal', 'none', 'all' ] }

##
# @query-rx-filter:
#
# The receive filters of the NICs.
#
# Returns: one entry per NIC (or the one asked for)
##
{ 'command': 'query-rx-filter',
  'data': { '*name': 'str' },
  'returns': [ 'RxFilterInfo' ] }

##
# @NIC_RX_FILTER_CHANGED:
#
# A guest changed the receive filter of a NIC; query-rx-filter reads it.
##
{ 'event': 'NIC_RX_FILTER_CHANGED',
  'data': { '*name': 'str', 'path': 'str' } }

##
# @announce-self:
#
# Make the guest's NICs announce themselves on the network (gratuitous ARP and the like).
##
{ 'command': 'announce-self',
  'data': { 'initial': 'int', 'max': 'int', 'rounds': 'int', 'step': 'int',
            '*interfaces': [ 'str' ], '*id': 'str' } }

##
# @FAILOVER_NEGOTIATED:
#
# A failover primary device can be plugged: the guest took the standby feature.
##
{ 'event': 'FAILOVER_NEGOTIATED',
  'data': { 'device-id': 'str' } }

##
# @NETDEV_STREAM_CONNECTED:
#
# A stream network backend connected.
##
{ 'event': 'NETDEV_STREAM_CONNECTED',
  'data': { 'netdev-id': 'str', 'addr': 'SocketAddress' } }

##
# @NETDEV_STREAM_DISCONNECTED:
#
# A stream network backend lost its connection.
##
{ 'event': 'NETDEV_STREAM_DISCONNECTED',
  'data': { 'netdev-id': 'str' } }

##
# @RDMA_GID_STATUS_CHANGED:
#
# A PVRDMA device's GID table changed.
##
{ 'event': 'RDMA_GID_STATUS_CHANGED',
  'data': { 'netdev': 'str', 'gid-status': 'bool', 'subnet-prefix': 'int',
            'interface-id': 'int' } }

"""
