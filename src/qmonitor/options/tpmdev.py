"""``-tpmdev``: QEMU 7.2's checks of a TPM backend's options (softmmu/tpm.c, backends/tpm/).

The option fills the ``tpmdev`` list (any option name; ``type`` is the
implied one) when it is met.  Among the late backends, tpm_init() takes the
groups in order: one TPM only, an id, a known ``type``, then the options
the backend declares (``qemu_opts_validate``).  Each error is printed at
the option's location, the backend list after the ``type`` errors.
qmonitor creates no TPM: a command line that passes the checks is
recorded as not modelled.
"""

from __future__ import annotations

from typing import Final

from qmonitor.errors import QmonitorError
from qmonitor.util.error import Diagnostic
from qmonitor.util.qemuopts import OptDesc, OptsListSpec, OptType, QemuOpts
from qmonitor.util.texts import INVALID_PARAMETER, INVALID_PARAMETER_VALUE, MISSING_PARAMETER

#: softmmu/tpm.c: qemu_tpmdev_opts (any option; ``type`` implied).
TPMDEV_OPTS: Final = OptsListSpec("tpmdev", "type", ())
#: What ``-tpmdev help`` prints on stderr (tpm_display_backend_drivers), the build's backends.
TPM_BACKENDS: Final = (
    ("passthrough", "Passthrough TPM backend driver"),
    ("emulator", "TPM emulator backend driver"),
)
TPM_HELP_HEADER: Final = "Supported TPM types (choose only one):"
#: softmmu/tpm.c: tpm_init_tpmdev.
ONLY_ONE: Final = "Only one TPM is allowed."

_S = OptType.STRING
#: Each backend's options (TPM_STANDARD_CMDLINE_OPTS and its own).
_BACKEND_OPTS: Final = {
    "passthrough": OptsListSpec(
        "tpm-passthrough",
        None,
        (OptDesc("type", _S), OptDesc("cancel-path", _S), OptDesc("path", _S)),
    ),
    "emulator": OptsListSpec("tpm-emulator", None, (OptDesc("type", _S), OptDesc("chardev", _S))),
}


class TpmError(QmonitorError):
    """QEMU's error for a ``-tpmdev``; ``listing``: the backends are listed after it."""

    def __init__(self, diagnostic: Diagnostic, listing: bool = False) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.listing = listing


def backend_listing() -> str:
    """tpm_display_backend_drivers(), as printed on stderr."""
    lines = [TPM_HELP_HEADER] + [f"{name:>12}   {text}" for name, text in TPM_BACKENDS]
    return "".join(f"{line}\n" for line in lines)


def check_tpmdev(opts: QemuOpts, index: int) -> None:
    """tpm_init_tpmdev() up to creating the backend; ``index``: the groups before this one.

    :raises TpmError: QEMU's text.
    """
    if index > 0:
        raise TpmError(Diagnostic(ONLY_ONE))
    if opts.id is None:
        raise TpmError(Diagnostic(MISSING_PARAMETER.format("id")))
    kind = opts.get("type")
    if kind is None:
        raise TpmError(Diagnostic(MISSING_PARAMETER.format("type")), listing=True)
    spec = _BACKEND_OPTS.get(kind)
    if spec is None:
        text = INVALID_PARAMETER_VALUE.format("type", "a TPM backend type")
        raise TpmError(Diagnostic(text), listing=True)
    for name, _ in opts.items:
        if spec.find(name) is None:
            raise TpmError(Diagnostic(INVALID_PARAMETER.format(name)))
