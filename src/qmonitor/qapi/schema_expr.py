"""The schema language's grammar: check and normalize each top-level expression.

After parsing, every definition is checked on its own (no look-ups of
other definitions yet): its keys, names, flags, ``if`` conditions,
features and the shape of its members, with QEMU's messages
(scripts/qapi/expr.py).  Sugar is normalized in place: ``'name': 'Type'``
members become ``{'type': 'Type'}``, feature and enum value strings
become ``{'name': ...}``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from qmonitor.qapi.schema_parser import ParsedExpr
from qmonitor.qapi.schema_source import QapiSchemaError, SourceInfo

#: An optional downstream prefix ``__RFQDN_``, an optional ``x-``, then the stem.
_VALID_NAME = re.compile(r"(__[a-z0-9.-]+_)?(x-)?([a-z][a-z0-9_-]*)$", re.IGNORECASE)
_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$")
_IF_IDENT = re.compile(r"[A-Z][A-Z0-9_]*")
_C_NAME_MAP = str.maketrans({c: "_" for c in ".-"})

#: Top-level keys that give an expression its meta-type.
METAS = ("enum", "struct", "union", "alternate", "command", "event")


def c_name(name: str) -> str:
    """The C identifier QEMU derives from a name (no keyword protection)."""
    return name.translate(_C_NAME_MAP)


def _err(info: SourceInfo, msg: str) -> QapiSchemaError:
    return QapiSchemaError(info, msg)


def check_name_is_str(name: object, info: SourceInfo, source: str) -> None:
    if not isinstance(name, str):
        raise _err(info, f"{source} requires a string name")


def check_name_str(name: str, info: SourceInfo, source: str) -> str:
    """Check a name's form; return its stem (without prefixes)."""
    match = _VALID_NAME.match(name)
    # 'q_' is reserved for names the generator makes up (q_obj_*, q_empty).
    if not match or c_name(name).startswith("q_"):
        raise _err(info, f"{source} has an invalid name")
    return match.group(3)


def check_name_upper(name: str, info: SourceInfo, source: str) -> None:
    stem = check_name_str(name, info, source)
    if re.search(r"[a-z-]", stem):
        raise _err(info, f"name of {source} must not use lowercase or '-'")


def check_name_lower(
    name: str,
    info: SourceInfo,
    source: str,
    permit_upper: bool = False,
    permit_underscore: bool = False,
) -> None:
    stem = check_name_str(name, info, source)
    if (not permit_upper and re.search(r"[A-Z]", stem)) or (not permit_underscore and "_" in stem):
        raise _err(info, f"name of {source} must not use uppercase or '_'")


def check_name_camel(name: str, info: SourceInfo, source: str) -> None:
    stem = check_name_str(name, info, source)
    if not _CAMEL.match(stem):
        raise _err(info, f"name of {source} must use CamelCase")


def check_defn_name_str(name: str, info: SourceInfo, meta: str) -> None:
    if meta == "event":
        check_name_upper(name, info, meta)
    elif meta == "command":
        check_name_lower(
            name,
            info,
            meta,
            permit_underscore=name in info.pragma.command_name_exceptions,
        )
    else:
        check_name_camel(name, info, meta)
        if name.endswith("List"):
            raise _err(info, f"{meta} name should not end in 'List'")


def check_keys(
    value: dict[str, Any],
    info: SourceInfo,
    source: str,
    required: Collection[str],
    optional: Collection[str],
) -> None:
    def quoted(names: Iterable[str]) -> str:
        return ", ".join(f"'{n}'" for n in sorted(names))

    missing = set(required) - set(value)
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise _err(info, f"{source} misses key{plural} {quoted(missing)}")
    allowed = set(required) | set(optional)
    unknown = set(value) - allowed
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise _err(
            info,
            f"{source} has unknown key{plural} {quoted(unknown)}\n"
            f"Valid keys are {quoted(allowed)}.",
        )


def check_flags(expr: dict[str, Any], info: SourceInfo) -> None:
    for key in ("gen", "success-response"):
        if key in expr and expr[key] is not False:
            raise _err(info, f"flag '{key}' may only use false value")
    for key in ("boxed", "allow-oob", "allow-preconfig", "coroutine"):
        if key in expr and expr[key] is not True:
            raise _err(info, f"flag '{key}' may only use true value")
    if "allow-oob" in expr and "coroutine" in expr:
        raise _err(info, "flags 'allow-oob' and 'coroutine' are incompatible")


def check_if(expr: dict[str, Any], info: SourceInfo, source: str) -> None:
    """Check an ``if``: an identifier, or ``{'all'|'any': [...]}`` / ``{'not': ...}``."""

    def cond(value: object) -> None:
        if isinstance(value, str):
            if not _IF_IDENT.fullmatch(value):
                raise _err(info, f"'if' condition '{value}' of {source} is not a valid identifier")
            return
        if not isinstance(value, dict):
            raise _err(info, f"'if' condition of {source} must be a string or an object")
        check_keys(value, info, f"'if' condition of {source}", [], ["all", "any", "not"])
        if len(value) != 1:
            raise _err(info, f"'if' condition of {source} has conflicting keys")
        if "not" in value:
            cond(value["not"])
        else:
            op = "all" if "all" in value else "any"
            operands = value[op]
            if not isinstance(operands, list):
                raise _err(info, f"'{op}' condition of {source} must be an array")
            if not operands:
                raise _err(info, f"'if' condition [] of {source} is useless")
            for operand in operands:
                cond(operand)

    ifcond = expr.get("if")
    if ifcond is not None:
        cond(ifcond)


def normalize_members(members: object) -> None:
    if isinstance(members, dict):
        for key, arg in members.items():
            if not isinstance(arg, dict):
                members[key] = {"type": arg}


def check_type(
    value: object,
    info: SourceInfo,
    source: str,
    allow_array: bool = False,
    allow_dict: bool | str = False,
) -> None:
    """Check a type reference: a name, ``[name]`` or (where allowed) inline members."""
    if value is None or isinstance(value, str):
        return
    if isinstance(value, list):
        if not allow_array:
            raise _err(info, f"{source} cannot be an array")
        if len(value) != 1 or not isinstance(value[0], str):
            raise _err(info, f"{source}: array type must contain single type name")
        return
    if not allow_dict:
        raise _err(info, f"{source} should be a type name")
    if not isinstance(value, dict):
        raise _err(info, f"{source} should be an object or type name")
    permissive = isinstance(allow_dict, str) and allow_dict in info.pragma.member_name_exceptions
    for key, arg in value.items():
        key_source = f"{source} member '{key}'"
        name = key[1:] if key.startswith("*") else key
        check_name_lower(
            name, info, key_source, permit_upper=permissive, permit_underscore=permissive
        )
        if c_name(name) == "u" or c_name(name).startswith("has_"):
            raise _err(info, f"{key_source} uses reserved name")
        check_keys(arg, info, key_source, ["type"], ["if", "features"])
        check_if(arg, info, key_source)
        check_features(arg.get("features"), info)
        check_type(arg["type"], info, key_source, allow_array=True)


def check_features(features: object, info: SourceInfo) -> None:
    if features is None:
        return
    if not isinstance(features, list):
        raise _err(info, "'features' must be an array")
    features[:] = [f if isinstance(f, dict) else {"name": f} for f in features]
    for feat in features:
        source = "'features' member"
        check_keys(feat, info, source, ["name"], ["if"])
        check_name_is_str(feat["name"], info, source)
        source = f"{source} '{feat['name']}'"
        check_name_str(feat["name"], info, source)
        check_if(feat, info, source)


def check_enum(expr: dict[str, Any], info: SourceInfo) -> None:
    name = expr["enum"]
    members = expr["data"]
    prefix = expr.get("prefix")
    if not isinstance(members, list):
        raise _err(info, "'data' must be an array")
    if prefix is not None and not isinstance(prefix, str):
        raise _err(info, "'prefix' must be a string")
    permissive = name in info.pragma.member_name_exceptions
    members[:] = [m if isinstance(m, dict) else {"name": m} for m in members]
    for member in members:
        source = "'data' member"
        check_keys(member, info, source, ["name"], ["if", "features"])
        member_name = member["name"]
        check_name_is_str(member_name, info, source)
        source = f"{source} '{member_name}'"
        if member_name[:1].isdigit():
            member_name = "d" + member_name  # enum values may start with a digit
        check_name_lower(
            member_name, info, source, permit_upper=permissive, permit_underscore=permissive
        )
        check_if(member, info, source)
        check_features(member.get("features"), info)


def check_struct(expr: dict[str, Any], info: SourceInfo) -> None:
    check_type(expr["data"], info, "'data'", allow_dict=expr["struct"])
    if isinstance(expr["data"], str):
        # QEMU's generator crashes on this; say what a union would say.
        raise _err(info, "'data' must be an object")
    check_type(expr.get("base"), info, "'base'")


def check_union(expr: dict[str, Any], info: SourceInfo) -> None:
    base = expr["base"]
    members = expr["data"]
    check_type(base, info, "'base'", allow_dict=expr["union"])
    check_name_is_str(expr["discriminator"], info, "'discriminator'")
    if not isinstance(members, dict):
        raise _err(info, "'data' must be an object")
    for key, value in members.items():
        source = f"'data' member '{key}'"
        check_keys(value, info, source, ["type"], ["if"])
        check_if(value, info, source)
        check_type(value["type"], info, source, allow_array=not base)


def check_alternate(expr: dict[str, Any], info: SourceInfo) -> None:
    members = expr["data"]
    if not members:
        raise _err(info, "'data' must not be empty")
    if not isinstance(members, dict):
        raise _err(info, "'data' must be an object")
    for key, value in members.items():
        source = f"'data' member '{key}'"
        check_name_lower(key, info, source)
        check_keys(value, info, source, ["type"], ["if"])
        check_if(value, info, source)
        # QEMU 7.2 lets a branch be an array (StatsValue's list).
        check_type(value["type"], info, source, allow_array=True)


def check_command(expr: dict[str, Any], info: SourceInfo) -> None:
    args = expr.get("data")
    boxed = expr.get("boxed", False)
    if boxed and args is None:
        raise _err(info, "'boxed': true requires 'data'")
    check_type(args, info, "'data'", allow_dict=not boxed)
    check_type(expr.get("returns"), info, "'returns'", allow_array=True)


def check_event(expr: dict[str, Any], info: SourceInfo) -> None:
    args = expr.get("data")
    boxed = expr.get("boxed", False)
    if boxed and args is None:
        raise _err(info, "'boxed': true requires 'data'")
    check_type(args, info, "'data'", allow_dict=not boxed)


#: meta -> (required keys, optional keys, member normalizations, checker)
_GRAMMAR: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], Any]] = {
    "enum": (("enum", "data"), ("if", "features", "prefix"), (), check_enum),
    "union": (
        ("union", "base", "discriminator", "data"),
        ("if", "features"),
        ("base", "data"),
        check_union,
    ),
    "alternate": (("alternate", "data"), ("if", "features"), ("data",), check_alternate),
    "struct": (("struct", "data"), ("base", "if", "features"), ("data",), check_struct),
    "command": (
        ("command",),
        (
            "data",
            "returns",
            "boxed",
            "if",
            "features",
            "gen",
            "success-response",
            "allow-oob",
            "allow-preconfig",
            "coroutine",
        ),
        ("data",),
        check_command,
    ),
    "event": (("event",), ("data", "boxed", "if", "features"), ("data",), check_event),
}


def check_exprs(exprs: list[ParsedExpr]) -> list[ParsedExpr]:
    """Check and normalize every definition in place; return the list."""
    for parsed in exprs:
        expr, info, doc = parsed.expr, parsed.info, parsed.doc
        if "include" in expr:
            continue
        metas = expr.keys() & set(METAS)
        if len(metas) != 1:
            raise _err(
                info,
                "expression must have exactly one key "
                "'enum', 'struct', 'union', 'alternate', 'command', 'event'",
            )
        meta = metas.pop()
        check_name_is_str(expr[meta], info, f"'{meta}'")
        name: str = expr[meta]
        info.set_defn(meta, name)
        check_defn_name_str(name, info, meta)
        if doc is not None:
            if doc.symbol != name:
                raise _err(info, f"documentation comment is for '{doc.symbol}'")
            doc.check_expr(expr)
        elif info.pragma.doc_required:
            raise _err(info, "documentation comment required")
        required, optional, normalize, checker = _GRAMMAR[meta]
        check_keys(expr, info, meta, required, optional)
        for key in normalize:
            normalize_members(expr.get(key))
        checker(expr, info)
        check_if(expr, info, meta)
        check_features(expr.get("features"), info)
        check_flags(expr, info)
    return exprs
