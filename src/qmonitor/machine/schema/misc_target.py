"""x86 specifics: RTC reinjection, SEV and SGX (misc-target.json); vfio-user.

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @VFU_CLIENT_HANGUP:
#
# A vfio-user client went away.
##
{ 'event': 'VFU_CLIENT_HANGUP',
  'data': { 'vfu-id': 'str', 'vfu-qom-path': 'str', 'dev-id': 'str',
            'dev-qom-path': 'str' } }

##
# @rtc-reset-reinjection:
#
# Forget the RTC interrupts still waiting to be reinjected.
##
{ 'command': 'rtc-reset-reinjection' }

##
# @SevState:
#
# The states of an SEV guest.
##
{ 'enum': 'SevState',
  'data': [ 'uninit', 'launch-update', 'launch-secret', 'running', 'send-update',
    'receive-update' ] }

##
# @SevInfo:
#
# An SEV guest's state.
##
{ 'struct': 'SevInfo',
  'data': { 'enabled': 'bool', 'api-major': 'int', 'api-minor': 'int', 'build-id': 'int',
            'policy': 'int', 'state': 'SevState', 'handle': 'int' } }

##
# @query-sev:
#
# The SEV state of the guest.
#
# Returns: its state
##
{ 'command': 'query-sev',
  'returns': 'SevInfo' }

##
# @SevLaunchMeasureInfo:
#
# The measurement of an SEV guest's launch.
##
{ 'struct': 'SevLaunchMeasureInfo',
  'data': { 'data': 'str' } }

##
# @query-sev-launch-measure:
#
# The measurement of the SEV guest's launch.
#
# Returns: the measurement
##
{ 'command': 'query-sev-launch-measure',
  'returns': 'SevLaunchMeasureInfo' }

##
# @SevCapability:
#
# What the host's SEV firmware offers.
##
{ 'struct': 'SevCapability',
  'data': { 'pdh': 'str', 'cert-chain': 'str', 'cpu0-id': 'str', 'cbitpos': 'int',
            'reduced-phys-bits': 'int' } }

##
# @query-sev-capabilities:
#
# What the host's SEV firmware offers.
#
# Returns: its capabilities
##
{ 'command': 'query-sev-capabilities',
  'returns': 'SevCapability' }

##
# @sev-inject-launch-secret:
#
# Put a secret into an SEV guest's memory.
##
{ 'command': 'sev-inject-launch-secret',
  'data': { 'packet-header': 'str', 'secret': 'str', '*gpa': 'uint64' } }

##
# @SevAttestationReport:
#
# An SEV attestation report.
##
{ 'struct': 'SevAttestationReport',
  'data': { 'data': 'str' } }

##
# @query-sev-attestation-report:
#
# An SEV attestation report for a nonce.
#
# Returns: the report
##
{ 'command': 'query-sev-attestation-report',
  'data': { 'mnonce': 'str' },
  'returns': 'SevAttestationReport' }

##
# @SGXEPCSection:
#
# An SGX EPC section.
##
{ 'struct': 'SGXEPCSection',
  'data': { 'node': 'int', 'size': 'int' } }

##
# @SGXInfo:
#
# The guest's SGX settings.
#
# Features:
# @deprecated: the sections list replaces the section size
##
{ 'struct': 'SGXInfo',
  'data': { 'sgx': 'bool', 'sgx1': 'bool', 'sgx2': 'bool', 'flc': 'bool',
            'section-size': { 'type': 'int', 'features': [ 'deprecated' ] },
            'sections': [ 'SGXEPCSection' ] } }

##
# @query-sgx:
#
# The guest's SGX settings.
#
# Returns: the settings
##
{ 'command': 'query-sgx',
  'returns': 'SGXInfo' }

##
# @query-sgx-capabilities:
#
# What the host's SGX offers.
#
# Returns: the host's SGX settings
##
{ 'command': 'query-sgx-capabilities',
  'returns': 'SGXInfo' }

"""
