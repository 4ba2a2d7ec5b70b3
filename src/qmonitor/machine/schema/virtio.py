"""Virtio devices, for debugging (virtio.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @VirtioInfo:
#
# A virtio device.
##
{ 'struct': 'VirtioInfo',
  'data': { 'path': 'str', 'name': 'str' } }

##
# @x-query-virtio:
#
# The virtio devices.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the devices
##
{ 'command': 'x-query-virtio',
  'returns': [ 'VirtioInfo' ],
  'features': [ 'unstable' ] }

##
# @VirtioDeviceFeatures:
#
# Virtio feature bits, by name.
##
{ 'struct': 'VirtioDeviceFeatures',
  'data': { 'transports': [ 'str' ], '*dev-features': [ 'str' ],
            '*unknown-dev-features': 'int' } }

##
# @VirtioDeviceStatus:
#
# A virtio device's status bits, by name.
##
{ 'struct': 'VirtioDeviceStatus',
  'data': { 'statuses': [ 'str' ], '*unknown-statuses': 'int' } }

##
# @VhostDeviceProtocols:
#
# vhost-user protocol features, by name.
##
{ 'struct': 'VhostDeviceProtocols',
  'data': { 'protocols': [ 'str' ], '*unknown-protocols': 'int' } }

##
# @VhostStatus:
#
# A vhost device's state.
##
{ 'struct': 'VhostStatus',
  'data': { 'n-mem-sections': 'int', 'n-tmp-sections': 'int', 'nvqs': 'int',
            'vq-index': 'int', 'features': 'VirtioDeviceFeatures',
            'acked-features': 'VirtioDeviceFeatures',
            'backend-features': 'VirtioDeviceFeatures',
            'protocol-features': 'VhostDeviceProtocols', 'max-queues': 'int',
            'backend-cap': 'int', 'log-enabled': 'bool', 'log-size': 'int' } }

##
# @VirtioStatus:
#
# A virtio device's state.
##
{ 'struct': 'VirtioStatus',
  'data': { 'name': 'str', 'device-id': 'int', 'vhost-started': 'bool',
            'device-endian': 'str', 'guest-features': 'VirtioDeviceFeatures',
            'host-features': 'VirtioDeviceFeatures',
            'backend-features': 'VirtioDeviceFeatures', 'num-vqs': 'int',
            'status': 'VirtioDeviceStatus', 'isr': 'int', 'queue-sel': 'int',
            'vm-running': 'bool', 'broken': 'bool', 'disabled': 'bool',
            'use-started': 'bool', 'started': 'bool', 'start-on-kick': 'bool',
            'disable-legacy-check': 'bool', 'bus-name': 'str',
            'use-guest-notifier-mask': 'bool', '*vhost-dev': 'VhostStatus' } }

##
# @x-query-virtio-status:
#
# A virtio device's state.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the state
##
{ 'command': 'x-query-virtio-status',
  'data': { 'path': 'str' },
  'returns': 'VirtioStatus',
  'features': [ 'unstable' ] }

##
# @VirtQueueStatus:
#
# A virtqueue's state.
##
{ 'struct': 'VirtQueueStatus',
  'data': { 'name': 'str', 'queue-index': 'int', 'inuse': 'int', 'vring-num': 'int',
            'vring-num-default': 'int', 'vring-align': 'int', 'vring-desc': 'int',
            'vring-avail': 'int', 'vring-used': 'int', '*last-avail-idx': 'int',
            '*shadow-avail-idx': 'int', 'used-idx': 'int', 'signalled-used': 'int',
            'signalled-used-valid': 'bool' } }

##
# @x-query-virtio-queue-status:
#
# A virtqueue's state.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the state
##
{ 'command': 'x-query-virtio-queue-status',
  'data': { 'path': 'str', 'queue': 'uint16' },
  'returns': 'VirtQueueStatus',
  'features': [ 'unstable' ] }

##
# @VirtVhostQueueStatus:
#
# A vhost virtqueue's state.
##
{ 'struct': 'VirtVhostQueueStatus',
  'data': { 'name': 'str', 'kick': 'int', 'call': 'int', 'desc': 'int', 'avail': 'int',
            'used': 'int', 'num': 'int', 'desc-phys': 'int', 'desc-size': 'int',
            'avail-phys': 'int', 'avail-size': 'int', 'used-phys': 'int',
            'used-size': 'int' } }

##
# @x-query-virtio-vhost-queue-status:
#
# A vhost virtqueue's state.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the state
##
{ 'command': 'x-query-virtio-vhost-queue-status',
  'data': { 'path': 'str', 'queue': 'uint16' },
  'returns': 'VirtVhostQueueStatus',
  'features': [ 'unstable' ] }

##
# @VirtioRingDesc:
#
# A virtqueue descriptor.
##
{ 'struct': 'VirtioRingDesc',
  'data': { 'addr': 'int', 'len': 'int', 'flags': [ 'str' ] } }

##
# @VirtioRingAvail:
#
# A virtqueue's available ring.
##
{ 'struct': 'VirtioRingAvail',
  'data': { 'flags': 'int', 'idx': 'int', 'ring': 'int' } }

##
# @VirtioRingUsed:
#
# A virtqueue's used ring.
##
{ 'struct': 'VirtioRingUsed',
  'data': { 'flags': 'int', 'idx': 'int' } }

##
# @VirtioQueueElement:
#
# An element of a virtqueue.
##
{ 'struct': 'VirtioQueueElement',
  'data': { 'name': 'str', 'index': 'int', 'descs': [ 'VirtioRingDesc' ],
            'avail': 'VirtioRingAvail', 'used': 'VirtioRingUsed' } }

##
# @x-query-virtio-queue-element:
#
# An element of a virtqueue.
#
# Features:
# @unstable: not a stable interface yet
#
# Returns: the element
##
{ 'command': 'x-query-virtio-queue-element',
  'data': { 'path': 'str', 'queue': 'uint16', '*index': 'uint16' },
  'returns': 'VirtioQueueElement',
  'features': [ 'unstable' ] }

"""
