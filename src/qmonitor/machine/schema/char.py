"""Character devices (char.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @ChardevInfo:
#
# A chardev.
##
{ 'struct': 'ChardevInfo',
  'data': { 'label': 'str', 'filename': 'str', 'frontend-open': 'bool' } }

##
# @query-chardev:
#
# Returns: the chardevs
##
{ 'command': 'query-chardev',
  'returns': [ 'ChardevInfo' ],
  'allow-preconfig': true }

##
# @ChardevBackendInfo:
#
# A chardev backend.
##
{ 'struct': 'ChardevBackendInfo',
  'data': { 'name': 'str' } }

##
# @query-chardev-backends:
#
# Returns: the chardev backends QEMU 7.2 has
##
{ 'command': 'query-chardev-backends',
  'returns': [ 'ChardevBackendInfo' ] }

"""
