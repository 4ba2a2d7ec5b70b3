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
# @ACPI_DEVICE_OST:
#
# The guest's ACPI OSPM reported the status of a device.
##
{ 'event': 'ACPI_DEVICE_OST',
  'data': { 'info': 'ACPIOSTInfo' } }

##
# @PciDeviceClass:
#
# A PCI device's class.
##
{ 'struct': 'PciDeviceClass',
  'data': { '*desc': 'str', 'class': 'int' } }

##
# @PciDeviceId:
#
# A PCI device's vendor and device ids.
##
{ 'struct': 'PciDeviceId',
  'data': { 'device': 'int', 'vendor': 'int', '*subsystem': 'int',
            '*subsystem-vendor': 'int' } }

##
# @PciMemoryRange:
#
# A range of addresses a PCI bridge forwards.
##
{ 'struct': 'PciMemoryRange',
  'data': { 'base': 'int', 'limit': 'int' } }

##
# @PciBusInfo:
#
# The buses behind a PCI bridge and the ranges it forwards.
##
{ 'struct': 'PciBusInfo',
  'data': { 'number': 'int', 'secondary': 'int', 'subordinate': 'int',
            'io_range': 'PciMemoryRange', 'memory_range': 'PciMemoryRange',
            'prefetchable_range': 'PciMemoryRange' } }

##
# @PciBridgeInfo:
#
# A PCI bridge.
##
{ 'struct': 'PciBridgeInfo',
  'data': { 'bus': 'PciBusInfo', '*devices': [ 'PciDeviceInfo' ] } }

##
# @PciMemoryRegion:
#
# A PCI device's BAR.
##
{ 'struct': 'PciMemoryRegion',
  'data': { 'bar': 'int', 'type': 'str', 'address': 'int', 'size': 'int',
            '*prefetch': 'bool', '*mem_type_64': 'bool' } }

##
# @PciDeviceInfo:
#
# A PCI device.
##
{ 'struct': 'PciDeviceInfo',
  'data': { 'bus': 'int', 'slot': 'int', 'function': 'int', 'class_info': 'PciDeviceClass',
            'id': 'PciDeviceId', '*irq': 'int', 'irq_pin': 'int', 'qdev_id': 'str',
            '*pci_bridge': 'PciBridgeInfo', 'regions': [ 'PciMemoryRegion' ] } }

##
# @PciInfo:
#
# A PCI bus and its devices.
##
{ 'struct': 'PciInfo',
  'data': { 'bus': 'int', 'devices': [ 'PciDeviceInfo' ] } }

##
# @query-pci:
#
# The PCI buses and their devices.
#
# Returns: one entry per root bus
##
{ 'command': 'query-pci',
  'returns': [ 'PciInfo' ] }

##
# @StatsRequest:
#
# Which provider's statistics to read, and which of them.
##
{ 'struct': 'StatsRequest',
  'data': { 'provider': 'StatsProvider', '*names': [ 'str' ] } }

##
# @StatsVCPUFilter:
#
# Which vCPUs' statistics to read.
##
{ 'struct': 'StatsVCPUFilter',
  'data': { '*vcpus': [ 'str' ] } }

##
# @StatsVMFilter:
#
# No further filter for the VM's statistics.
##
{ 'struct': 'StatsVMFilter',
  'data': {} }

##
# @StatsFilter:
#
# Which statistics to read.
##
{ 'union': 'StatsFilter',
  'base': { 'target': 'StatsTarget', '*providers': [ 'StatsRequest' ] },
  'discriminator': 'target',
  'data': { 'vcpu': 'StatsVCPUFilter', 'vm': 'StatsVMFilter' } }

##
# @StatsValue:
#
# A statistic's value.
##
{ 'alternate': 'StatsValue',
  'data': { 'scalar': 'int', 'boolean': 'bool', 'list': [ 'int' ] } }

##
# @Stats:
#
# A statistic.
##
{ 'struct': 'Stats',
  'data': { 'name': 'str', 'value': 'StatsValue' } }

##
# @StatsResult:
#
# The statistics of a provider for one target.
##
{ 'struct': 'StatsResult',
  'data': { 'provider': 'StatsProvider', '*qom-path': 'str', 'stats': [ 'Stats' ] } }

##
# @query-stats:
#
# Read statistics.
#
# Returns: one entry per provider and target
##
{ 'command': 'query-stats',
  'data': 'StatsFilter',
  'boxed': true,
  'returns': [ 'StatsResult' ] }

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
