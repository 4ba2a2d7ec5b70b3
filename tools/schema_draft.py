"""Draft schema text for QEMU commands and events from recorded introspection.

Reads the recorded ``query-qmp-schema`` of QEMU 7.2
(tests/golden/qapi/query-qmp-schema.json) and prints, in qmonitor's schema
language, the definitions a list of commands and events need: the shapes
are QEMU's interface facts, the names of types (masked in the recording)
come from ``--name PATH=Name`` (PATH is ``owner.member``, ``owner.case``
for a union branch, ``owner[]`` for an array's element) or are made from
the path, and every doc comment is a placeholder to be written by hand.
Types whose structure equals one the machine schema already has are
reused by name, not drafted again.

Usage: ``python tools/schema_draft.py [--name PATH=Name ...] NAME...``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "qapi" / "query-qmp-schema.json"
BUILTINS = {"str", "int", "number", "bool", "null", "any"}


def _camel(path: str) -> str:
    out = []
    for part in path.replace("[]", ".Elt").replace("_", "-").replace(".", "-").split("-"):
        if part:
            out.append(part[0].upper() + part[1:])
    return "".join(out)


def _wrap(body: str, width: int = 92) -> str:
    """Break lines longer than ``width`` after commas, under their opening brace."""
    lines = []
    for line in body.split("\n"):
        brace = line.find("{ ", 1)
        indent = " " * (brace + 2 if brace >= 0 else 4)
        while len(line) > width:
            cut = line.rfind(", ", 0, width)
            if cut < 0:
                break
            lines.append(line[: cut + 1])
            line = indent + line[cut + 2 :]
        lines.append(line)
    return "\n".join(lines)


class Drafter:
    """Walks QEMU's entries and writes definitions for what they reference."""

    def __init__(self, qemu: list[dict[str, Any]]) -> None:
        self.by_num = {e["name"]: e for e in qemu}
        self.names: dict[str, str] = {}
        self.given: dict[str, str] = {}
        self.out: list[str] = []
        self.existing = self._existing_names()

    def _existing_names(self) -> set[str]:
        """The names the machine schema already defines: a path named so is not drafted."""
        sys.path.insert(0, str(ROOT / "src"))
        from qmonitor.machine.schema import SCHEMA

        return set(re.findall(r"'(?:struct|enum|union|alternate)': '([^']+)'", SCHEMA))

    def ref(self, num: str, path: str) -> str:
        entry = self.by_num[num]
        meta = entry["meta-type"]
        if meta == "builtin":
            return num
        if meta == "array":
            return "[ '" + self.ref(entry["element-type"], path + "[]") + "' ]"
        if num in self.names:
            return self.names[num]
        name = self.given.get(path, _camel(path))
        self.names[num] = name
        if name not in self.existing:
            self.define(name, entry, path)
        return name

    def member(self, member: dict[str, Any], path: str) -> str:
        typ = self.ref(member["type"], path + "." + member["name"])
        key = ("*" if "default" in member else "") + member["name"]
        typ = typ if typ.startswith("[") else f"'{typ}'"
        if "features" in member:
            feats = ", ".join(f"'{f}'" for f in member["features"])
            return f"'{key}': {{ 'type': {typ}, 'features': [ {feats} ] }}"
        return f"'{key}': {typ}"

    def members(self, entry: dict[str, Any], path: str) -> str:
        if not entry["members"]:
            return "{}"
        return "{ " + ", ".join(self.member(m, path) for m in entry["members"]) + " }"

    def define(self, name: str, entry: dict[str, Any], path: str) -> None:
        meta = entry["meta-type"]
        feats = ""
        if entry.get("features"):
            feats = ",\n  'features': [ " + ", ".join(f"'{f}'" for f in entry["features"]) + " ]"
        if meta == "enum":
            vals = []
            for m in entry["members"]:
                if "features" in m:
                    fs = ", ".join(f"'{f}'" for f in m["features"])
                    vals.append(f"{{ 'name': '{m['name']}', 'features': [ {fs} ] }}")
                else:
                    vals.append(f"'{m['name']}'")
            body = f"{{ 'enum': '{name}',\n  'data': [ {', '.join(vals)} ]{feats} }}"
        elif meta == "alternate":
            branches = []
            for m in entry["members"]:
                t = self.ref(m["type"], path + ".alt")
                key = {"str": "s", "int": "i", "bool": "b", "null": "n", "number": "f"}.get(t, "o")
                branches.append(f"'{key}': " + (t if t.startswith("[") else f"'{t}'"))
            body = f"{{ 'alternate': '{name}',\n  'data': {{ {', '.join(branches)} }}{feats} }}"
        elif "variants" in entry:
            base = self.members(entry, path)
            cases = ", ".join(
                f"'{v['case']}': '{self.ref(v['type'], path + '.' + v['case'])}'"
                for v in entry["variants"]
            )
            body = (
                f"{{ 'union': '{name}',\n  'base': {base},\n"
                f"  'discriminator': '{entry['tag']}',\n  'data': {{ {cases} }}{feats} }}"
            )
        else:
            body = f"{{ 'struct': '{name}',\n  'data': {self.members(entry, path)}{feats} }}"
        self.out.append(f"##\n# @{name}:\n#\n# TODO\n##\n{_wrap(body)}\n")

    def top(self, name: str, entry: dict[str, Any]) -> None:
        meta = entry["meta-type"]
        parts = [f"'{meta}': '{name}'"]
        arg = self.by_num[entry["arg-type"]]
        if arg["members"] or "variants" in arg:
            if "variants" in arg:
                parts.append(f"'data': '{self.ref(entry['arg-type'], name)}'")
                parts.append("'boxed': true")
            else:
                parts.append(f"'data': {self.members(arg, name)}")
        if meta == "command":
            ret = self.by_num[entry["ret-type"]]
            if not (ret["meta-type"] == "object" and not ret["members"]):
                t = self.ref(entry["ret-type"], name + ".ret")
                parts.append("'returns': " + (t if t.startswith("[") else f"'{t}'"))
            if entry.get("allow-oob"):
                parts.append("'allow-oob': true")
        if entry.get("features"):
            parts.append("'features': [ " + ", ".join(f"'{f}'" for f in entry["features"]) + " ]")
        body = "{ " + ",\n  ".join(parts) + " }"
        self.out.append(f"##\n# @{name}:\n#\n# TODO\n##\n{_wrap(body)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--name", action="append", default=[])
    parser.add_argument("names", nargs="+")
    args = parser.parse_args()
    qemu = json.loads(json.loads(GOLDEN.read_text())["reply"])["return"]
    drafter = Drafter(qemu)
    for pair in args.name:
        path, _, name = pair.partition("=")
        drafter.given[path] = name
    tops = {e["name"]: e for e in qemu if e["meta-type"] in ("command", "event")}
    for name in args.names:
        drafter.top(name, tops[name])
    print("\n".join(drafter.out))


if __name__ == "__main__":
    main()
