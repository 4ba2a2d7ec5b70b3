"""The persona file: a QEMU's recorded replies, keyed by command and arguments.

A persona is one JSON document::

    {"format": "qmonitor-persona", "version": 1,
     "qemu": "/usr/bin/qemu-system-x86_64", "qemu-version": "QEMU emulator version ...",
     "variants": {"kvm": {"argv": [...], "replies": [REPLY, ...]}, "tcg": {...}}}

A variant is one command line the recorder ran, named by its accelerator;
``-persona`` picks the one matching the accelerator qmonitor was asked for.
Each REPLY is ``{"execute": NAME, "arguments": {...}, "return": VALUE}``
or the same with ``"error": {"class": ..., "desc": ...}``.

A variant may also hold ``"vcpus"``: for each CPU model recorded on a PC
machine, the vCPU object as ``qom-list`` and ``qom-get`` showed it
(``{"type": T, "list": [...], "get": {PROP: {"return": V} or {"error":
{...}}}, "children": {NAME: OBJECT}}``); the machine builds its live vCPUs
from it, so that ``qom-list`` and ``qom-get`` agree with each other and
with the recorded QEMU.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qmonitor.errors import QmonitorError

FORMAT = "qmonitor-persona"
FORMAT_VERSION = 1


class PersonaError(QmonitorError):
    """A persona file that cannot be used (missing, unreadable, wrong format)."""


def request_key(name: str, arguments: dict[str, Any] | None) -> str:
    """The lookup key of a request: its command and canonical arguments."""
    return name + " " + json.dumps(arguments or {}, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Reply:
    """What QEMU answered to one request: a value, or an error class and text."""

    execute: str
    arguments: dict[str, Any]
    value: Any = None
    error: tuple[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"execute": self.execute, "arguments": self.arguments}
        if self.error is not None:
            out["error"] = {"class": self.error[0], "desc": self.error[1]}
        else:
            out["return"] = self.value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        if "error" in data:
            err = data["error"]
            return cls(
                data["execute"], data.get("arguments", {}), None, (err["class"], err["desc"])
            )
        return cls(data["execute"], data.get("arguments", {}), wire_to_insertion(data["return"]))


def wire_to_insertion(value: Any) -> Any:
    """Rebuild dicts read off QEMU's wire so that qmonitor writes them back in the same order.

    QEMU writes a dict bucket by bucket, the newest key first within a
    bucket; the encoder does the same with insertion order.  Inserting the
    keys in reverse wire order makes each bucket's first key the newest
    again, so the bytes come out as QEMU sent them.
    """
    if isinstance(value, dict):
        return {key: wire_to_insertion(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [wire_to_insertion(item) for item in value]
    return value


@dataclass(slots=True)
class QomRecord:
    """One QOM object as a QEMU showed it: its type, listing, property values and children.

    ``values`` maps each non-child property to ``(value, None)`` or, for a
    property QEMU could not read, ``(None, (class, desc))``.
    """

    typename: str
    listing: list[dict[str, Any]]
    values: dict[str, tuple[Any, tuple[str, str] | None]] = field(default_factory=dict)
    children: dict[str, QomRecord] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, (value, error) in self.values.items():
            if error is not None:
                values[name] = {"error": {"class": error[0], "desc": error[1]}}
            else:
                values[name] = {"return": value}
        return {
            "type": self.typename,
            "list": self.listing,
            "get": values,
            "children": {name: child.to_json() for name, child in self.children.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QomRecord:
        values: dict[str, tuple[Any, tuple[str, str] | None]] = {}
        for name, answer in data["get"].items():
            if "error" in answer:
                values[name] = (None, (answer["error"]["class"], answer["error"]["desc"]))
            else:
                values[name] = (wire_to_insertion(answer["return"]), None)
        return cls(
            str(data["type"]),
            wire_to_insertion(data["list"]),
            values,
            {name: cls.from_json(child) for name, child in data.get("children", {}).items()},
        )


@dataclass(slots=True)
class Variant:
    """The replies recorded from one command line, and the vCPUs recorded by CPU model."""

    argv: list[str]
    replies: dict[str, Reply] = field(default_factory=dict)
    vcpus: dict[str, QomRecord] = field(default_factory=dict)

    def add(self, reply: Reply) -> None:
        self.replies[request_key(reply.execute, reply.arguments)] = reply

    def find(self, name: str, arguments: dict[str, Any] | None) -> Reply | None:
        return self.replies.get(request_key(name, arguments))

    def commands(self) -> list[str]:
        """The recorded command names, each once, in recording order."""
        return list(dict.fromkeys(reply.execute for reply in self.replies.values()))


@dataclass(slots=True)
class Persona:
    """A recorded QEMU: its identity and one :class:`Variant` per command line."""

    qemu: str
    qemu_version: str
    variants: dict[str, Variant] = field(default_factory=dict)

    def variant(self, accel: str | None) -> Variant:
        """The variant for ``accel``: its own, else ``tcg``, else the first recorded."""
        if accel is not None and accel in self.variants:
            return self.variants[accel]
        if "tcg" in self.variants:
            return self.variants["tcg"]
        return next(iter(self.variants.values()))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "qemu": self.qemu,
            "qemu-version": self.qemu_version,
            "variants": {name: _variant_json(v) for name, v in self.variants.items()},
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), separators=(",", ":")) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Persona:
        """Read a persona file.

        :raises PersonaError: with a one-line reason.
        """
        try:
            data = json.loads(Path(path).read_text())
        except OSError as exc:
            raise PersonaError(f"cannot read persona '{path}': {exc.strerror}") from None
        except ValueError as exc:
            raise PersonaError(f"persona '{path}' is not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise PersonaError(f"'{path}' is not a qmonitor persona")
        if data.get("version") != FORMAT_VERSION:
            raise PersonaError(f"persona '{path}' has unsupported version {data.get('version')}")
        try:
            persona = cls(str(data["qemu"]), str(data["qemu-version"]))
            for name, vdata in data["variants"].items():
                variant = Variant(list(vdata["argv"]))
                for rdata in vdata["replies"]:
                    variant.add(Reply.from_json(rdata))
                for model, odata in vdata.get("vcpus", {}).items():
                    variant.vcpus[str(model)] = QomRecord.from_json(odata)
                persona.variants[name] = variant
        except (KeyError, TypeError, AttributeError) as exc:
            raise PersonaError(f"persona '{path}' is malformed: {exc!r}") from None
        if not persona.variants:
            raise PersonaError(f"persona '{path}' has no recorded command line")
        return persona


def _variant_json(variant: Variant) -> dict[str, Any]:
    out: dict[str, Any] = {
        "argv": variant.argv,
        "replies": [r.to_json() for r in variant.replies.values()],
    }
    if variant.vcpus:
        out["vcpus"] = {model: record.to_json() for model, record in variant.vcpus.items()}
    return out
