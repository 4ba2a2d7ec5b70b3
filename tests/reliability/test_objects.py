# ruff: noqa: E501  (QEMU's messages are long lines)
"""``-object`` parsing (qmonitor.options.objects): QEMU 7.2's keyval and JSON forms.

The texts were recorded from qemu-system-x86_64 7.2 (see test_access.py for
the whole command line, compared live).
"""

from __future__ import annotations

import pytest

from qmonitor.options.objects import (
    ObjectError,
    ObjectHelp,
    create_objects,
    parse_object,
    tls_lookup,
)


def test_keyval_form() -> None:
    cfg, warnings = parse_object("tls-creds-x509,id=t0,dir=/a,,b,endpoint=server,verify-peer=no")
    assert (cfg.qom_type, cfg.id) == ("tls-creds-x509", "t0")
    assert cfg.props == {"dir": "/a,b", "endpoint": "server", "verify-peer": False}
    assert warnings == []


def test_short_form_boolean_warns() -> None:
    cfg, warnings = parse_object("tls-creds-x509,id=t0,dir=/a,verify-peer")
    assert cfg.props["verify-peer"] is True
    assert warnings == [
        (
            "short-form boolean option 'verify-peer' deprecated",
            "Please use verify-peer=on instead\n",
        )
    ]


def test_json_form() -> None:
    cfg, _ = parse_object('{"qom-type": "tls-creds-x509", "id": "t", "verify-peer": false}')
    assert cfg.props == {"verify-peer": False}
    # Other types keep their properties unchecked (libvirt's secrets, ...).
    cfg, _ = parse_object('{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/k"}')
    assert cfg.props == {"format": "raw", "file": "/k"}


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("", "Parameter 'qom-type' is missing"),
        (",id=t", "Parameter 'qom-type' does not accept value ''"),
        ("tls-creds-x509,,id=t", "Parameter 'qom-type' does not accept value 'tls-creds-x509,id=t'"),
        ("tls-creds-x509,id=t,dir.x=1", "Invalid parameter 'dir.x'"),
        ("tls-creds-x509,id=t,endpoint=foo,bogus=1", "Parameter 'endpoint' does not accept value 'foo'"),
        ('{"qom-type":"tls-creds-x509","id":"t"', "JSON parse error, premature EOI"),
        ('{"id":"t"}', "Parameter 'qom-type' is missing"),
        ('{"qom-type":"tls-creds-x509","id":"t","dir":1}', "Invalid parameter type for 'dir', expected: string"),
    ],
)  # fmt: skip
def test_errors(arg: str, message: str) -> None:
    with pytest.raises(ObjectError) as info:
        parse_object(arg)
    assert info.value.message == message


def test_help() -> None:
    with pytest.raises(ObjectHelp) as info:
        parse_object("help")
    assert info.value.text.startswith("List of user creatable objects:\n")
    with pytest.raises(ObjectHelp) as info:
        parse_object("tls-creds-x509,help")
    assert info.value.text.startswith("tls-creds-x509 options:\n  dir=<string>\n")


def test_tls_lookup_and_loaded_is_read_only() -> None:
    server, _ = parse_object("tls-creds-x509,id=s,dir=/x,endpoint=server")
    secret, _ = parse_object("secret,id=k,data=x")
    objects = [server, secret]
    assert tls_lookup(objects, "s", True) is None
    assert tls_lookup(objects, "s", False) == "Expected TLS credentials for a client endpoint"
    assert tls_lookup(objects, "k", True) == "Object with id 'k' is not TLS credentials"
    assert tls_lookup(objects, "n", True) == "No TLS credentials with id 'n'"
    loaded, _ = parse_object("tls-creds-x509,id=l,dir=/x,loaded=on")
    with pytest.raises(ObjectError) as info:
        create_objects([loaded])
    assert info.value.message == "Property 'tls-creds-x509.loaded' is not writable"
