"""The monitor itself and introspection (control.json, introspect.json).

Part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""##
# @QMPCapability:
#
# A protocol capability a client may enable.
##
{ 'enum': 'QMPCapability', 'data': [ 'oob' ] }

##
# @qmp_capabilities:
#
# @enable: the capabilities to turn on
##
{ 'command': 'qmp_capabilities', 'data': { '*enable': [ 'QMPCapability' ] },
  'allow-preconfig': true }

##
# @VersionTriple:
#
# @major: major
# @minor: minor
# @micro: micro
##
{ 'struct': 'VersionTriple',
  'data': { 'major': 'int', 'minor': 'int', 'micro': 'int' } }

##
# @VersionInfo:
#
# @qemu: the emulated QEMU version
# @package: who built it
##
{ 'struct': 'VersionInfo', 'data': { 'qemu': 'VersionTriple', 'package': 'str' } }

##
# @query-version:
#
# Returns: the version
##
{ 'command': 'query-version', 'returns': 'VersionInfo', 'allow-preconfig': true }

##
# @CommandInfo:
#
# @name: a command's name
##
{ 'struct': 'CommandInfo', 'data': { 'name': 'str' } }

##
# @query-commands:
#
# Returns: the commands available now
##
{ 'command': 'query-commands', 'returns': [ 'CommandInfo' ], 'allow-preconfig': true }

##
# @quit:
#
# Ends the process.
##
{ 'command': 'quit', 'allow-preconfig': true }

##
# @SchemaMetaType:
#
# The kinds of schema entities.
##
{ 'enum': 'SchemaMetaType',
  'data': [ 'builtin', 'enum', 'array', 'object', 'alternate', 'command', 'event' ] }

##
# @JSONType:
#
# The JSON types a builtin stands for.
##
{ 'enum': 'JSONType',
  'data': [ 'string', 'number', 'int', 'boolean', 'null', 'object', 'array', 'value' ] }

##
# @SchemaInfoBuiltin:
#
# @json-type: its JSON type
##
{ 'struct': 'SchemaInfoBuiltin', 'data': { 'json-type': 'JSONType' } }

##
# @SchemaInfoEnumMember:
#
# @name: the value
# @features: its features
##
{ 'struct': 'SchemaInfoEnumMember', 'data': { 'name': 'str', '*features': [ 'str' ] } }

##
# @SchemaInfoEnum:
#
# @members: the values with their features
# @values: the values
#
# Features:
# @deprecated: use @members
##
{ 'struct': 'SchemaInfoEnum',
  'data': { 'members': [ 'SchemaInfoEnumMember' ],
            'values': { 'type': [ 'str' ], 'features': [ 'deprecated' ] } } }

##
# @SchemaInfoArray:
#
# @element-type: the element type's name
##
{ 'struct': 'SchemaInfoArray', 'data': { 'element-type': 'str' } }

##
# @SchemaInfoObjectMember:
#
# @name: member name
# @type: its type's name
# @default: present (null) when the member is optional
# @features: its features
##
{ 'struct': 'SchemaInfoObjectMember',
  'data': { 'name': 'str', 'type': 'str', '*default': 'any', '*features': [ 'str' ] } }

##
# @SchemaInfoObjectVariant:
#
# @case: the tag value
# @type: the branch type's name
##
{ 'struct': 'SchemaInfoObjectVariant', 'data': { 'case': 'str', 'type': 'str' } }

##
# @SchemaInfoObject:
#
# @members: the members
# @tag: the discriminator of a union
# @variants: the branches of a union
##
{ 'struct': 'SchemaInfoObject',
  'data': { 'members': [ 'SchemaInfoObjectMember' ], '*tag': 'str',
            '*variants': [ 'SchemaInfoObjectVariant' ] } }

##
# @SchemaInfoAlternateMember:
#
# @type: a branch type's name
##
{ 'struct': 'SchemaInfoAlternateMember', 'data': { 'type': 'str' } }

##
# @SchemaInfoAlternate:
#
# @members: the branches
##
{ 'struct': 'SchemaInfoAlternate', 'data': { 'members': [ 'SchemaInfoAlternateMember' ] } }

##
# @SchemaInfoCommand:
#
# @arg-type: argument type name
# @ret-type: return type name
# @allow-oob: whether it may run out of band
##
{ 'struct': 'SchemaInfoCommand',
  'data': { 'arg-type': 'str', 'ret-type': 'str', '*allow-oob': 'bool' } }

##
# @SchemaInfoEvent:
#
# @arg-type: data type name
##
{ 'struct': 'SchemaInfoEvent', 'data': { 'arg-type': 'str' } }

##
# @SchemaInfo:
#
# @name: the entity's name (types are masked as numbers)
# @meta-type: its kind
# @features: its features
##
{ 'union': 'SchemaInfo',
  'base': { 'name': 'str', 'meta-type': 'SchemaMetaType', '*features': [ 'str' ] },
  'discriminator': 'meta-type',
  'data': { 'builtin': 'SchemaInfoBuiltin', 'enum': 'SchemaInfoEnum',
            'array': 'SchemaInfoArray', 'object': 'SchemaInfoObject',
            'alternate': 'SchemaInfoAlternate', 'command': 'SchemaInfoCommand',
            'event': 'SchemaInfoEvent' } }

##
# @query-qmp-schema:
#
# Returns: the schema of this monitor
##
{ 'command': 'query-qmp-schema', 'returns': [ 'SchemaInfo' ],
  'gen': false, 'allow-preconfig': true }

"""
