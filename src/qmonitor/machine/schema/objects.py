"""What object-add takes: every user-creatable QOM type and its properties (qom.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @ObjectOptions:
#
# An object to create: its QOM type, its id and the properties of that type.
##
{ 'union': 'ObjectOptions',
  'base': { 'qom-type': 'ObjectType', 'id': 'str' },
  'discriminator': 'qom-type',
  'data': { 'authz-list': 'AuthZListProperties',
            'authz-listfile': 'AuthZListFileProperties', 'authz-pam': 'AuthZPAMProperties',
            'authz-simple': 'AuthZSimpleProperties',
            'can-host-socketcan': 'CanHostSocketcanProperties',
            'colo-compare': 'ColoCompareProperties',
            'cryptodev-backend': 'CryptodevBackendProperties',
            'cryptodev-backend-builtin': 'CryptodevBackendProperties',
            'cryptodev-backend-lkcf': 'CryptodevBackendProperties',
            'cryptodev-vhost-user': 'CryptodevVhostUserProperties',
            'dbus-vmstate': 'DBusVMStateProperties',
            'filter-buffer': 'FilterBufferProperties',
            'filter-dump': 'FilterDumpProperties',
            'filter-mirror': 'FilterMirrorProperties',
            'filter-redirector': 'FilterRedirectorProperties',
            'filter-replay': 'NetfilterProperties',
            'filter-rewriter': 'FilterRewriterProperties',
            'input-barrier': 'InputBarrierProperties',
            'input-linux': 'InputLinuxProperties', 'iothread': 'IothreadProperties',
            'main-loop': 'MainLoopProperties',
            'memory-backend-epc': 'MemoryBackendEpcProperties',
            'memory-backend-file': 'MemoryBackendFileProperties',
            'memory-backend-memfd': 'MemoryBackendMemfdProperties',
            'memory-backend-ram': 'MemoryBackendProperties',
            'pr-manager-helper': 'PrManagerHelperProperties', 'qtest': 'QtestProperties',
            'rng-builtin': 'RngProperties', 'rng-egd': 'RngEgdProperties',
            'rng-random': 'RngRandomProperties', 'secret': 'SecretProperties',
            'secret_keyring': 'SecretKeyringProperties', 'sev-guest': 'SevGuestProperties',
            'thread-context': 'ThreadContextProperties',
            'throttle-group': 'ThrottleGroupProperties',
            'tls-creds-anon': 'TlsCredsAnonProperties',
            'tls-creds-psk': 'TlsCredsPskProperties',
            'tls-creds-x509': 'TlsCredsX509Properties',
            'tls-cipher-suites': 'TlsCredsProperties',
            'x-remote-object': 'RemoteObjectProperties',
            'x-vfio-user-server': 'VfioUserServerProperties' } }

##
# @ObjectType:
#
# The QOM types object-add can create.
#
# Features:
# @unstable: not a stable interface yet
##
{ 'enum': 'ObjectType',
  'data': [ 'authz-list', 'authz-listfile', 'authz-pam', 'authz-simple', 'can-bus',
            'can-host-socketcan', 'colo-compare', 'cryptodev-backend',
            'cryptodev-backend-builtin', 'cryptodev-backend-lkcf', 'cryptodev-vhost-user',
            'dbus-vmstate', 'filter-buffer', 'filter-dump', 'filter-mirror',
            'filter-redirector', 'filter-replay', 'filter-rewriter', 'input-barrier',
            'input-linux', 'iothread', 'main-loop', 'memory-backend-epc',
            'memory-backend-file', 'memory-backend-memfd', 'memory-backend-ram',
            'pef-guest', 'pr-manager-helper', 'qtest', 'rng-builtin', 'rng-egd',
            'rng-random', 'secret', 'secret_keyring', 'sev-guest', 'thread-context',
            's390-pv-guest', 'throttle-group', 'tls-creds-anon', 'tls-creds-psk',
            'tls-creds-x509', 'tls-cipher-suites',
            { 'name': 'x-remote-object', 'features': [ 'unstable' ] },
            { 'name': 'x-vfio-user-server', 'features': [ 'unstable' ] } ] }

##
# @AuthZListProperties:
#
# What object-add takes for 'authz-list'.
##
{ 'struct': 'AuthZListProperties',
  'data': { '*policy': 'QAuthZListPolicy', '*rules': [ 'QAuthZListRule' ] } }

##
# @AuthZListFileProperties:
#
# What object-add takes for 'authz-listfile'.
##
{ 'struct': 'AuthZListFileProperties',
  'data': { 'filename': 'str', '*refresh': 'bool' } }

##
# @AuthZPAMProperties:
#
# What object-add takes for 'authz-pam'.
##
{ 'struct': 'AuthZPAMProperties',
  'data': { 'service': 'str' } }

##
# @AuthZSimpleProperties:
#
# What object-add takes for 'authz-simple'.
##
{ 'struct': 'AuthZSimpleProperties',
  'data': { 'identity': 'str' } }

##
# @CanHostSocketcanProperties:
#
# What object-add takes for 'can-host-socketcan'.
##
{ 'struct': 'CanHostSocketcanProperties',
  'data': { 'if': 'str', 'canbus': 'str' } }

##
# @ColoCompareProperties:
#
# What object-add takes for 'colo-compare'.
##
{ 'struct': 'ColoCompareProperties',
  'data': { 'primary_in': 'str', 'secondary_in': 'str', 'outdev': 'str', 'iothread': 'str',
            '*notify_dev': 'str', '*compare_timeout': 'uint64',
            '*expired_scan_cycle': 'uint32', '*max_queue_size': 'uint32',
            '*vnet_hdr_support': 'bool' } }

##
# @CryptodevBackendProperties:
#
# What a crypto device backend takes.
##
{ 'struct': 'CryptodevBackendProperties',
  'data': { '*queues': 'uint32' } }

##
# @CryptodevVhostUserProperties:
#
# What object-add takes for 'cryptodev-vhost-user'.
##
{ 'struct': 'CryptodevVhostUserProperties',
  'base': 'CryptodevBackendProperties',
  'data': { 'chardev': 'str' } }

##
# @DBusVMStateProperties:
#
# What object-add takes for 'dbus-vmstate'.
##
{ 'struct': 'DBusVMStateProperties',
  'data': { 'addr': 'str', '*id-list': 'str' } }

##
# @FilterBufferProperties:
#
# What object-add takes for 'filter-buffer'.
##
{ 'struct': 'FilterBufferProperties',
  'base': 'NetfilterProperties',
  'data': { 'interval': 'uint32' } }

##
# @FilterDumpProperties:
#
# What object-add takes for 'filter-dump'.
##
{ 'struct': 'FilterDumpProperties',
  'base': 'NetfilterProperties',
  'data': { 'file': 'str', '*maxlen': 'uint32' } }

##
# @FilterMirrorProperties:
#
# What object-add takes for 'filter-mirror'.
##
{ 'struct': 'FilterMirrorProperties',
  'base': 'NetfilterProperties',
  'data': { 'outdev': 'str', '*vnet_hdr_support': 'bool' } }

##
# @FilterRedirectorProperties:
#
# What object-add takes for 'filter-redirector'.
##
{ 'struct': 'FilterRedirectorProperties',
  'base': 'NetfilterProperties',
  'data': { '*indev': 'str', '*outdev': 'str', '*vnet_hdr_support': 'bool' } }

##
# @NetfilterProperties:
#
# What every network filter object takes.
##
{ 'struct': 'NetfilterProperties',
  'data': { 'netdev': 'str', '*queue': 'NetFilterDirection', '*status': 'str',
            '*position': 'str', '*insert': 'NetfilterInsert' } }

##
# @FilterRewriterProperties:
#
# What object-add takes for 'filter-rewriter'.
##
{ 'struct': 'FilterRewriterProperties',
  'base': 'NetfilterProperties',
  'data': { '*vnet_hdr_support': 'bool' } }

##
# @InputBarrierProperties:
#
# What object-add takes for 'input-barrier'.
##
{ 'struct': 'InputBarrierProperties',
  'data': { 'name': 'str', '*server': 'str', '*port': 'str', '*x-origin': 'str',
            '*y-origin': 'str', '*width': 'str', '*height': 'str' } }

##
# @InputLinuxProperties:
#
# What object-add takes for 'input-linux'.
##
{ 'struct': 'InputLinuxProperties',
  'data': { 'evdev': 'str', '*grab_all': 'bool', '*repeat': 'bool',
            '*grab-toggle': 'GrabToggleKeys' } }

##
# @IothreadProperties:
#
# What object-add takes for 'iothread'.
##
{ 'struct': 'IothreadProperties',
  'base': 'EventLoopBaseProperties',
  'data': { '*poll-max-ns': 'int', '*poll-grow': 'int', '*poll-shrink': 'int' } }

##
# @MainLoopProperties:
#
# What object-add takes for 'main-loop'.
##
{ 'struct': 'MainLoopProperties',
  'base': 'EventLoopBaseProperties',
  'data': {} }

##
# @MemoryBackendEpcProperties:
#
# What object-add takes for 'memory-backend-epc'.
##
{ 'struct': 'MemoryBackendEpcProperties',
  'base': 'MemoryBackendProperties',
  'data': {} }

##
# @MemoryBackendFileProperties:
#
# What object-add takes for 'memory-backend-file'.
##
{ 'struct': 'MemoryBackendFileProperties',
  'base': 'MemoryBackendProperties',
  'data': { '*align': 'size', '*discard-data': 'bool', 'mem-path': 'str', '*pmem': 'bool',
            '*readonly': 'bool' } }

##
# @MemoryBackendMemfdProperties:
#
# What object-add takes for 'memory-backend-memfd'.
##
{ 'struct': 'MemoryBackendMemfdProperties',
  'base': 'MemoryBackendProperties',
  'data': { '*hugetlb': 'bool', '*hugetlbsize': 'size', '*seal': 'bool' } }

##
# @MemoryBackendProperties:
#
# What every memory backend takes.
##
{ 'struct': 'MemoryBackendProperties',
  'data': { '*dump': 'bool', '*host-nodes': [ 'uint16' ], '*merge': 'bool',
            '*policy': 'HostMemPolicy', '*prealloc': 'bool', '*prealloc-threads': 'uint32',
            '*prealloc-context': 'str', '*share': 'bool', '*reserve': 'bool',
            'size': 'size', '*x-use-canonical-path-for-ramblock-id': 'bool' } }

##
# @PrManagerHelperProperties:
#
# What object-add takes for 'pr-manager-helper'.
##
{ 'struct': 'PrManagerHelperProperties',
  'data': { 'path': 'str' } }

##
# @QtestProperties:
#
# What object-add takes for 'qtest'.
##
{ 'struct': 'QtestProperties',
  'data': { 'chardev': 'str', '*log': 'str' } }

##
# @RngProperties:
#
# What every random number generator backend takes.
#
# Features:
# @deprecated: going away; do not use
##
{ 'struct': 'RngProperties',
  'data': { '*opened': { 'type': 'bool', 'features': [ 'deprecated' ] } } }

##
# @RngEgdProperties:
#
# What object-add takes for 'rng-egd'.
##
{ 'struct': 'RngEgdProperties',
  'base': 'RngProperties',
  'data': { 'chardev': 'str' } }

##
# @RngRandomProperties:
#
# What object-add takes for 'rng-random'.
##
{ 'struct': 'RngRandomProperties',
  'base': 'RngProperties',
  'data': { '*filename': 'str' } }

##
# @SecretProperties:
#
# What object-add takes for 'secret'.
##
{ 'struct': 'SecretProperties',
  'base': 'SecretCommonProperties',
  'data': { '*data': 'str', '*file': 'str' } }

##
# @SecretKeyringProperties:
#
# What object-add takes for 'secret_keyring'.
##
{ 'struct': 'SecretKeyringProperties',
  'base': 'SecretCommonProperties',
  'data': { 'serial': 'int32' } }

##
# @SevGuestProperties:
#
# What object-add takes for 'sev-guest'.
##
{ 'struct': 'SevGuestProperties',
  'data': { '*sev-device': 'str', '*dh-cert-file': 'str', '*session-file': 'str',
            '*policy': 'uint32', '*handle': 'uint32', '*cbitpos': 'uint32',
            'reduced-phys-bits': 'uint32', '*kernel-hashes': 'bool' } }

##
# @ThreadContextProperties:
#
# What object-add takes for 'thread-context'.
##
{ 'struct': 'ThreadContextProperties',
  'data': { '*cpu-affinity': [ 'uint16' ], '*node-affinity': [ 'uint16' ] } }

##
# @ThrottleGroupProperties:
#
# What object-add takes for 'throttle-group'.
#
# Features:
# @unstable: not a stable interface yet
##
{ 'struct': 'ThrottleGroupProperties',
  'data': { '*limits': 'ThrottleLimits',
            '*x-iops-total': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-iops-total-max': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-iops-total-max-length': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-iops-read': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-iops-read-max': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-iops-read-max-length': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-iops-write': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-iops-write-max': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-iops-write-max-length': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-bps-total': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-bps-total-max': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-bps-total-max-length': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-bps-read': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-bps-read-max': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-bps-read-max-length': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-bps-write': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-bps-write-max': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-bps-write-max-length': { 'type': 'int', 'features': [ 'unstable' ] },
            '*x-iops-size': { 'type': 'int', 'features': [ 'unstable' ] } } }

##
# @TlsCredsAnonProperties:
#
# What object-add takes for 'tls-creds-anon'.
#
# Features:
# @deprecated: going away; do not use
##
{ 'struct': 'TlsCredsAnonProperties',
  'base': 'TlsCredsProperties',
  'data': { '*loaded': { 'type': 'bool', 'features': [ 'deprecated' ] } } }

##
# @TlsCredsPskProperties:
#
# What object-add takes for 'tls-creds-psk'.
#
# Features:
# @deprecated: going away; do not use
##
{ 'struct': 'TlsCredsPskProperties',
  'base': 'TlsCredsProperties',
  'data': { '*loaded': { 'type': 'bool', 'features': [ 'deprecated' ] },
            '*username': 'str' } }

##
# @TlsCredsX509Properties:
#
# What object-add takes for 'tls-creds-x509'.
#
# Features:
# @deprecated: going away; do not use
##
{ 'struct': 'TlsCredsX509Properties',
  'base': 'TlsCredsProperties',
  'data': { '*loaded': { 'type': 'bool', 'features': [ 'deprecated' ] },
            '*sanity-check': 'bool', '*passwordid': 'str' } }

##
# @TlsCredsProperties:
#
# What every TLS credentials object takes.
##
{ 'struct': 'TlsCredsProperties',
  'data': { '*verify-peer': 'bool', '*dir': 'str', '*endpoint': 'QCryptoTLSCredsEndpoint',
            '*priority': 'str' } }

##
# @RemoteObjectProperties:
#
# What object-add takes for 'x-remote-object'.
##
{ 'struct': 'RemoteObjectProperties',
  'data': { 'fd': 'str', 'devid': 'str' } }

##
# @VfioUserServerProperties:
#
# What object-add takes for 'x-vfio-user-server'.
##
{ 'struct': 'VfioUserServerProperties',
  'data': { 'socket': 'SocketAddress', 'device': 'str' } }

##
# @QAuthZListPolicy:
#
# Whether a rule lets a match in or keeps it out.
##
{ 'enum': 'QAuthZListPolicy',
  'data': [ 'deny', 'allow' ] }

##
# @QAuthZListRule:
#
# One rule of an access list.
##
{ 'struct': 'QAuthZListRule',
  'data': { 'match': 'str', 'policy': 'QAuthZListPolicy', '*format': 'QAuthZListFormat' } }

##
# @NetFilterDirection:
#
# Which packets of a netdev a filter sees.
##
{ 'enum': 'NetFilterDirection',
  'data': [ 'all', 'rx', 'tx' ] }

##
# @NetfilterInsert:
#
# Where a filter goes among a netdev's filters.
##
{ 'enum': 'NetfilterInsert',
  'data': [ 'before', 'behind' ] }

##
# @GrabToggleKeys:
#
# The key combination that toggles an input grab.
##
{ 'enum': 'GrabToggleKeys',
  'data': [ 'ctrl-ctrl', 'alt-alt', 'shift-shift', 'meta-meta', 'scrolllock',
            'ctrl-scrolllock' ] }

##
# @EventLoopBaseProperties:
#
# What every event loop object takes.
##
{ 'struct': 'EventLoopBaseProperties',
  'data': { '*aio-max-batch': 'int', '*thread-pool-min': 'int', '*thread-pool-max': 'int' } }

##
# @SecretCommonProperties:
#
# What every secret object takes.
#
# Features:
# @deprecated: going away; do not use
##
{ 'struct': 'SecretCommonProperties',
  'data': { '*loaded': { 'type': 'bool', 'features': [ 'deprecated' ] },
            '*format': 'QCryptoSecretFormat', '*keyid': 'str', '*iv': 'str' } }

##
# @ThrottleLimits:
#
# I/O limits of a throttle group.
##
{ 'struct': 'ThrottleLimits',
  'data': { '*iops-total': 'int', '*iops-total-max': 'int',
            '*iops-total-max-length': 'int', '*iops-read': 'int', '*iops-read-max': 'int',
            '*iops-read-max-length': 'int', '*iops-write': 'int', '*iops-write-max': 'int',
            '*iops-write-max-length': 'int', '*bps-total': 'int', '*bps-total-max': 'int',
            '*bps-total-max-length': 'int', '*bps-read': 'int', '*bps-read-max': 'int',
            '*bps-read-max-length': 'int', '*bps-write': 'int', '*bps-write-max': 'int',
            '*bps-write-max-length': 'int', '*iops-size': 'int' } }

##
# @QCryptoTLSCredsEndpoint:
#
# Which end of a TLS connection credentials are for.
##
{ 'enum': 'QCryptoTLSCredsEndpoint',
  'data': [ 'client', 'server' ] }

##
# @QAuthZListFormat:
#
# How a rule's match is compared.
##
{ 'enum': 'QAuthZListFormat',
  'data': [ 'exact', 'glob' ] }

##
# @QCryptoSecretFormat:
#
# How secret data is encoded.
##
{ 'enum': 'QCryptoSecretFormat',
  'data': [ 'raw', 'base64' ] }

##
# @CurrentMachineParams:
#
# Facts about the running machine.
##
{ 'struct': 'CurrentMachineParams',
  'data': { 'wakeup-suspend-support': 'bool' } }

##
# @GuidInfo:
#
# A GUID.
##
{ 'struct': 'GuidInfo',
  'data': { 'guid': 'str' } }
"""
