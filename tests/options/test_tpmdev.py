"""``-tpmdev``: checked as tpm_init() checks it, among the late backends (fuzz cases 5, 106).

Texts: the recorded fuzz cases, softmmu/tpm.c and qapi/qmp/qerror.h.
"""

from __future__ import annotations

import pytest

from qmonitor.options.cmdline import CmdlineError, parse_args
from qmonitor.options.tpmdev import backend_listing

PROG = "qemu-system-x86_64"
NONE = ["-M", "none", "-display", "none", "-nodefaults"]


def _refusal(*argv: str) -> str:
    with pytest.raises(CmdlineError) as info:
        parse_args([*NONE, *argv], PROG)
    return info.value.message


def test_missing_id_at_the_options_location() -> None:
    assert _refusal("-tpmdev", "=") == f"{PROG}: -tpmdev =: Parameter 'id' is missing\n"


def test_malformed_id_when_parsed() -> None:
    got = _refusal("-tpmdev", "id=1.5", "-mon", "nosuch")
    assert got.startswith(f"{PROG}: -tpmdev id=1.5: Parameter 'id' expects an identifier\n")


def test_type_errors_list_the_backends() -> None:
    got = _refusal("-tpmdev", "id=t")
    assert got == f"{PROG}: -tpmdev id=t: Parameter 'type' is missing\n" + backend_listing()
    got = _refusal("-tpmdev", "nope,id=t")
    assert got == (
        f"{PROG}: -tpmdev nope,id=t: Parameter 'type' expects a TPM backend type\n"
        + backend_listing()
    )


def test_backend_options_validated() -> None:
    got = _refusal("-tpmdev", "emulator,id=t,path=x")
    assert got == f"{PROG}: -tpmdev emulator,id=t,path=x: Invalid parameter 'path'\n"


def test_one_tpm_only() -> None:
    got = _refusal("-tpmdev", "passthrough,id=a", "-tpmdev", "passthrough,id=b")
    assert got == f"{PROG}: -tpmdev passthrough,id=b: Only one TPM is allowed.\n"


def test_before_the_monitors() -> None:
    """tpm_init() runs before mon_init_func: the TPM's error comes first."""
    got = _refusal("-mon", "nosuch", "-tpmdev", "=")
    assert got == f"{PROG}: -tpmdev =: Parameter 'id' is missing\n"


def test_checked_backend_is_recorded_as_not_modelled() -> None:
    config = parse_args([*NONE, "-tpmdev", "passthrough,id=t"], PROG)
    assert "-tpmdev passthrough,id=t" in config.unmodelled
