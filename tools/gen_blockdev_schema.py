"""Write the schema of ``blockdev-add``'s argument from QEMU 7.2's introspection.

``blockdev-add`` takes BlockdevOptions: a union over every block driver of
Debian's x86_64 build, some ninety types deep.  Their shape is a fact QEMU
outputs (``query-qmp-schema``, recorded in tests/golden/qapi/ by
tools/record_qapi.py); this tool turns that recording into schema text in
our own words, so the shape cannot drift from QEMU's:

- every object, enum and alternate reachable from ``blockdev-add`` becomes a
  definition; a type whose resolved shape equals one our schema already
  defines is reused by name instead;
- QEMU masks type names, so each new type is named after where it is first
  met (``BlockdevOptions`` + driver, parent + member), with a few names
  chosen by hand (:data:`NAMES`);
- docs are one generated sentence per type.

Usage: ``python tools/gen_blockdev_schema.py`` rewrites
src/qmonitor/machine/schema/block_options*.py.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

GOLDEN = ROOT / "tests" / "golden" / "qapi" / "query-qmp-schema.json"
OUT = ROOT / "src" / "qmonitor" / "machine" / "schema"

#: Generated name -> the name we give it.
NAMES = {
    "BlockdevOptionsDriver": "BlockdevDriver",
    "BlockdevOptionsDiscard": "BlockdevDiscardOptions",
    "BlockdevOptionsCache": "BlockdevCacheOptions",
    "BlockdevOptionsBochs": "BlockdevOptionsGenericFormat",
    "BlockdevOptionsNullAio": "BlockdevOptionsNull",
    "BlockdevOptionsFile": "BlockdevOptionsFile",
    "BlockdevOptionsQed": "BlockdevOptionsGenericCOWFormat",
    "BlockdevOptionsBlkdebugImage": "BlockdevRef",
    "BlockdevOptionsQcow2Backing": "BlockdevRefOrNull",
    "BlockdevOptionsQcow2OverlapCheck": "Qcow2OverlapChecks",
    "BlockdevOptionsQcow2OverlapCheckValue": "Qcow2OverlapCheckFlags",
    "BlockdevOptionsQcow2OverlapCheckValueTemplate": "Qcow2OverlapCheckMode",
    "BlockdevOptionsBlkdebugInjectError": "BlkdebugInjectErrorOptions",
    "BlockdevOptionsBlkdebugSetState": "BlkdebugSetStateOptions",
    "BlockdevOptionsBlkdebugInjectErrorEvent": "BlkdebugEvent",
    "BlockdevOptionsBlkdebugInjectErrorIotype": "BlkdebugIOType",
    "BlockdevOptionsCopyBeforeWriteBitmap": "BlockDirtyBitmap",
    "BlockdevOptionsCopyBeforeWriteOnCbwError": "OnCbwError",
    "BlockdevOptionsFileLocking": "OnOffAuto",
    "BlockdevOptionsFileAio": "BlockdevAioOptions",
    "BlockdevOptionsIscsiTransport": "IscsiTransport",
    "BlockdevOptionsIscsiHeaderDigest": "IscsiHeaderDigest",
    "BlockdevOptionsNfsServer": "NFSServer",
    "BlockdevOptionsNfsServerType": "NFSTransport",
    "BlockdevOptionsQcow2Encrypt": "BlockdevQcow2Encryption",
    "BlockdevOptionsQcow2EncryptAes": "QCryptoBlockOptionsQCow",
    "BlockdevOptionsQcow2EncryptLuks": "QCryptoBlockOptionsLUKS",
    "BlockdevOptionsQcowEncrypt": "BlockdevQcowEncryption",
    "BlockdevOptionsQcowEncryptFormat": "BlockdevQcowEncryptionFormat",
    "BlockdevOptionsQuorumReadPattern": "QuorumReadPattern",
    "BlockdevOptionsRbdEncrypt": "RbdEncryptionOptions",
    "BlockdevOptionsRbdAuthClientRequired": "RbdAuthMode",
    "BlockdevOptionsRbdServer": "InetSocketAddressBase",
    "BlockdevOptionsRbdEncryptLuks": "RbdEncryptionOptionsLUKS",
    "BlockdevOptionsRbdEncryptLuks2": "RbdEncryptionOptionsLUKS2",
    "BlockdevOptionsReplicationMode": "ReplicationMode",
    "BlockdevOptionsSshHostKeyCheck": "SshHostKeyCheck",
    "BlockdevOptionsSshHostKeyCheckMode": "SshHostKeyCheckMode",
    "BlockdevOptionsSshHostKeyCheckHash": "SshHostKeyHash",
    "BlkdebugInjectErrorOptionsEvent": "BlkdebugEvent",
    "BlkdebugInjectErrorOptionsIotype": "BlkdebugIOType",
    "NFSServerType": "NFSTransport",
    "Qcow2OverlapChecksObject": "Qcow2OverlapCheckFlags",
    "Qcow2OverlapChecksEnum": "Qcow2OverlapCheckMode",
    "BlockdevQcow2EncryptionAes": "QCryptoBlockOptionsQCow",
    "BlockdevQcow2EncryptionLuks": "QCryptoBlockOptionsLUKS",
    "RbdEncryptionOptionsLuks": "RbdEncryptionOptionsLUKS",
    "RbdEncryptionOptionsLuks2": "RbdEncryptionOptionsLUKS2",
    "SshHostKeyCheckHash": "SshHostKeyHash",
    "SshHostKeyHashType": "SshHostKeyCheckHashType",
}

_LINES_PER_MODULE = 700

#: What the features mean, in our words.
FEATURES = {
    "deprecated": "may go away in a later version",
    "unstable": "not a stable interface yet",
    "dynamic-auto-read-only": "the node may switch between read-only and read-write by itself",
}


def camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("_", "-").split("-"))


def resolver(entries: list[dict[str, Any]]) -> Any:
    """Resolve a type name into its structure (names of objects dropped)."""
    by_name = {e["name"]: e for e in entries}

    def ref(type_name: str, stack: tuple[str, ...]) -> Any:
        if type_name in stack:
            return ("recursive", stack.index(type_name))
        return walk(by_name[type_name], (*stack, type_name))

    def walk(entry: dict[str, Any], stack: tuple[str, ...]) -> Any:
        out: list[Any] = []
        for key, value in sorted(entry.items()):
            if key == "name":
                continue
            if key in ("arg-type", "ret-type", "element-type", "type"):
                out.append((key, ref(value, stack)))
            elif key in ("members", "variants"):
                out.append(
                    (
                        key,
                        tuple(walk(m, stack) if "meta-type" in m else sub(m, stack) for m in value),
                    )
                )
            else:
                out.append((key, json.dumps(value)))
        return tuple(out)

    def sub(member: dict[str, Any], stack: tuple[str, ...]) -> Any:
        return tuple(
            (k, ref(v, stack) if k == "type" else json.dumps(v)) for k, v in sorted(member.items())
        )

    return lambda name: ref(name, ())


def schema_without_us() -> Any:
    """Our schema without the generated parts (BlockdevOptions left empty)."""
    from qmonitor.machine.schema import FNAME, SCHEMA, block_options, block_options2
    from qmonitor.qapi.schema import load_schema_text

    text = SCHEMA.replace(block_options.TEXT, "").replace(block_options2.TEXT, "")
    text += "{ 'struct': 'BlockdevOptions', 'data': {} }\n"
    return load_schema_text(text, FNAME, ())


def existing_types() -> dict[Any, str]:
    """Our schema's reachable types, by resolved shape."""
    from qmonitor.qapi.introspect import schema_info

    ours = schema_info(schema_without_us(), unmask=True)
    res = resolver(ours)
    shapes: dict[Any, str] = {}
    for entry in ours:
        if entry["meta-type"] in ("object", "enum", "alternate"):
            shapes.setdefault(res(entry["name"]), entry["name"])
    return shapes


class Writer:
    """Turns QEMU's introspected types into definitions."""

    def __init__(
        self,
        qemu: list[dict[str, Any]],
        known: dict[Any, str],
        taken: set[str],
        names: dict[str, str] | None = None,
    ):
        self.wanted_names = NAMES if names is None else names
        self.by = {e["name"]: e for e in qemu}
        self.res = resolver(qemu)
        self.known = known
        self.taken = taken
        self.names: dict[str, str] = {}
        self.uses: dict[str, list[str]] = {}
        self.order: list[str] = []
        self.defs: list[str] = []
        self.walked: set[str] = set()

    def name(self, masked: str, wanted: str, use: str) -> str:
        entry = self.by[masked]
        if entry["meta-type"] == "builtin":
            return masked
        if entry["meta-type"] == "array":
            return "[" + self.name(entry["element-type"], wanted, use) + "]"
        if masked in self.names:
            self.uses[masked].append(use)
            return self.names[masked]
        shape = self.res(masked)
        if shape in self.known:
            self.names[masked] = self.known[shape]
            self.uses[masked] = [use]
            return self.names[masked]
        final = self.wanted_names.get(wanted, wanted)
        while final in self.taken:
            final += "X"
        self.taken.add(final)
        self.names[masked] = final
        self.uses[masked] = [use]
        self.order.append(masked)
        return final

    def walk(self, masked: str, final: str) -> None:
        """Name everything ``masked`` refers to, depth first."""
        self.walked.add(masked)
        entry = self.by[masked]
        todo: list[tuple[str, str]] = []
        for member in entry.get("members", []):
            if "type" in member:
                label = member.get("name", self.by[self.element(member["type"])]["meta-type"])
                got = self.name(member["type"], final + camel(label), f"@{label} of {final}")
                todo.append((self.element(member["type"]), got.strip("[]")))
        for variant in entry.get("variants", []):
            got = self.name(
                variant["type"], final + camel(variant["case"]), f"{final}'s {variant['case']}"
            )
            todo.append((variant["type"], got))
        for child, got in todo:
            if child in self.order and child not in self.walked:
                self.walk(child, got)

    def element(self, masked: str) -> str:
        while self.by[masked]["meta-type"] == "array":
            masked = self.by[masked]["element-type"]
        return masked

    @staticmethod
    def ref(name: str) -> str:
        if name.startswith("["):
            return f"[ '{name[1:-1]}' ]"
        return f"'{name}'"

    def member_text(self, member: dict[str, Any]) -> str:
        key = ("*" if "default" in member else "") + member["name"]
        tname = self.ref(self.display(member["type"]))
        if member.get("features"):
            feats = ", ".join(f"'{f}'" for f in member["features"])
            return f"'{key}': {{ 'type': {tname}, 'features': [ {feats} ] }}"
        return f"'{key}': {tname}"

    def display(self, masked: str) -> str:
        entry = self.by[masked]
        if entry["meta-type"] == "array":
            return "[" + self.display(entry["element-type"]) + "]"
        return self.names.get(masked, masked)

    def doc(self, masked: str) -> str:
        entry = self.by[masked]
        uses = self.uses[masked]
        kind = {"object": "Options", "enum": "The values", "alternate": "The forms"}[
            entry["meta-type"]
        ]
        if all("'s " in u for u in uses):
            parent = uses[0].split("'s ")[0]
            cases = ", ".join(u.split("'s ")[1] for u in uses)
            what = f"{kind} of {parent} for driver{'s' if len(uses) > 1 else ''} {cases}."
        else:
            what = f"{kind} taken by {uses[0]}" + (" and others." if len(uses) > 1 else ".")
        feats: list[str] = list(entry.get("features", []))
        for member in entry.get("members", []):
            feats += [f for f in member.get("features", []) if f not in feats]
        body = textwrap.wrap(what, 76)
        text = f"##\n# @{self.names[masked]}:\n#\n" + "".join(f"# {line}\n" for line in body)
        if feats:
            text += "#\n# Features:\n"
            text += "".join(
                f"# @{f}: {FEATURES.get(f, 'a property of this interface')}\n" for f in feats
            )
        return text + "##\n"

    def definition(self, masked: str) -> str:
        entry = self.by[masked]
        name = self.names[masked]
        meta = entry["meta-type"]
        if meta == "enum":
            values = []
            for member in entry["members"]:
                if member.get("features"):
                    feats = ", ".join(f"'{f}'" for f in member["features"])
                    values.append(f"{{ 'name': '{member['name']}', 'features': [ {feats} ] }}")
                else:
                    values.append(f"'{member['name']}'")
            body = f"{{ 'enum': '{name}',\n  'data': [ " + ",\n            ".join(values) + " ]"
        elif meta == "alternate":
            alts = []
            for member in entry["members"]:
                tname = self.display(member["type"])
                label = "list" if tname.startswith("[") else tname.lower().replace("-", "_")
                alts.append(f"'{label}': {self.ref(tname)}")
            body = f"{{ 'alternate': '{name}',\n  'data': {{ " + ",\n            ".join(alts) + " }"
        else:
            members = ",\n            ".join(self.member_text(m) for m in entry["members"])
            if "tag" in entry:
                variants = ",\n            ".join(
                    f"'{v['case']}': '{self.display(v['type'])}'" for v in entry["variants"]
                )
                body = (
                    f"{{ 'union': '{name}',\n  'base': {{ {members} }},\n"
                    f"  'discriminator': '{entry['tag']}',\n  'data': {{ {variants} }}"
                )
            else:
                body = f"{{ 'struct': '{name}',\n  'data': {{ {members} }}"
        if entry.get("features"):
            body += ",\n  'features': [ " + ", ".join(f"'{f}'" for f in entry["features"]) + " ]"
        return self.doc(masked) + body + " }\n"


HEADER = '''"""Block drivers' options, part {part}: what ``blockdev-add`` takes (block-core.json).

Generated by tools/gen_blockdev_schema.py from QEMU 7.2's introspection;
part of the null machine's schema (see :mod:`qmonitor.machine.schema`).
"""

TEXT = r"""'''


def name_exceptions(writer: Writer, by: dict[str, Any]) -> list[str]:
    """The written types with a member name QEMU's naming rules need an exception for."""
    return [
        writer.names[m]
        for m in writer.order
        if any(
            "_" in x["name"] or x["name"] != x["name"].lower()
            for x in by[m].get("members", [])
            if "name" in x
        )
    ]


def main() -> None:
    qemu = json.loads(json.loads(GOLDEN.read_text())["reply"])["return"]
    by = {e["name"]: e for e in qemu}
    taken = {e.name for e in schema_without_us().entities} - {"BlockdevOptions"}
    writer = Writer(qemu, existing_types(), taken)
    root = by["blockdev-add"]["arg-type"]
    final = writer.name(root, "BlockdevOptions", "blockdev-add")
    if root in writer.order:
        writer.walk(root, final)
    chunks = [writer.definition(m) for m in writer.order]
    exceptions = name_exceptions(writer, by)
    if exceptions:
        # One pragma serves the whole schema: it is in run_state.py.
        print("member-name-exceptions needed:", ", ".join(exceptions))
    parts: list[list[str]] = [[]]
    lines = 0
    for chunk in chunks:
        n = chunk.count("\n") + 1
        if lines + n > _LINES_PER_MODULE:
            parts.append([])
            lines = 0
        parts[-1].append(chunk)
        lines += n
    for index, part in enumerate(parts, 1):
        path = OUT / f"block_options{index if index > 1 else ''}.py"
        path.write_text(HEADER.format(part=index) + "\n".join(part) + '"""\n')
        print(path, sum(c.count("\n") + 1 for c in part))


if __name__ == "__main__":
    main()
