"""``-object``: QEMU's user-creatable objects, as far as qmonitor models them.

QEMU 7.2 parses ``-object`` when it reads the command line (qom/object_interfaces.c:
``object_option_parse``): the key=value form through keyval with the
implied key ``qom-type``, or JSON when the argument starts with ``{``; the
QAPI visitor then checks the type, the id and the type's properties, and
any error stops QEMU with the option's location.  The objects are created
later, before the chardevs (``object_create_early``), where a duplicate id
is an error at the option's location and a failure to load credentials an
error without one.

Only ``tls-creds-x509`` (crypto/tlscredsx509.c) is modelled; the other
types QEMU can create are accepted with their properties unchecked.
"""

from __future__ import annotations

import dataclasses
import os
import ssl
from dataclasses import dataclass, field
from typing import Any, Final

from qmonitor.errors import QmonitorError
from qmonitor.options.optlists import OBJECT_OPTS
from qmonitor.options.texts import (
    OBJECT_NOT_A_DICT,
    SOCK_NO_TLS_CREDS,
    TLS_BAD_CA,
    TLS_BAD_PAIR,
    TLS_CANNOT_ACCESS,
    TLS_EXPECTED_ENDPOINT,
    TLS_KEY_MISMATCH,
    TLS_MISSING_DIR,
    TLS_NO_SECRET,
    TLS_NOT_CREDS,
)
from qmonitor.qapi.texts import INVALID_PARAMETER_TYPE
from qmonitor.util.cutils import parse_bool
from qmonitor.util.error import Diagnostic, QemuOptsError
from qmonitor.util.qemuopts import OptsGroup, id_wellformed, is_help_option
from qmonitor.util.texts import (
    DUPLICATE_ID,
    ENUM_VALUE,
    ID_HINT,
    INVALID_PARAMETER,
    INVALID_PARAMETER_VALUE,
    MISSING_PARAMETER,
    NOT_WRITABLE,
    UNEXPECTED_PARAMETER,
)

# File names in a tls-creds-x509 ``dir`` (crypto/tlscredsx509.h).
CA_CERT: Final = "ca-cert.pem"
CA_CRL: Final = "ca-crl.pem"
SERVER_CERT: Final = "server-cert.pem"
SERVER_KEY: Final = "server-key.pem"
CLIENT_CERT: Final = "client-cert.pem"
CLIENT_KEY: Final = "client-key.pem"

#: What ``-object help`` lists in QEMU 7.2 (qemu-system-x86_64).
USER_CREATABLE: Final = (
    "authz-list", "authz-list-file", "authz-simple", "can-bus", "can-host-socketcan",
    "colo-compare", "cryptodev-backend", "cryptodev-backend-builtin", "cryptodev-vhost-user",
    "dbus-vmstate", "filter-buffer", "filter-dump", "filter-mirror", "filter-redirector",
    "filter-replay", "filter-rewriter", "input-barrier", "input-linux", "iothread",
    "main-loop", "memory-backend-file", "memory-backend-memfd", "memory-backend-ram",
    "pr-manager-helper", "qtest", "rng-builtin", "rng-egd", "rng-random", "secret",
    "secret_keyring", "sev-guest", "thread-context", "throttle-group", "tls-cipher-suites",
    "tls-creds-anon", "tls-creds-psk", "tls-creds-x509", "x-remote-object",
)  # fmt: skip

#: tls-creds-x509's properties in QAPI order (visited in that order), with their types.
TLS_X509_PROPS: Final = (
    ("verify-peer", "bool"),
    ("dir", "string"),
    ("endpoint", "QCryptoTLSCredsEndpoint"),
    ("priority", "string"),
    ("sanity-check", "bool"),
    ("passwordid", "string"),
)
ENDPOINTS: Final = ("client", "server")
#: qom/object.c: object_property_try_add, adding a second child of that name to /objects.
DUPLICATE_CHILD: Final = "attempt to add duplicate property '{}' to object (type 'container')"


def object_help() -> str:
    """``-object help``."""
    return "List of user creatable objects:\n" + "".join(f"  {t}\n" for t in USER_CREATABLE)


class ObjectError(QmonitorError):
    """QEMU's text for a bad ``-object``; ``hint`` goes on the next lines.

    ``where`` is the command-line location QEMU prefixes it with, if any.
    """

    def __init__(self, message: str, hint: str = "", where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where
        #: The warnings QEMU printed before the error: (message, hint) pairs.
        self.warnings: list[tuple[str, str]] = []


class ObjectHelp(QmonitorError):
    """``-object help``: print ``text`` on stdout and exit 0."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text
        #: The warnings QEMU printed (on stderr) before the help: (message, hint) pairs.
        self.warnings: list[tuple[str, str]] = []


@dataclass(frozen=True, slots=True)
class ObjectConfig:
    """One ``-object``: its type, id, properties (typed) and where it was given."""

    qom_type: str
    id: str
    props: dict[str, Any] = field(hash=False)
    origin: str = ""
    #: Given as key=value on the command line: QEMU keeps those in its
    #: ``object`` QemuOpts list, where a duplicate id is its own error.
    in_opts_list: bool = True


# -- parsing ---------------------------------------------------------------------


def _qemu_opts(arg: str, warnings: list[Diagnostic]) -> tuple[dict[str, str], str | None, bool]:
    """The key=value form as QEMU 7.2 reads it: QemuOpts with implied key ``qom-type``.

    Returns (options, id, help wanted).  ``,,`` is a literal comma in every
    value, the implied one included; a bare ``flag`` is a short-form boolean
    (with QEMU's warning); the first ``id=`` names the object.  QEMU deletes
    the group once the object is visited, so every ``-object`` gets a fresh
    list (a duplicate id is found later, when objects are created).
    """
    try:
        opts = OptsGroup(OBJECT_OPTS).parse(arg, True, warnings)
    except QemuOptsError as exc:
        raise ObjectError(exc.message, exc.hint) from None
    # user_creatable_print_help(): any option named help or ?.
    want_help = any(is_help_option(name) for name, _ in opts.items)
    return opts.as_dict(), opts.id, want_help


def _property_name(name: str) -> bool:
    """Whether ``name`` could name a property: dotted QAPI names, indexes after the first."""
    return all(
        (part and (part[0].isalpha() and all(c.isalnum() or c in "-_" for c in part)))
        or (i and part.isdigit())
        for i, part in enumerate(name.split("."))
    )


def _bool(name: str, value: str) -> bool:
    """The opts visitor's booleans: ``qapi_bool_parse``."""
    try:
        return parse_bool(name, value)
    except QemuOptsError as exc:
        raise ObjectError(exc.message) from None


def parse_object(arg: str, origin: str = "") -> tuple[ObjectConfig, list[tuple[str, str]]]:
    """Parse one ``-object`` argument; returns it and the warnings QEMU prints.

    :raises ObjectError: with QEMU's text (to print after the location).
    :raises ObjectHelp: for ``help`` requests.
    """
    diagnostics: list[Diagnostic] = []
    try:
        return _parse_object(arg, origin, diagnostics)
    except (ObjectError, ObjectHelp) as exc:
        # Short-form warnings come before the visitor's error or the help, as in QEMU.
        exc.warnings = _pairs(diagnostics)
        raise


def _pairs(diagnostics: list[Diagnostic]) -> list[tuple[str, str]]:
    return [(d.message, d.hint) for d in diagnostics]


def _parse_object(
    arg: str, origin: str, diagnostics: list[Diagnostic]
) -> tuple[ObjectConfig, list[tuple[str, str]]]:
    values: dict[str, Any]
    is_json = arg.startswith("{")
    if is_json:
        from qmonitor.qjson.parser import JsonError
        from qmonitor.qjson.streamer import qobject_from_json

        try:
            raw = qobject_from_json(arg)
        except JsonError as exc:
            raise ObjectError(exc.message) from None
        if not isinstance(raw, dict):
            raise ObjectError(OBJECT_NOT_A_DICT)
        values = raw
        want_help = False
        obj_id = values.get("id")
    else:
        values, obj_id, want_help = _qemu_opts(arg, diagnostics)
    return _object_config(values, obj_id, want_help, is_json, origin), _pairs(diagnostics)


def parse_object_values(values: dict[str, str], origin: str = "") -> ObjectConfig:
    """An ``[object]`` section of a ``-readconfig`` file, visited as keyval (strings).

    :raises ObjectError: with QEMU's text (to print after the location).
    :raises ObjectHelp: for ``help`` requests.
    """
    want_help = any(is_help_option(name) for name in values)
    cfg = _object_config(dict(values), values.get("id"), want_help, False, origin)
    return dataclasses.replace(cfg, in_opts_list=False)


def _object_config(
    values: dict[str, Any], obj_id: Any, want_help: bool, is_json: bool, origin: str
) -> ObjectConfig:
    """object_option_parse()'s checks, in QEMU's order, of an -object's members."""
    qom_type = values.get("qom-type")
    if qom_type is None:
        raise ObjectError(MISSING_PARAMETER.format("qom-type"))
    if not isinstance(qom_type, str):
        raise ObjectError(INVALID_PARAMETER_TYPE.format("qom-type", "string"))
    if is_help_option(qom_type):
        raise ObjectHelp(object_help())
    if qom_type not in USER_CREATABLE:
        raise ObjectError(ENUM_VALUE.format("qom-type", qom_type))
    if want_help:
        from qmonitor.options.help import recorded_listing

        raise ObjectHelp(recorded_listing(f"object:{qom_type}"))
    if obj_id is None:
        raise ObjectError(MISSING_PARAMETER.format("id"))
    if not isinstance(obj_id, str):
        raise ObjectError(INVALID_PARAMETER_TYPE.format("id", "string"))
    if not id_wellformed(obj_id):
        raise ObjectError(INVALID_PARAMETER_VALUE.format("id", "an identifier"), ID_HINT)
    props = {k: v for k, v in values.items() if k not in ("qom-type", "id")}
    if qom_type == "tls-creds-x509":
        props = _check_tls_x509(props, is_json)
    elif not is_json:
        # Other types' properties are not modelled, but a name no property can
        # have is refused as QEMU's opts visitor refuses any unknown one.
        for name in props:
            if not _property_name(name):
                raise ObjectError(INVALID_PARAMETER.format(name))
    return ObjectConfig(qom_type, obj_id, props, origin, not is_json)


def _check_tls_x509(props: dict[str, Any], is_json: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in TLS_X509_PROPS:
        if name not in props:
            continue
        value = props[name]
        if kind == "bool":
            if is_json:
                if not isinstance(value, bool):
                    raise ObjectError(INVALID_PARAMETER_TYPE.format(name, "boolean"))
                out[name] = value
            else:
                out[name] = _bool(name, value)
        else:
            if not isinstance(value, str):
                raise ObjectError(INVALID_PARAMETER_TYPE.format(name, "string"))
            if kind == "QCryptoTLSCredsEndpoint" and value not in ENDPOINTS:
                raise ObjectError(ENUM_VALUE.format(name, value))
            out[name] = value
    known = {name for name, _ in TLS_X509_PROPS}
    for name in props:
        if name not in known:
            if name == "loaded":
                continue  # refused when the object is created, as QEMU's QOM does
            raise ObjectError((UNEXPECTED_PARAMETER if is_json else INVALID_PARAMETER).format(name))
    if "loaded" in props:
        out["loaded"] = props["loaded"]
    return out


# -- creating ---------------------------------------------------------------------


@dataclass(slots=True)
class TlsCredsX509:
    """A loaded ``tls-creds-x509``: what a TLS chardev needs to build its context."""

    id: str
    endpoint: str
    verify_peer: bool
    dir: str
    ca_cert: str
    cert: str | None
    key: str | None
    password: str | None = None
    priority: str | None = None

    @property
    def is_server(self) -> bool:
        return self.endpoint == "server"

    def context(self) -> ssl.SSLContext:
        """An SSL context for this endpoint (verify-peer decides peer checks)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if self.is_server else ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(self.ca_cert)
        if self.cert is not None and self.key is not None:
            ctx.load_cert_chain(self.cert, self.key, self.password)
        if self.verify_peer:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.check_hostname = not self.is_server
        else:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx


def _path(directory: str, name: str, required: bool) -> str | None:
    """qcrypto_tls_creds_get_path: the file, or None when optional and absent."""
    path = os.path.join(directory, name)
    try:
        os.stat(path)
    except OSError as exc:
        if required or exc.errno != 2:
            raise ObjectError(TLS_CANNOT_ACCESS.format(path, exc.strerror)) from None
        return None
    return path


def load_tls_x509(cfg: ObjectConfig, secrets: dict[str, ObjectConfig]) -> TlsCredsX509:
    """Load the credentials as QEMU does when the object is completed.

    :raises ObjectError: QEMU's text (printed without a location).
    """
    props = cfg.props
    if "loaded" in props:
        raise ObjectError(NOT_WRITABLE.format("tls-creds-x509", "loaded"))
    directory = props.get("dir")
    if directory is None:
        raise ObjectError(TLS_MISSING_DIR)
    endpoint = props.get("endpoint", "client")
    server = endpoint == "server"
    ca = _path(directory, CA_CERT, True)
    assert ca is not None
    _path(directory, CA_CRL, False)
    cert = _path(directory, SERVER_CERT if server else CLIENT_CERT, server)
    key = _path(directory, SERVER_KEY if server else CLIENT_KEY, server)
    password = None
    passwordid = props.get("passwordid")
    if passwordid is not None:
        secret = secrets.get(passwordid)
        if secret is None:
            raise ObjectError(TLS_NO_SECRET.format(passwordid))
        password = str(secret.props.get("data", ""))
    creds = TlsCredsX509(
        cfg.id, endpoint, props.get("verify-peer", True), directory, ca, cert, key, password,
        props.get("priority"),
    )  # fmt: skip
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    try:
        probe.load_verify_locations(ca)
    except (ssl.SSLError, OSError):
        raise ObjectError(TLS_BAD_CA.format(ca)) from None
    if cert is not None and key is not None:
        try:
            probe.load_cert_chain(cert, key, password)
        except ssl.SSLError as exc:
            reason = TLS_KEY_MISMATCH if "KEY_VALUES_MISMATCH" in str(exc) else str(exc.reason)
            raise ObjectError(TLS_BAD_PAIR.format(cert, key, reason)) from None
    return creds


@dataclass(slots=True)
class Objects:
    """The objects QEMU's ``/objects`` container would hold, by id."""

    configs: dict[str, ObjectConfig] = field(default_factory=dict)
    tls: dict[str, TlsCredsX509] = field(default_factory=dict)


def create_objects(configs: list[ObjectConfig] | tuple[ObjectConfig, ...]) -> Objects:
    """Create the objects in command-line order.

    :raises ObjectError: a duplicate id (``origin`` is set on the error as
        ``where``) or a failure to load credentials (no location).
    """
    objects = Objects()
    secrets = {c.id: c for c in configs if c.qom_type == "secret"}
    for cfg in configs:
        earlier = objects.configs.get(cfg.id)
        if earlier is not None:
            if earlier.in_opts_list and cfg.in_opts_list:
                raise ObjectError(DUPLICATE_ID.format(cfg.id, "object"), where=cfg.origin)
            # The JSON and -readconfig forms meet the first one in /objects.
            raise ObjectError(DUPLICATE_CHILD.format(cfg.id))
        objects.configs[cfg.id] = cfg
        if cfg.qom_type == "tls-creds-x509":
            objects.tls[cfg.id] = load_tls_x509(cfg, secrets)
    return objects


def tls_lookup(objects: list[ObjectConfig], creds_id: str, server: bool) -> str | None:
    """The error QEMU reports for ``tls-creds=creds_id`` on a socket, or None."""
    cfg = next((o for o in objects if o.id == creds_id), None)
    if cfg is None:
        return SOCK_NO_TLS_CREDS.format(creds_id)
    if not cfg.qom_type.startswith("tls-creds-"):
        return TLS_NOT_CREDS.format(creds_id)
    endpoint = cfg.props.get("endpoint", "client")
    want = "server" if server else "client"
    if endpoint != want:
        return TLS_EXPECTED_ENDPOINT.format(want)
    return None
