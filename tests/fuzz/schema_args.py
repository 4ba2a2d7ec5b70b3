"""Argument sets for every QMP command, generated from the machine's own schema.

The input is the introspection a machine gives (``query-qmp-schema``): for
each command the generator walks its argument type and produces sets of
arguments of these kinds, each with one defect at most:

- ``typed``: every member of the right type; values drawn from ordinary,
  boundary and odd values (0, -1, 2**63-1, "", NUL, a 5,000-character
  string, non-ASCII, ...); optional members present or not; a union's
  variant picked at random.
- ``wrong-type``: one member (at any depth) of another JSON type.
- ``missing``: one required member left out.
- ``extra``: one member the schema does not have.
- ``bad-enum``: an enum member with a value the enum does not have.
- ``huge-int``: an integer member out of every integer type's range.

Only ``typed`` sets reach a command's handler: QEMU (and qmonitor) check
the whole argument object against the schema first, so the others are safe
to send to any command and their answers are deterministic.

No set may make the process talk to the network: a member that names a
peer (``host``, ``uri``, ``server``, ...) is always given a wrong type, so
the request is refused before anything is resolved or connected.
Generation is deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Members that name a network peer or address: never given a usable value.
NETWORK_MEMBERS = frozenset(
    {
        "host", "hostname", "uri", "url", "server", "portal", "addr", "address", "remote",
        "local", "connect", "listen", "mcast", "udp", "localaddr", "src", "dst", "hostfwd",
        "guestfwd", "smb", "port", "ipv4-host", "ipv6-host",
    }
)  # fmt: skip
#: Kinds of set, see the module docstring.
BAD_KINDS = ("wrong-type", "missing", "extra", "bad-enum", "huge-int")
KINDS = ("typed", *BAD_KINDS)

INTS = [0, 1, -1, 7, 255, 256, 65535, 65536, 2**31 - 1, -(2**31), 2**32, 2**63 - 1, -(2**63)]
HUGE_INTS = [2**64, -(2**63) - 1, 2**70, -(2**70), 10**30]
STRINGS = [
    "x", "", "\u0000", "a,b=c", "%s%n", "\u00e9\u263a", "a" * 5000, "-1", "x-fuzz",
    "/dev/null", "0", "on", "\ud7ff\ue000",
]  # fmt: skip
NUMBERS = [0.0, 1.5, -1.0, 1e300, -1e-300, 2**53 + 0.0]
#: A value of another JSON type, for each json-type.
OTHER_TYPE: dict[str, list[Any]] = {
    "int": ["1", True, 1.5, None, [], {}],
    "number": ["1", True, None, [], {}],
    "string": [1, True, None, [], {}],
    "boolean": [1, "true", None, [], {}],
    "null": [1, "x", False, [], {}],
    "object": [1, "x", True, None, []],
    "array": [1, "x", True, None, {}],
}
ANY_VALUES: list[Any] = [{}, 1, "x", [], None, True, {"a": [1, "b"]}]
#: (member path, its container, its key there, its type's name)
_Place = tuple[str, Any, Any, str]
#: Deeper than this, optional members are left out and arrays are empty.
MAX_DEPTH = 6


@dataclass(frozen=True)
class ArgSet:
    """One argument object for a command, with what makes it special."""

    command: str
    kind: str
    arguments: dict[str, Any]
    #: Where the defect is (a member path), "" for typed sets.
    where: str = ""

    def request(self, req_id: Any) -> dict[str, Any]:
        return {"execute": self.command, "arguments": self.arguments, "id": req_id}


class SchemaWalker:
    """The introspected schema, by name."""

    def __init__(self, introspection: list[dict[str, Any]]) -> None:
        self.entities = {e["name"]: e for e in introspection}
        #: Set when a network member was given a wrong type (see NETWORK_MEMBERS).
        self._refused = False
        self.commands = sorted(e["name"] for e in introspection if e["meta-type"] == "command")

    def json_type(self, name: str) -> str:
        """The JSON type a value of this schema type has (alternates: ``value``)."""
        e = self.entities[name]
        meta = e["meta-type"]
        if meta == "builtin":
            return str(e["json-type"])
        return {"enum": "string", "object": "object", "array": "array"}.get(meta, "value")

    def arg_type(self, command: str) -> dict[str, Any]:
        return self.entities[self.entities[command]["arg-type"]]

    # -- typed values ---------------------------------------------------------------

    def value(self, name: str, rng: random.Random, depth: int) -> Any:
        e = self.entities[name]
        meta = e["meta-type"]
        if meta == "builtin":
            return self._builtin(e["json-type"], rng)
        if meta == "enum":
            return rng.choice(e["values"])
        if meta == "array":
            if depth >= MAX_DEPTH:
                return []
            return [self.value(e["element-type"], rng, depth + 1) for _ in range(rng.randint(0, 2))]
        if meta == "alternate":
            return self.value(rng.choice(e["members"])["type"], rng, depth + 1)
        return self.object(e, rng, depth)

    def _builtin(self, json_type: str, rng: random.Random) -> Any:
        if json_type == "int":
            return rng.choice(INTS)
        if json_type == "number":
            return rng.choice(NUMBERS)
        if json_type == "string":
            return rng.choice(STRINGS)
        if json_type == "boolean":
            return rng.random() < 0.5
        if json_type == "null":
            return None
        return rng.choice(ANY_VALUES)

    def object(self, e: dict[str, Any], rng: random.Random, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        members = list(e.get("members", []))
        tag = e.get("tag")
        for m in members:
            required = "default" not in m
            if m["name"] != tag and not required and (depth >= MAX_DEPTH or rng.random() < 0.5):
                continue
            if m["name"] in NETWORK_MEMBERS:
                # Of no type a peer can be named with (not a string, not an
                # object): refused before the handler runs.
                array = self.entities[m["type"]]["meta-type"] == "array"
                out[m["name"]] = True if array else []
                self._refused = True
                continue
            out[m["name"]] = self.value(m["type"], rng, depth + 1)
        if tag is not None and isinstance(out.get(tag), str):
            for variant in e.get("variants", []):
                if variant["case"] == out[tag]:
                    out.update(self.object(self.entities[variant["type"]], rng, depth + 1))
                    break
        return out

    # -- argument sets ----------------------------------------------------------------

    def typed(self, command: str, rng: random.Random) -> ArgSet:
        self._refused = False
        args = self.object(self.arg_type(command), rng, 0)
        if self._refused:  # a network member made it a bad set
            return ArgSet(command, "wrong-type", args, "network member")
        return ArgSet(command, "typed", args)

    def bad(self, command: str, kind: str, rng: random.Random) -> ArgSet | None:
        """A set with one defect of ``kind``; None when the command has no place for it."""
        args = self.object(self.arg_type(command), rng, 0)
        if kind == "extra":
            return ArgSet(command, kind, {**args, "x-fuzz-extra": rng.choice(ANY_VALUES)}, "/")
        places = list(self._places(self.arg_type(command), args, ""))
        rng.shuffle(places)
        for path, container, key, type_name in places:
            e = self.entities[type_name] if type_name else None
            if kind == "missing":
                if key is not None and type_name and self._required(container, key):
                    container.pop(key)
                    return ArgSet(command, kind, args, path)
                continue
            if e is None:
                continue
            jt = self.json_type(type_name)
            if kind == "wrong-type" and jt in OTHER_TYPE:
                container[key] = rng.choice(OTHER_TYPE[jt])
                return ArgSet(command, kind, args, path)
            if kind == "bad-enum" and e["meta-type"] == "enum":
                container[key] = "x-fuzz-bogus"
                return ArgSet(command, kind, args, path)
            if kind == "huge-int" and jt == "int":
                container[key] = rng.choice(HUGE_INTS)
                return ArgSet(command, kind, args, path)
        return None

    def _required(self, container: Any, key: Any) -> bool:
        marks = getattr(container, "_required", None)
        return bool(marks and key in marks)

    def _places(
        self, e: dict[str, Any], value: Any, path: str
    ) -> Iterator[tuple[str, Any, Any, str]]:
        """(path, container, key, type) of every member value present in ``value``."""
        if not isinstance(value, dict):
            return
        members = {m["name"]: m for m in e.get("members", [])}
        tag = e.get("tag")
        if tag is not None and isinstance(value.get(tag), str):
            for variant in e.get("variants", []):
                if variant["case"] == value[tag]:
                    members.update(
                        {m["name"]: m for m in self.entities[variant["type"]]["members"]}
                    )
        required = _RequiredDict(value, {n for n, m in members.items() if "default" not in m})
        for name, m in members.items():
            if name not in value or name in NETWORK_MEMBERS:
                continue
            sub = f"{path}/{name}"
            yield sub, required, name, m["type"]
            yield from self._places_in(m["type"], value[name], sub)

    def _places_in(
        self, type_name: str, value: Any, path: str
    ) -> Iterator[tuple[str, Any, Any, str]]:
        e = self.entities[type_name]
        if e["meta-type"] == "object":
            yield from self._places(e, value, path)
        elif e["meta-type"] == "array" and isinstance(value, list):
            for i, item in enumerate(value):
                sub = f"{path}/{i}"
                yield sub, value, i, e["element-type"]
                yield from self._places_in(e["element-type"], item, sub)

    def sets(self, command: str, count: int, seed: int = 0) -> list[ArgSet]:
        """``count`` sets for ``command``: the kinds in turn, typed ones first."""
        rng = random.Random(f"{seed}:{command}")
        out: list[ArgSet] = []
        misses = 0
        while len(out) < count and misses < 4 * count + 20:
            kind = KINDS[len(out) % len(KINDS)] if misses == 0 else rng.choice(KINDS)
            made = self.typed(command, rng) if kind == "typed" else self.bad(command, kind, rng)
            if made is None:
                misses += 1
                continue
            out.append(made)
        return out


class _RequiredDict:
    """A member's container, knowing which of its members are required.

    It writes through to the real dict (that is what the set is made of).
    """

    def __init__(self, target: dict[str, Any], required: set[str]) -> None:
        self.target = target
        self._required = required

    def __setitem__(self, key: str, value: Any) -> None:
        self.target[key] = value

    def pop(self, key: str) -> Any:
        return self.target.pop(key)
