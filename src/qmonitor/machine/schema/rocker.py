"""Rocker switches (rocker.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @RockerSwitch:
#
# A rocker switch.
##
{ 'struct': 'RockerSwitch',
  'data': { 'name': 'str', 'id': 'int', 'ports': 'int' } }

##
# @query-rocker:
#
# Describe a rocker switch.
#
# Returns: the switch
##
{ 'command': 'query-rocker',
  'data': { 'name': 'str' },
  'returns': 'RockerSwitch' }

##
# @RockerPortDuplex:
#
# A port's duplex mode.
##
{ 'enum': 'RockerPortDuplex',
  'data': [ 'half', 'full' ] }

##
# @RockerPortAutoneg:
#
# Whether a port negotiates its speed.
##
{ 'enum': 'RockerPortAutoneg',
  'data': [ 'off', 'on' ] }

##
# @RockerPort:
#
# A port of a rocker switch.
##
{ 'struct': 'RockerPort',
  'data': { 'name': 'str', 'enabled': 'bool', 'link-up': 'bool', 'speed': 'int',
            'duplex': 'RockerPortDuplex', 'autoneg': 'RockerPortAutoneg' } }

##
# @query-rocker-ports:
#
# The ports of a rocker switch.
#
# Returns: its ports
##
{ 'command': 'query-rocker-ports',
  'data': { 'name': 'str' },
  'returns': [ 'RockerPort' ] }

##
# @RockerOfDpaFlowKey:
#
# What an OF-DPA flow matches.
##
{ 'struct': 'RockerOfDpaFlowKey',
  'data': { 'priority': 'int', 'tbl-id': 'int', '*in-pport': 'int', '*tunnel-id': 'int',
            '*vlan-id': 'int', '*eth-type': 'int', '*eth-src': 'str', '*eth-dst': 'str',
            '*ip-proto': 'int', '*ip-tos': 'int', '*ip-dst': 'str' } }

##
# @RockerOfDpaFlowMask:
#
# Which bits of a flow's key are matched.
##
{ 'struct': 'RockerOfDpaFlowMask',
  'data': { '*in-pport': 'int', '*tunnel-id': 'int', '*vlan-id': 'int', '*eth-src': 'str',
            '*eth-dst': 'str', '*ip-proto': 'int', '*ip-tos': 'int' } }

##
# @RockerOfDpaFlowAction:
#
# What an OF-DPA flow does with what it matches.
##
{ 'struct': 'RockerOfDpaFlowAction',
  'data': { '*goto-tbl': 'int', '*group-id': 'int', '*tunnel-lport': 'int',
            '*vlan-id': 'int', '*new-vlan-id': 'int', '*out-pport': 'int' } }

##
# @RockerOfDpaFlow:
#
# An OF-DPA flow of a rocker switch.
##
{ 'struct': 'RockerOfDpaFlow',
  'data': { 'cookie': 'int', 'hits': 'int', 'key': 'RockerOfDpaFlowKey',
            'mask': 'RockerOfDpaFlowMask', 'action': 'RockerOfDpaFlowAction' } }

##
# @query-rocker-of-dpa-flows:
#
# The OF-DPA flows of a rocker switch.
#
# Returns: its flows
##
{ 'command': 'query-rocker-of-dpa-flows',
  'data': { 'name': 'str', '*tbl-id': 'uint32' },
  'returns': [ 'RockerOfDpaFlow' ] }

##
# @RockerOfDpaGroup:
#
# An OF-DPA group of a rocker switch.
##
{ 'struct': 'RockerOfDpaGroup',
  'data': { 'id': 'int', 'type': 'int', '*vlan-id': 'int', '*pport': 'int',
            '*index': 'int', '*out-pport': 'int', '*group-id': 'int',
            '*set-vlan-id': 'int', '*pop-vlan': 'int', '*group-ids': [ 'int' ],
            '*set-eth-src': 'str', '*set-eth-dst': 'str', '*ttl-check': 'int' } }

##
# @query-rocker-of-dpa-groups:
#
# The OF-DPA groups of a rocker switch.
#
# Returns: its groups
##
{ 'command': 'query-rocker-of-dpa-groups',
  'data': { 'name': 'str', '*type': 'uint8' },
  'returns': [ 'RockerOfDpaGroup' ] }

"""
