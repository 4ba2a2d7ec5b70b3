"""QEMU's message texts for the util layer: option syntax, keyval and value parsing.

Every text the util modules report is defined here once, with the QEMU
source file it matches, so that layers above (the command line, the HMP
argument parser) reuse the same constant instead of a copy.  Texts are
``str.format`` templates; ``{}`` stands where QEMU has a ``%s``.
"""

from __future__ import annotations

from typing import Final

# -- qapi/qmp/qerror.h (used by util/qemu-option.c and the QAPI visitors) -------------

#: QERR_INVALID_PARAMETER.
INVALID_PARAMETER: Final = "Invalid parameter '{}'"
#: QERR_INVALID_PARAMETER_VALUE.
INVALID_PARAMETER_VALUE: Final = "Parameter '{}' expects {}"
#: QERR_MISSING_PARAMETER.
MISSING_PARAMETER: Final = "Parameter '{}' is missing"

# -- qapi/qobject-input-visitor.c (the keyval and opts visitors) ---------------------

#: An enum member the type does not have.
ENUM_VALUE: Final = "Parameter '{}' does not accept value '{}'"
#: A member the struct does not have (qobject_input_check_struct).
UNEXPECTED_PARAMETER: Final = "Parameter '{}' is unexpected"

# -- qom/object.c (the command line and the machine both set QOM properties) -----

#: A property without a setter.
NOT_WRITABLE: Final = "Property '{}.{}' is not writable"

# -- util/qemu-option.c -----------------------------------------------------------

#: parse_option_number(), on overflow.
NUMBER_TOO_LARGE: Final = "Value '{}' is too large for parameter '{}'"
#: parse_option_size(), on overflow.
SIZE_OUT_OF_RANGE: Final = "Value '{}' is out of range for parameter '{}'"
#: parse_option_size()'s hint.
SIZE_HINT: Final = (
    "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
    "and exabytes, respectively.\n"
)
#: qemu_opts_create(): a malformed id, and its hint.
ID_HINT: Final = "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n"
#: qemu_opts_create(): a second group with the same id.
DUPLICATE_ID: Final = "Duplicate ID '{}' for {}"
#: get_opt_name_value(): the short-form warning and its hint.
SHORT_FORM_DEPRECATED: Final = "short-form boolean option '{}' deprecated"
SHORT_FORM_HINT: Final = "Please use {}={} instead\n"

# -- util/cutils.c ----------------------------------------------------------------

#: do_strtosz()'s warning for ``0x10k``.
SIZE_HEX_SUFFIX_DEPRECATED: Final = "Using a multiplier suffix on hex numbers is deprecated: {}"

# -- util/keyval.c ----------------------------------------------------------------

#: keyval_parse_one(): a key with no value.
EXPECTED_EQUALS: Final = "Expected '=' after parameter '{}'"
#: keyval_parse() asked for no help, given ``help`` or ``?``.
HELP_NOT_AVAILABLE: Final = "Help is not available for this option"
#: keyval_parse_put(): ``a=1,a.b=2``.
USED_INCONSISTENTLY: Final = "Parameters '{}.*' used inconsistently"
