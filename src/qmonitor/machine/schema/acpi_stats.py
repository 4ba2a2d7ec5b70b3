"""ACPI OSPM reports and the statistics schemas (acpi.json, stats.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @ACPIOSTInfo:
#
# What the guest's OSPM reported for a device (_OST).
##
{ 'struct': 'ACPIOSTInfo',
  'data': { '*device': 'str', 'slot': 'str', 'slot-type': 'ACPISlotType', 'source': 'int',
            'status': 'int' } }

##
# @ACPISlotType:
#
# The kind of slot an _OST report is about.
##
{ 'enum': 'ACPISlotType',
  'data': [ 'DIMM', 'CPU' ] }

##
# @query-acpi-ospm-status:
#
# Lists the _OST reports of the ACPI devices.
#
# Returns: the reports (an error without an ACPI device)
##
{ 'command': 'query-acpi-ospm-status',
  'returns': [ 'ACPIOSTInfo' ] }

##
# @StatsProvider:
#
# The subsystem statistics come from.
##
{ 'enum': 'StatsProvider',
  'data': [ 'kvm' ] }

##
# @StatsSchema:
#
# The statistics one provider gives.
##
{ 'struct': 'StatsSchema',
  'data': { 'provider': 'StatsProvider', 'target': 'StatsTarget',
            'stats': [ 'StatsSchemaValue' ] } }

##
# @StatsTarget:
#
# What statistics are about.
##
{ 'enum': 'StatsTarget',
  'data': [ 'vm', 'vcpu' ] }

##
# @StatsSchemaValue:
#
# One statistic and how to read it.
##
{ 'struct': 'StatsSchemaValue',
  'data': { 'name': 'str', 'type': 'StatsType', '*unit': 'StatsUnit', '*base': 'int8',
            'exponent': 'int16', '*bucket-size': 'uint32' } }

##
# @StatsType:
#
# How a statistic's value changes.
##
{ 'enum': 'StatsType',
  'data': [ 'cumulative', 'instant', 'peak', 'linear-histogram', 'log2-histogram' ] }

##
# @StatsUnit:
#
# A statistic's unit.
##
{ 'enum': 'StatsUnit',
  'data': [ 'bytes', 'seconds', 'cycles', 'boolean' ] }

##
# @query-stats-schemas:
#
# Lists the statistics the providers give.
#
# Returns: each provider's statistics
##
{ 'command': 'query-stats-schemas',
  'data': { '*provider': 'StatsProvider' },
  'returns': [ 'StatsSchema' ] }
"""
