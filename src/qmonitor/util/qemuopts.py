"""QEMU's QemuOpts option syntax (util/qemu-option.c): option lists and parsed groups.

QEMU parses most of its command-line option arguments with QemuOpts:
``"socket,id=c,path=/p,server=on"`` is a list of ``name=value`` pairs
separated by commas, where ``,,`` stands for a literal comma, the first pair
may omit its name (the list's *implied* option name), a bare ``flag`` means
``flag=on`` and a bare ``noflag`` means ``flag=off`` (QEMU 7.2 still accepts
those short forms on the command line but warns), and an ``id=`` names the
whole group.  Each option list describes its options and their types, and
values are checked when they are parsed (with :mod:`qmonitor.util.cutils`).

The option lists themselves are the command line's business
(:mod:`qmonitor.options.optlists`), as are the chardev short forms.
Nothing here prints or exits: errors are :class:`QemuOptsError` (with QEMU's
text and, where QEMU has one, its hint), requests for help are
:class:`QemuOptsHelp`, and warnings are appended to a list of
:class:`Diagnostic` supplied by the caller, who adds QEMU's location prefix.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass

from qmonitor.util.cutils import parse_bool, parse_number, parse_size
from qmonitor.util.error import Diagnostic, QemuOptsError, QemuOptsHelp
from qmonitor.util.texts import (
    DUPLICATE_ID,
    ID_HINT,
    INVALID_PARAMETER,
    INVALID_PARAMETER_VALUE,
    SHORT_FORM_DEPRECATED,
    SHORT_FORM_HINT,
)

__all__ = [
    "Diagnostic",
    "OptDesc",
    "OptType",
    "OptsGroup",
    "OptsListSpec",
    "QemuOpts",
    "QemuOptsError",
    "QemuOptsHelp",
    "TypedOptGetters",
    "id_wellformed",
    "is_help_option",
]

# --------------------------------------------------------------------------
# Option descriptions


class OptType(enum.Enum):
    """The type of one option; the value is the name ``qemu_opts_print_help`` shows."""

    #: Any string, kept as given.
    STRING = "str"
    #: ``on``/``off`` and their synonyms (see :func:`parse_bool`).
    BOOL = "bool (on/off)"
    #: An unsigned 64-bit number, C syntax (decimal, ``0x`` hex, ``0`` octal).
    NUMBER = "num"
    #: A byte count with an optional ``k``/``M``/``G``/... suffix.
    SIZE = "size"


@dataclass(frozen=True, slots=True)
class OptDesc:
    """One option an option list accepts (QEMU's ``QemuOptDesc``)."""

    name: str
    type: OptType
    default: str | None = None
    help: str | None = None


@dataclass(frozen=True, slots=True)
class OptsListSpec:
    """An option list (QEMU's ``QemuOptsList``) without its parsed groups.

    An empty ``descs`` accepts any option name (values stay strings).
    ``merge_lists`` makes every occurrence add to one unnamed group, which
    then may not have an ``id``.
    """

    name: str
    implied_opt_name: str | None
    descs: tuple[OptDesc, ...]
    merge_lists: bool = False

    @property
    def accepts_any(self) -> bool:
        """Whether the list takes options of any name."""
        return not self.descs

    def find(self, name: str) -> OptDesc | None:
        """Return the description of option ``name``, if the list has one."""
        for desc in self.descs:
            if desc.name == name:
                return desc
        return None

    def help_text(self) -> str:
        """The text ``-opt ...,help`` prints (``qemu_opts_print_help`` with a caption)."""
        lines = []
        for desc in self.descs:
            line = f"  {desc.name}=<{desc.type.value}>"
            if desc.help is not None:
                line = f"{line:<24} - {desc.help}"
            lines.append(line)
        if not lines:
            return f"There are no options for {self.name}.\n"
        return f"{self.name} options:\n" + "".join(f"{line}\n" for line in sorted(lines))


def id_wellformed(ident: str) -> bool:
    """QEMU's ``id_wellformed``: a letter, then letters, digits, ``-``, ``.`` or ``_``."""
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", ident, flags=re.ASCII) is not None


def is_help_option(name: str) -> bool:
    """QEMU's ``is_help_option``."""
    return name in ("help", "?")


# --------------------------------------------------------------------------
# Tokenizer


def _opt_value(params: str, pos: int) -> tuple[str, int]:
    """Read a value from ``pos`` up to a single comma; ``,,`` is a literal comma."""
    out = []
    n = len(params)
    while True:
        comma = params.find(",", pos)
        if comma < 0:
            out.append(params[pos:])
            return "".join(out), n
        if comma + 1 < n and params[comma + 1] == ",":
            out.append(params[pos : comma + 1])
            pos = comma + 2
            continue
        out.append(params[pos:comma])
        return "".join(out), comma


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    value: str
    is_help: bool


def _params(
    params: str,
    firstname: str | None,
    warn_on_flag: bool,
    warnings: list[Diagnostic] | None,
) -> Iterator[_Param]:
    """Split ``params`` into options as QEMU's ``get_opt_name_value`` does."""
    pos = 0
    n = len(params)
    while pos < n:
        end = pos
        while end < n and params[end] not in "=,":
            end += 1
        is_help = False
        if end >= n or params[end] != "=":
            if firstname is not None:
                name = firstname
                value, pos = _opt_value(params, pos)
            else:
                name = params[pos:end]
                pos = end
                prefix = ""
                if name.startswith("no"):
                    name, value, prefix = name[2:], "off", "no"
                else:
                    value = "on"
                    is_help = is_help_option(name)
                if not is_help and warn_on_flag and warnings is not None:
                    if name == "delay":
                        hint = SHORT_FORM_HINT.format("nodelay", "on" if prefix else "off")
                    else:
                        hint = SHORT_FORM_HINT.format(name, value)
                    warnings.append(
                        Diagnostic(SHORT_FORM_DEPRECATED.format(prefix + name), hint, True)
                    )
        else:
            name = params[pos:end]
            value, pos = _opt_value(params, end + 1)
        firstname = None
        if pos < n:
            pos += 1
        yield _Param(name, value, is_help)


# --------------------------------------------------------------------------
# Parsed groups


class TypedOptGetters:
    """``qemu_opt_get_bool/number/size`` over a class's ``get(name)``."""

    __slots__ = ()

    def get(self, name: str) -> str | None:
        raise NotImplementedError

    def get_bool(self, name: str, default: bool) -> bool:
        """Option ``name`` as a boolean (``qemu_opt_get_bool``)."""
        value = self.get(name)
        return default if value is None else parse_bool(name, value)

    def get_number(self, name: str, default: int) -> int:
        """Option ``name`` as a number (``qemu_opt_get_number``)."""
        value = self.get(name)
        return default if value is None else parse_number(name, value)

    def get_size(self, name: str, default: int) -> int:
        """Option ``name`` as a size (``qemu_opt_get_size``)."""
        value = self.get(name)
        return default if value is None else parse_size(name, value)


class QemuOpts(TypedOptGetters):
    """One parsed group of options (QEMU's ``QemuOpts``), e.g. one ``-chardev``.

    Options keep their command-line order and may repeat; lookups return the
    last occurrence, as QEMU's ``qemu_opt_find`` does.
    """

    def __init__(self, spec: OptsListSpec, ident: str | None) -> None:
        self.spec = spec
        self.id = ident
        self.items: list[tuple[str, str]] = []
        #: Where on the command line the group came from (QEMU's ``opts->loc``),
        #: e.g. ``"-chardev socket,id=c"``; QEMU's later messages about it use it.
        self.loc = ""

    def __repr__(self) -> str:
        return f"QemuOpts({self.spec.name!r}, id={self.id!r}, {self.items!r})"

    def set(self, name: str, value: str, warnings: list[Diagnostic] | None = None) -> None:
        """Add option ``name``, checking it as QEMU's ``opt_validate`` does."""
        desc = self.spec.find(name)
        if desc is None and not self.spec.accepts_any:
            raise QemuOptsError(INVALID_PARAMETER.format(name))
        if desc is not None:
            _check_value(desc, name, value, warnings)
        self.items.append((name, value))

    def has(self, name: str) -> bool:
        """Whether option ``name`` was given (defaults do not count)."""
        return any(key == name for key, _ in self.items)

    def get(self, name: str) -> str | None:
        """The last value of option ``name``, else its default, else None."""
        for key, value in reversed(self.items):
            if key == name:
                return value
        desc = self.spec.find(name)
        return desc.default if desc is not None else None

    def as_dict(self) -> dict[str, str]:
        """All options, the last occurrence of each winning."""
        result: dict[str, str] = {}
        for key, value in self.items:
            result[key] = value
        return result


def _check_value(desc: OptDesc, name: str, value: str, warnings: list[Diagnostic] | None) -> None:
    if desc.type is OptType.BOOL:
        parse_bool(name, value)
    elif desc.type is OptType.NUMBER:
        parse_number(name, value)
    elif desc.type is OptType.SIZE:
        parse_size(name, value, warnings)


class OptsGroup:
    """An option list with the groups parsed into it so far (QEMU's ``QemuOptsList``)."""

    def __init__(self, spec: OptsListSpec) -> None:
        self.spec = spec
        self.entries: list[QemuOpts] = []

    def find(self, ident: str | None) -> QemuOpts | None:
        """The group named ``ident`` (or the unnamed one for None)."""
        for opts in self.entries:
            if opts.id == ident:
                return opts
        return None

    def create(self, ident: str | None) -> QemuOpts:
        """Create a group, rejecting malformed and duplicate ids (``qemu_opts_create``)."""
        if self.spec.merge_lists:
            if ident is not None:
                raise QemuOptsError(INVALID_PARAMETER.format("id"))
            existing = self.find(None)
            if existing is not None:
                return existing
        elif ident is not None:
            if not id_wellformed(ident):
                raise QemuOptsError(INVALID_PARAMETER_VALUE.format("id", "an identifier"), ID_HINT)
            if self.find(ident) is not None:
                raise QemuOptsError(DUPLICATE_ID.format(ident, self.spec.name))
        opts = QemuOpts(self.spec, ident)
        self.entries.append(opts)
        return opts

    def remove(self, opts: QemuOpts) -> None:
        """Forget a group (``qemu_opts_del``)."""
        self.entries = [o for o in self.entries if o is not opts]

    def parse(
        self,
        params: str,
        permit_abbrev: bool,
        warnings: list[Diagnostic] | None = None,
        *,
        noisily: bool = True,
    ) -> QemuOpts:
        """Parse ``params`` into a new group (``qemu_opts_parse[_noisily]``).

        With ``noisily`` (the command line's flavour) short-form flags are
        reported in ``warnings`` and a bare ``help`` raises
        :class:`QemuOptsHelp` with the list's help text.
        """
        ident = None
        for param in _params(params, None, False, None):
            if param.name == "id":
                ident = param.value
                break
        firstname = self.spec.implied_opt_name if permit_abbrev else None
        opts = self.create(ident)
        want_help = noisily and not self.spec.accepts_any
        try:
            self._do_parse(opts, params, firstname, noisily, want_help, warnings)
        except (QemuOptsError, QemuOptsHelp):
            self.remove(opts)
            raise
        return opts

    def do_parse(self, opts: QemuOpts, params: str, firstname: str | None) -> None:
        """Add ``params`` to an existing group (``qemu_opts_do_parse``: no warnings, no help)."""
        self._do_parse(opts, params, firstname, False, False, None)

    def _do_parse(
        self,
        opts: QemuOpts,
        params: str,
        firstname: str | None,
        warn_on_flag: bool,
        want_help: bool,
        warnings: list[Diagnostic] | None,
    ) -> None:
        for param in _params(params, firstname, warn_on_flag, warnings):
            if want_help and param.is_help:
                raise QemuOptsHelp(self.spec.help_text(), 1)
            if param.name == "id":
                continue
            opts.set(param.name, param.value, warnings)
