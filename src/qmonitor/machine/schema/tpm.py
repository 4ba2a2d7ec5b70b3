"""TPM models, types and devices (tpm.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
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
