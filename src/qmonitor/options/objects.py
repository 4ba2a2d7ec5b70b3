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

import os
import ssl
from dataclasses import dataclass, field
from typing import Any, Final

from qmonitor.errors import QmonitorError
from qmonitor.util.qemuopts import NOT_WRITABLE

# Texts of qom/object_interfaces.c, util/keyval.c and qapi/qobject-input-visitor.c.
MISSING: Final = "Parameter '{}' is missing"
ENUM_VALUE: Final = "Parameter '{}' does not accept value '{}'"
BOOL_VALUE: Final = "Parameter '{}' expects 'on' or 'off'"
INVALID_PARAMETER: Final = "Invalid parameter '{}'"
UNEXPECTED: Final = "Parameter '{}' is unexpected"
WRONG_TYPE: Final = "Invalid parameter type for '{}', expected: {}"
NOT_IDENTIFIER: Final = "Parameter 'id' expects an identifier"
IDENTIFIER_HINT: Final = (
    "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n"
)
EXPECTED_EQUALS: Final = "Expected '=' after parameter '{}'"
SHORT_FORM: Final = "short-form boolean option '{}' deprecated"
SHORT_FORM_HINT: Final = "Please use {}={} instead\n"
DUPLICATE_ID: Final = "Duplicate ID '{}' for object"
# crypto/tlscredsx509.c and crypto/tlscreds.c.
MISSING_DIR: Final = "Missing 'dir' property value"
CANNOT_ACCESS: Final = "Unable to access credentials {}: {}"
BAD_CA: Final = "Unable to import CA certificate list {}"
BAD_PAIR: Final = "Cannot load certificate '{}' & key '{}': {}"
KEY_MISMATCH: Final = "The certificate and the given key do not match."
NO_SECRET: Final = "No secret with id '{}'"

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


def object_help() -> str:
    """``-object help``."""
    return "List of user creatable objects:\n" + "".join(f"  {t}\n" for t in USER_CREATABLE)


def tls_x509_help() -> str:
    """``-object tls-creds-x509,help``: the properties, sorted by name."""
    rows = sorted(TLS_X509_PROPS)
    return "tls-creds-x509 options:\n" + "".join(f"  {name}=<{kind}>\n" for name, kind in rows)


class ObjectError(QmonitorError):
    """QEMU's text for a bad ``-object``; ``hint`` goes on the next lines.

    ``where`` is the command-line location QEMU prefixes it with, if any.
    """

    def __init__(self, message: str, hint: str = "", where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where


class ObjectHelp(QmonitorError):
    """``-object help``: print ``text`` on stdout and exit 0."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True, slots=True)
class ObjectConfig:
    """One ``-object``: its type, id, properties (typed) and where it was given."""

    qom_type: str
    id: str
    props: dict[str, Any] = field(hash=False)
    origin: str = ""


# -- parsing ---------------------------------------------------------------------


def _keyval(arg: str, warnings: list[tuple[str, str]]) -> tuple[dict[str, str], bool]:
    """util/keyval.c for a flat key=value list with implied key ``qom-type``."""
    values: dict[str, str] = {}
    want_help = False
    pos, n, first = 0, len(arg), True
    while pos < n:
        end = pos
        while end < n and arg[end] not in "=,":
            end += 1
        key = arg[pos:end]
        if end >= n or arg[end] == ",":
            if key in ("help", "?"):
                want_help = True
                pos = end + 1
                first = False
                continue
            if first:
                # The implied key's value, with ",," standing for a comma.
                value, pos = _value(arg, pos)
                values["qom-type"] = value
                first = False
                continue
            if key:
                # A bare name is a deprecated short-form boolean.
                on = not key.startswith("no")
                name = key if on else key[2:]
                warnings.append(
                    (SHORT_FORM.format(key), SHORT_FORM_HINT.format(name, "on" if on else "off"))
                )
                values[name] = "on" if on else "off"
                pos = end + 1
                continue
        first = False
        if not key or not _is_key(key):
            raise ObjectError(INVALID_PARAMETER.format(key))
        if end >= n or arg[end] != "=":
            raise ObjectError(EXPECTED_EQUALS.format(key))
        value, pos = _value(arg, end + 1)
        values[key] = value
    return values, want_help


def _value(arg: str, pos: int) -> tuple[str, int]:
    out = []
    n = len(arg)
    while pos < n:
        if arg[pos] == ",":
            if pos + 1 < n and arg[pos + 1] == ",":
                out.append(",")
                pos += 2
                continue
            return "".join(out), pos + 1
        out.append(arg[pos])
        pos += 1
    return "".join(out), pos


def _is_key(key: str) -> bool:
    return all(
        (part and (part[0].isalpha() and all(c.isalnum() or c in "-_" for c in part)))
        or (i and part.isdigit())
        for i, part in enumerate(key.split("."))
    )


def _is_identifier(name: str) -> bool:
    return (
        bool(name)
        and name[0].isascii()
        and name[0].isalpha()
        and all(c.isascii() and (c.isalnum() or c in "-._") for c in name)
    )


def _keyval_bool(name: str, value: str) -> bool:
    if value in ("on", "yes", "true"):
        return True
    if value in ("off", "no", "false"):
        return False
    raise ObjectError(BOOL_VALUE.format(name))


def parse_object(arg: str, origin: str = "") -> tuple[ObjectConfig, list[tuple[str, str]]]:
    """Parse one ``-object`` argument; returns it and the warnings QEMU prints.

    :raises ObjectError: with QEMU's text (to print after the location).
    :raises ObjectHelp: for ``help`` requests.
    """
    warnings: list[tuple[str, str]] = []
    is_json = arg.startswith("{")
    if is_json:
        from qmonitor.qjson.parser import JsonError
        from qmonitor.qjson.streamer import qobject_from_json

        try:
            raw = qobject_from_json(arg)
        except JsonError as exc:
            raise ObjectError(exc.message) from None
        if not isinstance(raw, dict):
            raise ObjectError("Invalid parameter type, expected: object")
        values: dict[str, Any] = raw
        want_help = False
    else:
        values, want_help = _keyval(arg, warnings)
    qom_type = values.get("qom-type")
    if want_help and qom_type is None:
        raise ObjectHelp(object_help())
    if qom_type is None:
        raise ObjectError(MISSING.format("qom-type"))
    if not isinstance(qom_type, str):
        raise ObjectError(WRONG_TYPE.format("qom-type", "string"))
    if qom_type not in USER_CREATABLE:
        raise ObjectError(ENUM_VALUE.format("qom-type", qom_type))
    if want_help:
        if qom_type == "tls-creds-x509":
            raise ObjectHelp(tls_x509_help())
        raise ObjectHelp(f"{qom_type} options:\n")
    obj_id = values.get("id")
    if obj_id is None:
        raise ObjectError(MISSING.format("id"))
    if not isinstance(obj_id, str):
        raise ObjectError(WRONG_TYPE.format("id", "string"))
    if not _is_identifier(obj_id):
        raise ObjectError(NOT_IDENTIFIER, IDENTIFIER_HINT)
    props = {k: v for k, v in values.items() if k not in ("qom-type", "id")}
    if qom_type == "tls-creds-x509":
        props = _check_tls_x509(props, is_json)
    return ObjectConfig(qom_type, obj_id, props, origin), warnings


def _check_tls_x509(props: dict[str, Any], is_json: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in TLS_X509_PROPS:
        if name not in props:
            continue
        value = props[name]
        if kind == "bool":
            if is_json:
                if not isinstance(value, bool):
                    raise ObjectError(WRONG_TYPE.format(name, "boolean"))
                out[name] = value
            else:
                out[name] = _keyval_bool(name, value)
        else:
            if not isinstance(value, str):
                raise ObjectError(WRONG_TYPE.format(name, "string"))
            if kind == "QCryptoTLSCredsEndpoint" and value not in ENDPOINTS:
                raise ObjectError(ENUM_VALUE.format(name, value))
            out[name] = value
    known = {name for name, _ in TLS_X509_PROPS}
    for name in props:
        if name not in known:
            if name == "loaded":
                continue  # refused when the object is created, as QEMU's QOM does
            raise ObjectError((UNEXPECTED if is_json else INVALID_PARAMETER).format(name))
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
            raise ObjectError(CANNOT_ACCESS.format(path, exc.strerror)) from None
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
        raise ObjectError(MISSING_DIR)
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
            raise ObjectError(NO_SECRET.format(passwordid))
        password = str(secret.props.get("data", ""))
    creds = TlsCredsX509(
        cfg.id, endpoint, props.get("verify-peer", True), directory, ca, cert, key, password,
        props.get("priority"),
    )  # fmt: skip
    probe = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    try:
        probe.load_verify_locations(ca)
    except (ssl.SSLError, OSError):
        raise ObjectError(BAD_CA.format(ca)) from None
    if cert is not None and key is not None:
        try:
            probe.load_cert_chain(cert, key, password)
        except ssl.SSLError as exc:
            reason = KEY_MISMATCH if "KEY_VALUES_MISMATCH" in str(exc) else str(exc.reason)
            raise ObjectError(BAD_PAIR.format(cert, key, reason)) from None
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
        if cfg.id in objects.configs:
            raise ObjectError(DUPLICATE_ID.format(cfg.id), where=cfg.origin)
        objects.configs[cfg.id] = cfg
        if cfg.qom_type == "tls-creds-x509":
            objects.tls[cfg.id] = load_tls_x509(cfg, secrets)
    return objects


# chardev/char-socket.c: what a socket chardev's tls-creds must be.
NOT_TLS_CREDS: Final = "Object with id '{}' is not TLS credentials"
EXPECTED_ENDPOINT: Final = "Expected TLS credentials for a {} endpoint"
NO_TLS_CREDS: Final = "No TLS credentials with id '{}'"


def tls_lookup(objects: list[ObjectConfig], creds_id: str, server: bool) -> str | None:
    """The error QEMU reports for ``tls-creds=creds_id`` on a socket, or None."""
    cfg = next((o for o in objects if o.id == creds_id), None)
    if cfg is None:
        return NO_TLS_CREDS.format(creds_id)
    if not cfg.qom_type.startswith("tls-creds-"):
        return NOT_TLS_CREDS.format(creds_id)
    endpoint = cfg.props.get("endpoint", "client")
    want = "server" if server else "client"
    if endpoint != want:
        return EXPECTED_ENDPOINT.format(want)
    return None
