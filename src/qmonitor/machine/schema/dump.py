"""Guest memory dumps (dump.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @dump-guest-memory:
#
# Write the guest's memory to a file or file descriptor, in ELF, kdump or Windows dump form.
#
# With @detach the dump runs in the background and DUMP_COMPLETED tells its end.
##
{ 'command': 'dump-guest-memory',
  'data': { 'paging': 'bool', 'protocol': 'str', '*detach': 'bool', '*begin': 'int',
            '*length': 'int', '*format': 'DumpGuestMemoryFormat' } }

##
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
# @DUMP_COMPLETED:
#
# A guest memory dump ended (@error says why it failed, if it did).
##
{ 'event': 'DUMP_COMPLETED',
  'data': { 'result': 'DumpQueryResult', '*error': 'str' } }

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

"""
