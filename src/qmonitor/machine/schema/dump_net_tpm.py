"""Guest memory dumps, NIC receive filters and TPMs (dump.json, net.json, tpm.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @DumpQueryResult:
#
# Progress of a guest memory dump.
##
{ 'struct': 'DumpQueryResult',
  'data': { 'status': 'DumpStatus', 'completed': 'int', 'total': 'int' } }

##
# @DumpStatus:
#
# The state of a guest memory dump.
##
{ 'enum': 'DumpStatus',
  'data': [ 'none', 'active', 'completed', 'failed' ] }

##
# @query-dump:
#
# Progress of the last guest memory dump.
#
# Returns: the dump's state and sizes
##
{ 'command': 'query-dump',
  'returns': 'DumpQueryResult' }

##
# @DumpGuestMemoryCapability:
#
# The formats a guest memory dump can take.
##
{ 'struct': 'DumpGuestMemoryCapability',
  'data': { 'formats': [ 'DumpGuestMemoryFormat' ] } }

##
# @DumpGuestMemoryFormat:
#
# A guest memory dump format.
##
{ 'enum': 'DumpGuestMemoryFormat',
  'data': [ 'elf', 'kdump-zlib', 'kdump-lzo', 'kdump-snappy', 'win-dmp' ] }

##
# @query-dump-guest-memory-capability:
#
# Which dump formats this build writes.
#
# Returns: the formats
##
{ 'command': 'query-dump-guest-memory-capability',
  'returns': 'DumpGuestMemoryCapability' }

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
# @TpmModel:
#
# A TPM front end.
##
{ 'enum': 'TpmModel',
  'data': [ 'tpm-tis', 'tpm-crb', 'tpm-spapr' ] }

##
# @query-tpm-models:
#
# The TPM front ends of this build.
#
# Returns: their names
##
{ 'command': 'query-tpm-models',
  'returns': [ 'TpmModel' ] }

##
# @TpmType:
#
# A TPM backend.
##
{ 'enum': 'TpmType',
  'data': [ 'passthrough', 'emulator' ] }

##
# @query-tpm-types:
#
# The TPM backends of this build.
#
# Returns: their names
##
{ 'command': 'query-tpm-types',
  'returns': [ 'TpmType' ] }

##
# @TPMInfo:
#
# A configured TPM.
##
{ 'struct': 'TPMInfo',
  'data': { 'id': 'str', 'model': 'TpmModel', 'options': 'TpmTypeOptions' } }

##
# @TpmTypeOptions:
#
# A TPM backend and its options.
##
{ 'union': 'TpmTypeOptions',
  'base': { 'type': 'TpmType' },
  'discriminator': 'type',
  'data': { 'passthrough': 'TPMPassthroughOptionsWrapper',
            'emulator': 'TPMEmulatorOptionsWrapper' } }

##
# @TPMPassthroughOptionsWrapper:
#
# Options of the passthrough backend.
##
{ 'struct': 'TPMPassthroughOptionsWrapper',
  'data': { 'data': 'TPMPassthroughOptions' } }

##
# @TPMEmulatorOptionsWrapper:
#
# Options of the emulator backend.
##
{ 'struct': 'TPMEmulatorOptionsWrapper',
  'data': { 'data': 'TPMEmulatorOptions' } }

##
# @TPMPassthroughOptions:
#
# Which host TPM to pass through.
##
{ 'struct': 'TPMPassthroughOptions',
  'data': { '*path': 'str', '*cancel-path': 'str' } }

##
# @TPMEmulatorOptions:
#
# The chardev of an external TPM emulator.
##
{ 'struct': 'TPMEmulatorOptions',
  'data': { 'chardev': 'str' } }

##
# @query-tpm:
#
# The configured TPMs.
#
# Returns: the TPMs (none without -tpmdev)
##
{ 'command': 'query-tpm',
  'returns': [ 'TPMInfo' ] }
"""
