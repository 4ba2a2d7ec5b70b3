"""Options of QEMU 7.2's table that set up the process rather than the board.

- ``-set GROUP.ID.ARG=VALUE`` (qemu_set_option in softmmu/vl.c) adds
  ``ARG=VALUE`` to an option group parsed earlier on the command line, as
  the option is met: the groups qmonitor parses are changed (so ``-set
  chardev.c.path=...`` reaches the chardev), the others are only looked up
  by the ids their options gave.
- ``-L DIR`` adds a data directory; ``-L help`` lists the directories (the
  user's first, then the build's, relative to the program's directory) once
  the early options are processed, and exits.
- ``-audio-help`` prints the ``-audiodev`` options equivalent to the
  ``QEMU_AUDIO_*`` environment (only ``QEMU_AUDIO_DRV`` is modelled).
- ``-plugin`` is parsed as met and loaded when the board is made: this
  build loads no TCG plugin, so the load fails as QEMU's fails for a file
  that is not one (missing, or not a shared object).
- ``-rotate``, ``-dfilter``, ``-seed``: their syntax.
- ``-echr``: every mux's escape character; ``-singlestep`` and
  ``-enable-sync-profile``: states the machine starts in.
- Options of qemu-options.def for other targets are refused as the second
  pass meets them (:data:`OTHER_TARGET_OPTIONS`).

The board's options are in :mod:`qmonitor.options.parse_board`.  What
these options would change in a running guest is not modelled; each
accepted one is listed in ``Config.unmodelled``.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Final

from qmonitor.options.help import recorded_listing
from qmonitor.options.optgroups import QUERYABLE_OPTION_LISTS
from qmonitor.options.parser_state import ParserState
from qmonitor.util.cutils import c_strtoull
from qmonitor.util.error import Diagnostic, QemuOptsError, QemuOptsHelp
from qmonitor.util.qemuopts import OptsGroup, OptsListSpec, QemuOpts

#: Options QEMU 7.2's table has for other targets than x86_64 (their arch_mask),
#: with whether each takes an argument; lookup_opt() refuses them.
OTHER_TARGET_OPTIONS: Final[dict[str, bool]] = {
    "g": True, "xen-domid": True, "xen-attach": False, "xen-domid-restrict": False,
    "prom-env": True, "semihosting": False, "semihosting-config": True, "old-param": False,
}  # fmt: skip
NOT_FOR_TARGET: Final = "Option not supported for this target"
SET_CANT_PARSE: Final = 'can\'t parse: "{}"'
SET_NOT_SUPPORTED: Final = "-set is not supported with {}"
SET_NO_GROUP: Final = "There is no option group '{}'"
SET_NO_ID: Final = 'there is no {} "{}" defined'
PLUGIN_EMPTY_FILE: Final = "requires a non-empty argument"
PLUGIN_NO_FILE: Final = "missing earlier '-plugin file=' option"
PLUGIN_ARG_DEPRECATED: Final = "using 'arg={}' is deprecated"
PLUGIN_CANT_LOAD: Final = "Could not load plugin {}: {}"
ROTATE_BAD: Final = "only 90, 180, 270 deg rotation is available"
DFILTER_BAD_SPEC: Final = "Bad range specifier"
DFILTER_BAD_LEFT: Final = "Invalid number to the left of {}"
DFILTER_BAD_RIGHT: Final = "Invalid number to the right of {}"
DFILTER_BAD_RANGE: Final = "Invalid range"
SEED_INVALID: Final = "Invalid seed number: {}"
#: The groups -set refuses (is_qemuopts_group: read with keyval, not QemuOpts).
_KEYVAL_GROUPS: Final = ("object", "audiodev", "machine", "smp-opts", "boot-opts")
#: ``GROUP.ID.ARG=``: each part at most 63 characters, as sscanf reads them.
_SET_FORM = re.compile(r"([^.]{1,63})\.([^.]{1,63})\.([^=]{1,63})=")
#: What strtol(..., 0) reads: a sign and a C number (``0x``/``0`` prefixes).
_C_LONG = re.compile(r"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
#: The options whose groups qmonitor does not keep, and their groups.
_ID_ONLY_GROUPS: Final = {
    "drive": "drive", "fsdev": "fsdev", "netdev": "netdev", "nic": "nic", "net": "net",
    "numa": "numa", "tpmdev": "tpmdev", "option-rom": "option-rom", "acpitable": "acpi",
    "smbios": "smbios", "iscsi": "iscsi", "plugin": "plugin", "trace": "trace",
}  # fmt: skip
#: The build's firmware directories (CONFIG_QEMU_FIRMWAREPATH), then its data directory.
_BUILD_DATA_DIRS: Final = ("../share/qemu", "../share/seabios", "../lib/ipxe/qemu")
#: qemu_add_data_dir() keeps at most this many (data_dir's size).
_MAX_DATA_DIRS: Final = 16
#: The line ``-audio-help`` prints before the drivers when QEMU_AUDIO_DRV is unset.
_ALL_DRIVERS: Final = "(Since you didn't specify QEMU_AUDIO_DRV"
_MODULE_HINT: Final = "do you want to install qemu-system-gui package?"
#: What qapi_bool_parse() takes.
_BOOL_WORDS: Final = ("on", "yes", "true", "y", "off", "no", "false", "n")
_ELF_MAGIC: Final = b"\x7fELF"


def dfilter_error(spec: str) -> str | None:
    """What qemu_set_dfilter_ranges() says of ``spec``, None when each range is good.

    Each comma-separated range is ``START-LEN`` (ending at START), ``START+LEN``
    or ``START..END``, with C numbers; the first operator found in that
    order splits it; the arithmetic wraps as uint64_t does.
    """
    for text in spec.split(",") if spec else []:
        for op in ("-", "+", ".."):
            at = text.find(op)
            if at >= 0:
                break
        else:
            return DFILTER_BAD_SPEC
        left = c_strtoull(text[:at])
        if left is None or left >= 2**64:
            return DFILTER_BAD_LEFT.format(op)
        right = c_strtoull(text[at + len(op) :])
        if right is None or right >= 2**64:
            return DFILTER_BAD_RIGHT.format(op)
        if op == "+":
            low, high = left, (left + right - 1) % 2**64
        elif op == "-":
            low, high = (left - (right - 1)) % 2**64, left
        else:
            low, high = left, right
        if low > high:
            return DFILTER_BAD_RANGE
    return None


def _spec(name: str) -> OptsListSpec | None:
    for spec in QUERYABLE_OPTION_LISTS:
        if spec.name == name and name != "machine":
            return spec
    return None


class ExtraGroup(ParserState):
    """``-set``, ``-L``, ``-audio-help``, ``-plugin``; see the module docstring."""

    def __init__(self, argv: list[str], prog: str) -> None:
        super().__init__(argv, prog)
        self.data_dirs: list[str] = []
        self.list_data_dirs = False
        #: (path, where given) of each ``-plugin file=``, in order, without repeats.
        self.plugins: list[tuple[str, str]] = []
        #: The groups qmonitor does not keep: their options by id, for ``-set``.
        self.id_only: dict[str, dict[str, QemuOpts]] = {}
        #: ``-singlestep`` and ``-enable-sync-profile``: states the machine starts with.
        self.singlestep = False
        self.sync_profile = False
        #: ``-echr``: the mux escape character (term_escape_char), Ctrl-A by default.
        self.escape_char = 0x01

    def _opt_rotate(self, arg: str | None, loc: str) -> None:
        """``-rotate``: strtol() in base 10 into an int; 0, 90, 180 or 270."""
        assert arg is not None
        found = re.match(r"[ \t\n\v\f\r]*([+-]?[0-9]+)", arg)
        value = int(found.group(1)) if found is not None else 0
        value = max(-(2**63), min(2**63 - 1, value))  # long, saturated
        value = (value + 2**31) % 2**32 - 2**31  # then stored in an int
        if value not in (0, 90, 180, 270):
            raise self._fail(ROTATE_BAD, loc)
        self.unmodelled.append(loc)

    def _opt_dfilter(self, arg: str | None, loc: str) -> None:
        """qemu_set_dfilter_ranges(): the address ranges the log keeps (not modelled)."""
        assert arg is not None
        error = dfilter_error(arg)
        if error is not None:
            raise self._fail(error, loc)
        self.unmodelled.append(loc)

    def _opt_seed(self, arg: str | None, loc: str) -> None:
        """qemu_guest_random_seed_main(): parse_uint_full(), no minus sign (not modelled)."""
        assert arg is not None
        value = c_strtoull(arg)
        if value is None or value >= 2**64 or arg.lstrip(" \t\n\v\f\r").startswith("-"):
            raise self._fail(SEED_INVALID.format(arg), loc)
        self.unmodelled.append(loc)

    def _opt_singlestep(self, arg: str | None, loc: str) -> None:
        self.singlestep = True

    def _opt_sync_profile(self, arg: str | None, loc: str) -> None:
        self.sync_profile = True

    def _opt_echr(self, arg: str | None, loc: str) -> None:
        """``-echr``: strtol() in base 0 into an int; no number says so on stdout (and is 0)."""
        assert arg is not None
        found = _C_LONG.match(arg)
        if found is None:
            self.stdout_notes.append("Bad argument to echr\n")
            value = 0
        else:
            digits = found.group(2)
            value = int(digits, 16 if digits[:2] in ("0x", "0X") else 8 if digits[0] == "0" else 10)
            value = -value if found.group(1) == "-" else value
            value = max(-(2**63), min(2**63 - 1, value))  # long, saturated
        self.escape_char = (value + 2**31) % 2**32 - 2**31  # then stored in an int
        self.unmodelled.append(loc)

    def _note_ids(self, option: str, arg: str | None) -> None:
        """Remember the id an option of a group qmonitor does not keep gave."""
        group = _ID_ONLY_GROUPS.get(option)
        if group is None or arg is None or arg.startswith("{"):
            return
        opts = QemuOpts(OptsListSpec(group, None, ()), None)
        try:
            OptsGroup(opts.spec).do_parse(opts, arg, None)
        except (QemuOptsError, QemuOptsHelp):
            return
        ident = opts.get("id")
        if ident is not None:
            spec = _spec(group)
            if spec is not None and group != "drive":
                opts.spec = spec
            self.id_only.setdefault(group, {})[ident] = opts

    def _kept_groups(self) -> dict[str, OptsGroup]:
        groups = [value for value in vars(self).values() if isinstance(value, OptsGroup)]
        groups += list(self.checked_groups.values())
        return {group.spec.name: group for group in groups}

    def _opt_set(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        form = _SET_FORM.match(arg)
        if form is None:
            raise self._fail(SET_CANT_PARSE.format(arg), loc)
        group, ident, name = form.groups()
        value = arg[form.end() :]
        if group in _KEYVAL_GROUPS:
            raise self._fail(SET_NOT_SUPPORTED.format(group), loc)
        if _spec(group) is None:
            raise self._fail(SET_NO_GROUP.format(group), loc)
        kept = self._kept_groups().get(group)
        opts = kept.find(ident) if kept is not None else self.id_only.get(group, {}).get(ident)
        if opts is None:
            raise self._fail(SET_NO_ID.format(group, ident), loc)
        try:
            opts.set(name, value)
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, loc) from None
        if kept is None:
            self.unmodelled.append(loc)

    def _opt_L(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        from qmonitor.util.qemuopts import is_help_option

        if is_help_option(arg):
            self.list_data_dirs = True
        else:
            self._add_data_dir(arg)
            self.unmodelled.append(loc)

    def _add_data_dir(self, path: str) -> None:
        if len(self.data_dirs) < _MAX_DATA_DIRS and path not in self.data_dirs:
            self.data_dirs.append(path)

    def _list_dirs(self) -> None:
        """The end of qemu_process_early_options(): ``-L help`` lists and exits."""
        exec_dir = os.path.dirname(os.path.realpath(sys.argv[0]))
        for relative in _BUILD_DATA_DIRS:
            self._add_data_dir(f"{exec_dir}/{relative}")
        if self.list_data_dirs:
            raise self._stdout("".join(f"{path}\n" for path in self.data_dirs))

    def _opt_audio_help(self, arg: str | None, loc: str) -> None:
        """audio_legacy_help(): the -audiodev options the environment stands for.

        Without ``QEMU_AUDIO_DRV`` every driver that can be a default is
        listed (recorded); with it, that driver alone (the other
        ``QEMU_AUDIO_*`` variables, which add its options, are not modelled).
        """
        recorded = recorded_listing("audio-help")
        wanted = os.environ.get("QEMU_AUDIO_DRV")
        if wanted is None:
            raise self._stdout(recorded)
        head = recorded[: recorded.index(_ALL_DRIVERS)]
        drivers = recorded_listing("audiodev").splitlines()[1:]
        if wanted not in drivers:
            # The build looks for a module first (Debian's loader says so).
            self.stderr.append(f"qemu: module audio-audio-{wanted} not found, {_MODULE_HINT}\n")
            self.stderr.append(f"audio-legacy: Unknown audio driver `{wanted}'\n")
            raise self._stdout(head[: head.index("\n\n") + 1], 1)
        raise self._stdout(f"{head}-audiodev id={wanted},driver={wanted}\n")

    def _opt_plugin(self, arg: str | None, loc: str) -> None:
        """qemu_plugin_opt_parse(): ``file=`` starts a plugin, other options are its arguments."""
        assert arg is not None
        opts = self._parse_opts(OptsGroup(OptsListSpec("plugin", "file", ())), arg, loc)
        current: str | None = None
        for name, value in opts.items:
            if name == "file":
                if value == "":
                    raise self._fail(PLUGIN_EMPTY_FILE, loc)
                if all(path != value for path, _ in self.plugins):
                    self.plugins.append((value, loc))
                current = value
            elif current is None:
                raise self._fail(PLUGIN_NO_FILE, loc)
            elif name == "arg" and value not in _BOOL_WORDS:
                full = value if "=" in value else f"{value}=on"
                self._print(Diagnostic(PLUGIN_ARG_DEPRECATED.format(value), warning=True), loc)
                self.stderr.append(f"Please use '{full}' directly\n")
        self.unmodelled.append(loc)

    def _load_plugins(self) -> None:
        """qemu_plugin_load_list() as the board is made: no file here is a plugin."""
        for path, _ in self.plugins:
            name = path if path.endswith(".so") or os.path.exists(path) else f"{path}.so"
            try:
                with open(name, "rb") as f:
                    magic = f.read(4)
            except OSError as err:
                reason = f"{name}: cannot open shared object file: {os.strerror(err.errno or 0)}"
            else:
                if magic != _ELF_MAGIC:
                    reason = f"{name}: invalid ELF header"
                else:
                    reason = f"{name}: only ET_DYN and ET_EXEC can be loaded"
            raise self._fail(PLUGIN_CANT_LOAD.format(path, reason), "")
