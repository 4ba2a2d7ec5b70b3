"""QEMU's QemuOpts option syntax, its option lists, and the chardev "compat" forms.

QEMU parses most of its command-line option arguments with QemuOpts
(``util/qemu-option.c``): ``"socket,id=c,path=/p,server=on"`` is a list of
``name=value`` pairs separated by commas, where ``,,`` stands for a literal
comma, the first pair may omit its name (the list's *implied* option name), a
bare ``flag`` means ``flag=on`` and a bare ``noflag`` means ``flag=off`` (QEMU
7.2 still accepts those short forms on the command line but warns), and an
``id=`` names the whole group.  Each option list describes its options and
their types, and values are checked when they are parsed.

On top of that this module holds the option lists qmonitor's command line
uses (``-chardev``, ``-mon``, ``-name``, ``-accel``), QEMU's legacy chardev
short forms (``unix:/p,server=on``, ``tcp::4444``, ``mon:stdio``, ``file:/p``
...; ``chardev/char.c``'s ``qemu_chr_parse_compat``) and the checks QEMU
makes on a chardev's options before it touches the operating system (the
backend's ``parse`` hook and the socket backend's option validation).

Nothing here prints or exits: errors are :class:`QemuOptsError` (with QEMU's
text and, where QEMU has one, its hint), requests for help are
:class:`QemuOptsHelp`, and warnings are appended to a list of
:class:`Diagnostic` supplied by the caller, who adds QEMU's location prefix.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from qmonitor.errors import QmonitorError

# --------------------------------------------------------------------------
# QEMU's texts (util/qemu-option.c, qapi/qmp/qerror.h, qapi/qapi-util.c,
# util/cutils.c, chardev/char.c, chardev/char-*.c).

#: QERR_INVALID_PARAMETER.
INVALID_PARAMETER = "Invalid parameter '{}'"
#: QERR_INVALID_PARAMETER_VALUE.
INVALID_PARAMETER_VALUE = "Parameter '{}' expects {}"
#: QERR_MISSING_PARAMETER.
MISSING_PARAMETER = "Parameter '{}' is missing"
#: qom/object.c: a property without a setter.
NOT_WRITABLE = "Property '{}.{}' is not writable"
#: parse_option_number(), on overflow.
NUMBER_TOO_LARGE = "Value '{}' is too large for parameter '{}'"
#: parse_option_size(), on overflow.
SIZE_OUT_OF_RANGE = "Value '{}' is out of range for parameter '{}'"
#: parse_option_size()'s hint.
SIZE_HINT = (
    "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
    "and exabytes, respectively.\n"
)
#: do_strtosz()'s warning for ``0x10k``.
SIZE_HEX_SUFFIX_DEPRECATED = "Using a multiplier suffix on hex numbers is deprecated: {}"
#: qemu_opts_create(): a malformed id, and its hint.
ID_HINT = "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n"
#: qemu_opts_create(): a second group with the same id.
DUPLICATE_ID = "Duplicate ID '{}' for {}"
#: get_opt_name_value(): the short-form warning and its hints.
SHORT_FORM_DEPRECATED = "short-form boolean option '{}' deprecated"
SHORT_FORM_HINT = "Please use {}={} instead\n"

#: qemu_chr_parse_compat(), for a spec it does not know.
CHR_NOT_VALID_DRIVER = "'{}' is not a valid char driver"
#: qemu_chr_parse_compat(), ``mon:`` where no monitor may be muxed in.
CHR_MON_NOT_SUPPORTED = "mon: isn't supported in this context"
#: char_get_class().
CHR_NOT_VALID_DRIVER_NAME = "'{}' is not a valid char driver name"
#: __qemu_chr_new_from_opts() and qemu_chr_parse_opts().
CHR_NO_ID = "chardev: no id specified"
CHR_MISSING_BACKEND = 'chardev: "{}" missing backend'
#: chardev_alias_translate().
CHR_ALIAS_DEPRECATED = "The alias '{}' is deprecated, use '{}' instead"
#: The backends' parse hooks.
CHR_FILE_NO_PATH = "chardev: file: no filename given"
CHR_PIPE_NO_PATH = "chardev: pipe: no device path given"
CHR_SERIAL_NO_PATH = "chardev: serial/tty: no device path given"
CHR_PARALLEL_NO_PATH = "chardev: parallel: no device path given"
CHR_UDP_NO_PORT = "chardev: udp: remote port not specified"
CHR_MUX_NO_CHARDEV = "chardev: mux: no chardev given"
CHR_SPICEVMC_NO_NAME = "chardev: spice channel: no name given"
CHR_SPICEPORT_NO_NAME = "chardev: spice port: no name given"
CHR_RINGBUF_SIZE = "size of ringbuf chardev must be power of two"
#: chardev/char-socket.c: qemu_chr_parse_socket().
SOCK_ONE_ADDRESS = "None or one of 'path', 'fd' or 'host' option required."
SOCK_NO_PORT = "chardev: socket: no port given"
SOCK_DELAY_NODELAY = "'delay' and 'nodelay' are mutually exclusive"
#: chardev/char-socket.c: qmp_chardev_open_socket() and its validation.
SOCK_NO_TLS_CREDS = "No TLS credentials with id '{}'"
SOCK_TLS_UNIX = "'tls_creds' option is incompatible with 'unix' address type"
SOCK_TLS_FD_CLIENT = "'tls_creds' option is incompatible with 'fd' address type as client"
SOCK_RECONNECT_FD = "'reconnect' option is incompatible with 'fd' address type"
SOCK_AUTHZ_NEEDS_CREDS = "'tls_authz' option requires 'tls_creds' option"
SOCK_RECONNECT_SERVER = "'reconnect' option is incompatible with socket in server listen mode"
SOCK_WEBSOCKET_CLIENT = "Websocket client is not implemented"
SOCK_WAIT_CLIENT = "'wait' option is incompatible with socket in client connect mode"
#: util/qemu-sockets.c: socket_get_fd().
SOCK_BAD_FD = "Unable to parse FD number {}"


# --------------------------------------------------------------------------
# Errors and diagnostics


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One message QEMU would print: ``message`` after the location prefix, then ``hint``.

    ``hint`` is printed verbatim on the following line(s) (QEMU's
    ``error_append_hint`` / ``error_printf``); it ends with a newline when present.
    """

    message: str
    hint: str = ""
    warning: bool = False

    def render(self, prefix: str) -> str:
        """Return the text QEMU prints, given ``prefix`` (``"PROG: -opt arg: "``)."""
        kind = "warning: " if self.warning else ""
        return f"{prefix}{kind}{self.message}\n{self.hint}"


class QemuOptsError(QmonitorError):
    """An option argument QEMU rejects; ``message`` and ``hint`` are QEMU's text."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    @property
    def diagnostic(self) -> Diagnostic:
        """The error as a :class:`Diagnostic`."""
        return Diagnostic(self.message, self.hint)


class QemuOptsHelp(QmonitorError):
    """The option asked for help: QEMU prints ``text`` on stdout and exits with ``status``."""

    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


class CompatParseError(QmonitorError):
    """A chardev short form QEMU cannot convert; ``diagnostics`` are what it printed first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


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


# --------------------------------------------------------------------------
# Value parsers


#: What qapi_bool_parse takes for true and for false.
BOOL_TRUE = frozenset({"on", "yes", "true", "y"})
BOOL_FALSE = frozenset({"off", "no", "false", "n"})
_U64_LIMIT = 1 << 64


def parse_bool(name: str, value: str) -> bool:
    """Parse a boolean option value as QEMU 7.2's ``qapi_bool_parse`` does (case matters)."""
    if value in BOOL_TRUE:
        return True
    if value in BOOL_FALSE:
        return False
    raise QemuOptsError(INVALID_PARAMETER_VALUE.format(name, "'on' or 'off'"))


def _c_integer(value: str) -> tuple[bool, int] | None:
    """``value`` read whole as C's strto*l with base 0 read it: (negative, magnitude), or None.

    Leading white space and a sign are accepted, then a hexadecimal
    (``0x``), octal (``0``) or decimal number and nothing after it.
    """
    m = re.fullmatch(r"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", value)
    if m is None:
        return None
    digits = m.group(2)
    if digits[:2] in ("0x", "0X"):
        number = int(digits[2:], 16)
    elif digits.startswith("0"):
        number = int(digits, 8)
    else:
        number = int(digits)
    return m.group(1) == "-", number


def c_strtoull(value: str) -> int | None:
    """``strtoull(value, &end, 0)`` requiring the whole string: None when it is not a number.

    A minus sign wraps modulo 2**64, as C does.  Overflow is reported by
    returning a value >= 2**64.
    """
    parsed = _c_integer(value)
    if parsed is None:
        return None
    negative, number = parsed
    if number >= _U64_LIMIT:
        return number
    return (-number) % _U64_LIMIT if negative else number


def c_strtoll(value: str) -> int | None:
    """``strtoll(value, &end, 0)`` requiring the whole string: None if not a number or too big."""
    parsed = _c_integer(value)
    if parsed is None:
        return None
    negative, number = parsed
    number = -number if negative else number
    return number if -(2**63) <= number < 2**63 else None


def parse_number(name: str, value: str) -> int:
    """Parse a number option as QEMU's ``parse_option_number`` (``qemu_strtou64``, base 0)."""
    number = c_strtoull(value)
    if number is None:
        raise QemuOptsError(INVALID_PARAMETER_VALUE.format(name, "a number"))
    if number >= _U64_LIMIT:
        raise QemuOptsError(NUMBER_TOO_LARGE.format(value, name))
    return number


_SIZE_SUFFIXES = {"b": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6}


def parse_size(
    name: str, value: str, warnings: list[Diagnostic] | None = None, *, metric: bool = False
) -> int:
    """Parse a size option as QEMU 7.2's ``parse_option_size`` (``qemu_strtosz``).

    A decimal number may carry a fraction only together with a suffix (or a
    fraction of zero); a hexadecimal one never, and a suffix on it draws a
    deprecation warning.  The suffixes are powers of 1024, or of 1000 when
    ``metric`` (``qemu_strtosz_metric``, for frequencies).
    """
    invalid = QemuOptsError(
        INVALID_PARAMETER_VALUE.format(name, "a non-negative number below 2^64"), SIZE_HINT
    )
    m = re.fullmatch(
        r"[ \t\n\v\f\r]*(?:(0[xX][0-9a-fA-F]+)|([0-9]+)(?:\.([0-9]*))?)([bBkKmMgGtTpPeE]?)",
        value,
    )
    if m is None:
        raise invalid
    hexa, whole, fraction, suffix = m.groups()
    unit = (1000 if metric else 1024) ** _SIZE_SUFFIXES[suffix.lower()] if suffix else 1
    if hexa is not None:
        if suffix and warnings is not None:
            warnings.append(Diagnostic(SIZE_HEX_SUFFIX_DEPRECATED.format(value), warning=True))
        number = int(hexa, 16) * unit
    else:
        frac = fraction or ""
        if not suffix and frac.strip("0"):
            raise invalid
        number = int(whole) * unit + int(frac or "0") * unit // (10 ** len(frac))
    if number >= _U64_LIMIT:
        raise QemuOptsError(SIZE_OUT_OF_RANGE.format(value, name))
    return number


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


# --------------------------------------------------------------------------
# QEMU 7.2's option lists

_S, _B, _N, _Z = OptType.STRING, OptType.BOOL, OptType.NUMBER, OptType.SIZE

#: ``-chardev`` (chardev/char.c: qemu_chardev_opts, Linux build of 7.2).
CHARDEV_OPTS = OptsListSpec(
    "chardev",
    "backend",
    tuple(
        OptDesc(name, kind, default)
        for name, kind, default in (
            ("backend", _S, None), ("path", _S, None), ("host", _S, None),
            ("port", _S, None), ("fd", _S, None), ("localaddr", _S, None),
            ("localport", _S, None), ("to", _N, None), ("ipv4", _B, None),
            ("ipv6", _B, None), ("wait", _B, None), ("server", _B, None),
            ("delay", _B, None), ("nodelay", _B, None), ("reconnect", _N, None),
            ("telnet", _B, None), ("tn3270", _B, None), ("tls-creds", _S, None),
            ("tls-authz", _S, None), ("websocket", _B, None), ("width", _N, None),
            ("height", _N, None), ("cols", _N, None), ("rows", _N, None),
            ("mux", _B, None), ("signal", _B, None), ("name", _S, None),
            ("debug", _N, None), ("size", _Z, None), ("chardev", _S, None),
            ("append", _B, None), ("logfile", _S, None), ("logappend", _B, None),
            ("mouse", _B, None), ("clipboard", _B, None), ("tight", _B, "on"),
            ("abstract", _B, None),
        )
    ),
)  # fmt: skip

#: ``-mon`` (monitor/monitor.c: qemu_mon_opts).
MON_OPTS = OptsListSpec(
    "mon", "chardev", (OptDesc("mode", _S), OptDesc("chardev", _S), OptDesc("pretty", _B))
)

#: ``-name`` (softmmu/vl.c: qemu_name_opts); the help texts are what ``-name x,help`` shows.
NAME_OPTS = OptsListSpec(
    "name",
    "guest",
    (
        OptDesc(
            "guest",
            _S,
            help="Sets the name of the guest.\n"
            "This name will be displayed in the SDL window caption.\n"
            "The name will also be used for the VNC server",
        ),
        OptDesc("process", _S, help="Sets the name of the QEMU process, as shown in top etc"),
        OptDesc(
            "debug-threads",
            _B,
            help="When enabled, name the individual threads; defaults off.\n"
            "NOTE: The thread names are for debugging and not a\n"
            "stable API.",
        ),
    ),
    merge_lists=True,
)

#: ``-accel`` (softmmu/vl.c: qemu_accel_opts): any option; checked when the accelerator starts.
ACCEL_OPTS = OptsListSpec("accel", "accel", ())


# --------------------------------------------------------------------------
# Chardev short forms (qemu_chr_parse_compat)


def _scan_set(text: str, pos: int, width: int, stop: str) -> tuple[str, int] | None:
    """C's ``%<width>[^<stop>]``: at least one character, at most ``width``."""
    end = pos
    while end < len(text) and end - pos < width and text[end] not in stop:
        end += 1
    return (text[pos:end], end) if end > pos else None


def _scan_digits(text: str, pos: int, width: int) -> tuple[str, int] | None:
    """C's ``%<width>[0-9]``."""
    end = pos
    while end < len(text) and end - pos < width and text[end] in "0123456789":
        end += 1
    return (text[pos:end], end) if end > pos else None


def _scan_host_port(text: str, port_stop: str) -> tuple[str, str, int] | None:
    """``"%64[^:]:%32[^<stop>]%n"``, falling back to ``":%32[^<stop>]%n"`` (empty host)."""
    host = _scan_set(text, 0, 64, ":")
    if host is not None and host[1] < len(text) and text[host[1]] == ":":
        port = _scan_set(text, host[1] + 1, 32, port_stop)
        if port is not None:
            return host[0], port[0], port[1]
    if text.startswith(":"):
        port = _scan_set(text, 1, 32, port_stop)
        if port is not None:
            return "", port[0], port[1]
    return None


def _scan_vc_size(text: str) -> tuple[str, str, str, str] | None:
    """``vc:WxH`` (pixels) or ``vc:WCxHC`` (characters) as QEMU's two ``sscanf`` calls."""
    for names, middle in ((("width", "height"), "x"), (("cols", "rows"), "Cx")):
        first = _scan_digits(text, 0, 7)
        if first is None:
            return None
        pos = first[1]
        if text.startswith(middle, pos):
            second = _scan_digits(text, pos + len(middle), 7)
            if second is not None:
                return names[0], first[0], names[1], second[0]
    return None


_COMPAT_PLAIN = ("null", "pty", "msmouse", "wctablet", "braille", "testdev", "stdio")
_COMPAT_PATH = (("file:", "file"), ("pipe:", "pipe"), ("pty:", "pty"))
_COMPAT_SOCKET = ("tcp:", "telnet:", "tn3270:", "websocket:")


def chardev_parse_compat(
    group: OptsGroup, label: str, filename: str, permit_mux_mon: bool
) -> QemuOpts:
    """Convert a chardev short form into a ``-chardev`` group named ``label``.

    This is QEMU's ``qemu_chr_parse_compat``: ``-qmp``, ``-monitor``,
    ``-serial`` and ``-qtest`` take these forms.  On failure the group is
    removed again and :class:`CompatParseError` carries what QEMU printed
    (possibly nothing: for a malformed ``tcp:`` or ``vc:`` QEMU prints no
    reason of its own).
    """
    try:
        opts = group.create(label)
    except QemuOptsError as exc:
        raise CompatParseError([exc.diagnostic]) from None
    try:
        _fill_compat(group, opts, filename, permit_mux_mon)
    except CompatParseError:
        group.remove(opts)
        raise
    return opts


def _fill_compat(group: OptsGroup, opts: QemuOpts, filename: str, permit_mux_mon: bool) -> None:
    if filename.startswith("mon:"):
        if not permit_mux_mon:
            raise CompatParseError([Diagnostic(CHR_MON_NOT_SUPPORTED)])
        filename = filename[4:]
        opts.set("mux", "on")
        if filename == "stdio":
            # Ctrl-C goes to the guest when the monitor shares stdio (-nographic's way).
            opts.set("signal", "off")
    if filename in _COMPAT_PLAIN:
        opts.set("backend", filename)
        return
    if filename.startswith("vc"):
        opts.set("backend", "vc")
        rest = filename[2:]
        if rest.startswith(":"):
            size = _scan_vc_size(rest[1:])
            if size is None:
                raise CompatParseError([])
            opts.set(size[0], size[1])
            opts.set(size[2], size[3])
        return
    if filename == "con:":
        opts.set("backend", "console")
        return
    if filename.startswith("COM"):
        opts.set("backend", "serial")
        opts.set("path", filename)
        return
    for prefix, backend in _COMPAT_PATH:
        if filename.startswith(prefix):
            opts.set("backend", backend)
            opts.set("path", filename[len(prefix) :])
            return
    for prefix in _COMPAT_SOCKET:
        if filename.startswith(prefix):
            _fill_compat_socket(group, opts, prefix, filename[len(prefix) :])
            return
    if filename.startswith("udp:"):
        _fill_compat_udp(opts, filename[4:])
        return
    if filename.startswith("unix:"):
        opts.set("backend", "socket")
        try:
            group.do_parse(opts, filename[5:], "path")
        except QemuOptsError as exc:
            raise CompatParseError([exc.diagnostic]) from None
        return
    if filename.startswith(("/dev/parport", "/dev/ppi")):
        opts.set("backend", "parallel")
        opts.set("path", filename)
        return
    if filename.startswith("/dev/"):
        opts.set("backend", "serial")
        opts.set("path", filename)
        return
    raise CompatParseError([Diagnostic(CHR_NOT_VALID_DRIVER.format(filename))])


def _fill_compat_socket(group: OptsGroup, opts: QemuOpts, prefix: str, rest: str) -> None:
    scanned = _scan_host_port(rest, ",")
    if scanned is None:
        raise CompatParseError([])
    host, port, pos = scanned
    opts.set("backend", "socket")
    opts.set("host", host)
    opts.set("port", port)
    if pos < len(rest) and rest[pos] == ",":
        try:
            group.do_parse(opts, rest[pos + 1 :], None)
        except QemuOptsError as exc:
            raise CompatParseError([exc.diagnostic]) from None
    if prefix != "tcp:":
        opts.set(prefix[:-1], "on")


def _fill_compat_udp(opts: QemuOpts, rest: str) -> None:
    opts.set("backend", "udp")
    remote = _scan_host_port(rest, "@,")
    if remote is None:
        raise CompatParseError([])
    host, port, pos = remote
    opts.set("host", host)
    opts.set("port", port)
    if pos < len(rest) and rest[pos] == "@":
        local = _scan_host_port(rest[pos + 1 :], ",")
        if local is None:
            raise CompatParseError([])
        opts.set("localaddr", local[0])
        opts.set("localport", local[1])


# --------------------------------------------------------------------------
# Chardev checks made before anything is opened


#: The backends of QEMU 7.2's Debian build (``-chardev help`` plus the ones it loads
#: from modules on demand), each with the parse check it makes.
CHARDEV_BACKENDS = frozenset({
    "stdio", "ringbuf", "mux", "pipe", "qemu-vdagent", "null", "msmouse", "socket",
    "vc", "parallel", "udp", "memory", "file", "serial", "wctablet", "pty", "testdev",
    "braille", "spicevmc", "spiceport",
})  # fmt: skip

#: chardev/char.c: chardev_alias_table.
CHARDEV_ALIASES = {"tty": "serial", "parport": "parallel"}

#: What ``-chardev help`` prints, in the order QEMU 7.2 lists its classes.
CHARDEV_HELP_TEXT = "Available chardev backend types: " + "".join(
    f"\n  {name}"
    for name in (
        "stdio", "ringbuf", "mux", "pipe", "qemu-vdagent", "null", "msmouse", "socket",
        "vc", "parallel", "udp", "memory", "file", "serial", "wctablet", "pty", "testdev",
    )
) + "\n"  # fmt: skip

_PATH_REQUIRED = {
    "file": CHR_FILE_NO_PATH,
    "pipe": CHR_PIPE_NO_PATH,
    "serial": CHR_SERIAL_NO_PATH,
    "parallel": CHR_PARALLEL_NO_PATH,
}


def translate_chardev_alias(
    backend: str | None, warned: set[str], warnings: list[Diagnostic]
) -> str | None:
    """Map ``tty``/``parport`` to their backends, warning once per alias (as QEMU does)."""
    if backend is None or backend not in CHARDEV_ALIASES:
        return backend
    target = CHARDEV_ALIASES[backend]
    if backend not in warned:
        warned.add(backend)
        warnings.append(Diagnostic(CHR_ALIAS_DEPRECATED.format(backend, target), warning=True))
    return target


#: Checks a ``tls-creds`` id for a socket (server or not): QEMU's error text or None.
TlsLookup = Callable[[str, bool], str | None]


def check_chardev(opts: QemuOpts, backend: str | None, tls_lookup: TlsLookup | None = None) -> str:
    """Check one chardev group as QEMU does before opening it; return its id.

    ``backend`` is the (alias-translated) backend name.  Covers
    ``__qemu_chr_new_from_opts`` up to the backend's ``open`` hook, plus the
    checks ``open`` makes without touching the system (socket option
    consistency, TLS credentials, file descriptor numbers, ring buffer
    sizes).  ``-chardev help`` raises :class:`QemuOptsHelp`.  ``tls_lookup``
    checks ``tls-creds`` against the ``-object`` credentials (without it,
    none exist).
    """
    if backend is not None and is_help_option(backend):
        raise QemuOptsHelp(CHARDEV_HELP_TEXT, 0)
    if opts.id is None:
        raise QemuOptsError(CHR_NO_ID)
    if backend is None:
        raise QemuOptsError(CHR_MISSING_BACKEND.format(opts.id))
    if backend not in CHARDEV_BACKENDS:
        raise QemuOptsError(CHR_NOT_VALID_DRIVER_NAME.format(backend))
    if backend in _PATH_REQUIRED and opts.get("path") is None:
        raise QemuOptsError(_PATH_REQUIRED[backend])
    if backend == "udp" and not opts.get("port"):
        raise QemuOptsError(CHR_UDP_NO_PORT)
    if backend == "mux" and opts.get("chardev") is None:
        raise QemuOptsError(CHR_MUX_NO_CHARDEV)
    if backend == "spicevmc" and opts.get("name") is None:
        raise QemuOptsError(CHR_SPICEVMC_NO_NAME)
    if backend == "spiceport" and opts.get("name") is None:
        raise QemuOptsError(CHR_SPICEPORT_NO_NAME)
    if backend == "socket":
        _check_socket(opts, tls_lookup)
    if backend in ("ringbuf", "memory"):
        size = opts.get_size("size", 65536)
        if size & (size - 1):
            raise QemuOptsError(CHR_RINGBUF_SIZE)
    return opts.id


def _check_socket(opts: QemuOpts, tls_lookup: TlsLookup | None = None) -> None:
    path, host, fd = opts.get("path"), opts.get("host"), opts.get("fd")
    if (path is not None) + (fd is not None) + (host is not None) > 1:
        raise QemuOptsError(SOCK_ONE_ADDRESS)
    if host is not None and opts.get("port") is None:
        raise QemuOptsError(SOCK_NO_PORT)
    if opts.get("delay") is not None and opts.get("nodelay") is not None:
        raise QemuOptsError(SOCK_DELAY_NODELAY)
    server = opts.get_bool("server", False)
    creds = opts.get("tls-creds")
    if creds is not None:
        # QEMU looks the credentials up first, then checks the address type.
        problem = tls_lookup(creds, server) if tls_lookup else SOCK_NO_TLS_CREDS.format(creds)
        if problem is not None:
            raise QemuOptsError(problem)
    by_fd = path is None and host is None
    if by_fd and opts.has("reconnect"):
        raise QemuOptsError(SOCK_RECONNECT_FD)
    if creds is not None and by_fd and not server:
        raise QemuOptsError(SOCK_TLS_FD_CLIENT)
    if creds is not None and path is not None:
        raise QemuOptsError(SOCK_TLS_UNIX)
    if opts.get("tls-authz") is not None and creds is None:
        raise QemuOptsError(SOCK_AUTHZ_NEEDS_CREDS)
    if server:
        if opts.has("reconnect"):
            raise QemuOptsError(SOCK_RECONNECT_SERVER)
    else:
        if opts.get_bool("websocket", False):
            raise QemuOptsError(SOCK_WEBSOCKET_CLIENT)
        if opts.has("wait"):
            raise QemuOptsError(SOCK_WAIT_CLIENT)
    if by_fd:
        fdstr = fd or ""
        # A listening socket with no descriptor at all skips listen(); any
        # other case turns the string into a number first.
        if fdstr or not server:
            check_fd_number(fdstr)


def check_fd_number(fdstr: str) -> int:
    """Parse a file descriptor number as ``socket_get_fd`` (``qemu_strtoi``, base 10)."""
    m = re.fullmatch(r"[ \t\n\v\f\r]*[+-]?[0-9]+", fdstr)
    if m is None:
        raise QemuOptsError(SOCK_BAD_FD.format(fdstr))
    number = int(fdstr)
    if not -(1 << 31) <= number < (1 << 31):
        raise QemuOptsError(SOCK_BAD_FD.format(fdstr) + ": Numerical result out of range")
    return number
