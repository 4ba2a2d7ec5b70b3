#!/usr/bin/env python3
"""Record what QEMU 7.2 checks of a CPU model against the host's KVM, and what it says.

Three records, each its own sub-command (``all`` runs them in turn):

``words``
    The CPUID and MSR feature words in QEMU's order, each with the leaf,
    subleaf and register (or MSR) it reads and the name of each bit, read
    from QEMU's ``target/i386/cpu.h`` and ``cpu.c`` (``--src``) into
    ``src/qmonitor/machine/data/cpu_feature_words.json``, with the
    features that need others (feature_dependencies) and the XSAVE
    components (x86_ext_save_areas): only the facts (numbers and names).
``models``
    The features each CPU model asks for under KVM: QEMU's own
    ``query-cpu-model-expansion`` (type ``full``) of every model of
    ``query-cpu-definitions`` on ``-M pc -accel kvm``, kept as the names of
    the features it turned on, into
    ``src/qmonitor/machine/data/cpu_model_features_kvm.json``.
``warnings``
    QEMU's exit status and stderr for the ``-cpu``/accelerator lines of
    :data:`CASES`, its ``query-cpu-definitions`` under KVM, and what it
    says where KVM cannot start (:data:`UNAVAILABLE`: run as nobody, or
    with ``/dev/null`` over ``/dev/kvm``; needs root), into
    ``tests/golden/kvm_cpuid/warnings.json``, with this host's KVM as QEMU
    asks it (qmonitor's own reader,
    :func:`qmonitor.machine.kvm_host.read_kvm_host`) beside them: the unit
    tests check the model of the filter against them on any machine.

Usage::

    python tools/record_kvm_cpuid.py all [--qemu PATH] [--src DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from qmonitor_testsupport.kvm_cases import CASES, QUIET, UNAVAILABLE, run_case
from qmonitor_testsupport.recording import qemu_version

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "qmonitor" / "machine" / "data"
GOLDEN = ROOT / "tests" / "golden" / "kvm_cpuid"
SRC = Path.home() / ".cache" / "qmonitor-qtest" / "src"


def _c_number(text: str, defines: dict[str, str]) -> int:
    """A C constant: a number, or a macro whose value is one."""
    text = text.strip().rstrip("U").strip()
    if text in defines:
        return _c_number(defines[text], defines)
    return int(text, 0)


def _c_mask(text: str, defines: dict[str, str]) -> int:
    """A 64-bit mask written as QEMU writes them: macros, ``<<``, ``|``, ``~``, C suffixes."""
    for _ in range(8):  # macros of macros, a few levels deep
        text = re.sub(r"\b[A-Z_][A-Za-z0-9_]*\b", lambda m: f"({defines[m.group(0)]})", text)
    text = re.sub(r"(0x[0-9a-fA-F]+|\d+)[uUlL]+", r"\1", text)
    if not re.fullmatch(r"[0-9a-fA-FxX()<>|~ +]*", text):
        raise ValueError(f"not a mask: {text}")
    return int(eval(text)) & (2**64 - 1)  # digits and operators only (checked above)


def record_dependencies(src: Path, order: list[str]) -> list[list[int]]:
    """feature_dependencies: [from word, from mask, to word, to mask], in QEMU's order."""
    header = (src / "target/i386/cpu.h").read_text()
    defines = dict(re.findall(r"^#define\s+([A-Z_][A-Z0-9_]*)\s+([^\n/]+?)\s*(?:/\*.*)?$",
                              header, re.M))  # fmt: skip
    code = (src / "target/i386/cpu.c").read_text()
    table = code[code.index("static FeatureDep feature_dependencies[] = {") :]
    table = table[: table.index("\n};")]
    out = []
    pattern = r"\.from = \{\s*(FEAT_\w+),\s*([^}]+)\},\s*\.to = \{\s*(FEAT_\w+),\s*([^}]+)\}"
    for src_word, src_mask, dst_word, dst_mask in re.findall(pattern, table):
        out.append([order.index(src_word), _c_mask(src_mask, defines),
                    order.index(dst_word), _c_mask(dst_mask, defines)])  # fmt: skip
    return out


def record_xsave_areas(src: Path, order: list[str]) -> dict[str, Any]:
    """x86_ext_save_areas: each XSAVE component's (word, mask) and the XCR0/XSS masks."""
    header = (src / "target/i386/cpu.h").read_text()
    joined = header.replace("\\\n", " ")
    defines = dict(re.findall(r"^#define\s+([A-Z_][A-Za-z0-9_]*)\s+([^\n/]+?)\s*(?:/\*.*)?$",
                              joined, re.M))  # fmt: skip
    code = (src / "target/i386/cpu.c").read_text()
    defines.update(re.findall(r"^#define\s+(CPUID_XSTATE_\w+)\s+(.+)$", code, re.M))
    table = code[code.index("ExtSaveArea x86_ext_save_areas[XSAVE_STATE_AREA_COUNT] = {") :]
    table = table[: table.index("\n};")]
    areas = []
    pattern = r"\[(XSTATE_\w+_BIT)\]\s*=\s*\{.*?\.feature = (FEAT_\w+), \.bits = (\w+)"
    for component, word, bits in re.findall(pattern, table, re.S):
        areas.append([_c_mask(component, defines), order.index(word), _c_mask(bits, defines)])
    return {
        "areas": areas,
        "xcr0_mask": _c_mask(defines["CPUID_XSTATE_XCR0_MASK"], defines),
        "xss_mask": _c_mask(defines["CPUID_XSTATE_XSS_MASK"], defines),
    }


def record_words(src: Path) -> dict[str, Any]:
    """The feature words of QEMU's FeatureWord enum with their inputs and bit names."""
    header = (src / "target/i386/cpu.h").read_text()
    defines = dict(re.findall(r"^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", header, re.M))
    para = src / "include/standard-headers/asm-x86/kvm_para.h"
    defines.update(re.findall(r"^#define\s+(\w+)\s+(0x[0-9a-fA-F]+|\d+)\b", para.read_text(), re.M))
    enum = header[header.index("typedef enum FeatureWord {") :]
    order = re.findall(r"^\s+(FEAT_\w+),", enum[: enum.index("FEATURE_WORDS,")], re.M)
    code = (src / "target/i386/cpu.c").read_text()
    table = code[code.index("FeatureWordInfo feature_word_info[FEATURE_WORDS] = {") :]
    table = re.sub(r"/\*.*?\*/", "", table, flags=re.S)
    starts = [(m.group(1), m.start()) for m in re.finditer(r"\[(FEAT_\w+)\] = \{", table)]
    bodies: dict[str, str] = {}
    for number, (name, start) in enumerate(starts):
        end = starts[number + 1][1] if number + 1 < len(starts) else table.index("\n};")
        bodies[name] = table[start:end]
    words = []
    for name in order:
        body = bodies[name]
        names_block = re.search(r"\.feat_names = \{(.*?)\}", body, re.S)
        tokens = re.findall(r'("[^"]*"|NULL)', names_block.group(1)) if names_block else []
        bits = {str(bit): tok.strip('"') for bit, tok in enumerate(tokens) if tok != "NULL"}
        word: dict[str, Any] = {"word": name, "names": bits}
        cpuid = re.search(r"\.cpuid = \{(.*?)\}", body, re.S)
        if cpuid is not None:
            fields = dict(re.findall(r"\.(\w+)\s*=\s*([^,]+)", cpuid.group(1)))
            word["leaf"] = _c_number(fields["eax"], defines)
            word["subleaf"] = _c_number(fields["ecx"], defines) if "ecx" in fields else None
            word["reg"] = fields["reg"].strip().removeprefix("R_")
        else:
            msr = re.search(r"\.msr = \{\s*\.index\s*=\s*(\w+)", body)
            assert msr is not None, name
            word["msr"] = _c_number(msr.group(1), defines)
        words.append(word)
    return {
        "words": words,
        "dependencies": record_dependencies(src, order),
        "xsave": record_xsave_areas(src, order),
    }


class _Qmp:
    """A QEMU on ``-qmp stdio``, one request at a time."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(
            [*argv, "-qmp", "stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        self.proc.stdout.readline()
        self.execute("qmp_capabilities")

    def execute(self, command: str, **arguments: Any) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        request = {"execute": command, "arguments": arguments}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        while True:
            reply = json.loads(self.proc.stdout.readline())
            if "return" in reply or "error" in reply:
                return reply

    def quit(self) -> None:
        self.execute("quit")
        self.proc.wait(timeout=30)


def record_models(qemu: str, words: dict[str, Any]) -> dict[str, list[str]]:
    """Each CPU model's features (names) as QEMU expands the model on ``-M pc`` under KVM."""
    known = {name for word in words["words"] for name in word["names"].values()}
    session = _Qmp([qemu, "-M", "pc", "-accel", "kvm", *QUIET])
    try:
        models = sorted(d["name"] for d in session.execute("query-cpu-definitions")["return"])
        out = {}
        for model in models:
            reply = session.execute("query-cpu-model-expansion", type="full", model={"name": model})
            props = reply["return"]["model"]["props"]
            out[model] = sorted(name for name, on in props.items() if on is True and name in known)
    finally:
        session.quit()
    return out


def record_definitions(qemu: str) -> Any:
    """query-cpu-definitions on ``-M pc`` under KVM: which features each model lacks here."""
    session = _Qmp([qemu, "-M", "pc", "-accel", "kvm", *QUIET])
    try:
        return session.execute("query-cpu-definitions")["return"]
    finally:
        session.quit()


def record_warnings(qemu: str) -> list[dict[str, Any]]:
    """QEMU's exit status and stderr for each case, started and told to quit."""
    out = []
    for args in CASES:
        case = {"args": list(args), **run_case([qemu], list(args))}
        case["stderr"] = case["stderr"].replace(qemu + ":", "qemu-system-x86_64:")
        out.append(case)
        print(" ".join(args), case["status"], file=sys.stderr)
    return out


def record_unavailable(qemu: str) -> list[dict[str, Any]]:
    """The same where KVM cannot start (:data:`UNAVAILABLE`)."""
    out = []
    for wrapper, args in UNAVAILABLE:
        case = {"wrapper": wrapper, "args": list(args), **run_case([qemu], list(args), wrapper)}
        case["stderr"] = case["stderr"].replace(qemu + ":", "qemu-system-x86_64:")
        out.append(case)
        print(wrapper, " ".join(args), case["status"], file=sys.stderr)
    return out


def _write(path: Path, document: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n")
    print(f"written {path}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("what", choices=("all", "words", "models", "warnings"))
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--src", type=Path, default=SRC)
    opts = parser.parse_args()
    version = qemu_version(opts.qemu)
    words_path = DATA / "cpu_feature_words.json"
    if opts.what in ("all", "words"):
        _write(words_path, record_words(opts.src))
    words = json.loads(words_path.read_text())
    if opts.what in ("all", "models"):
        _write(DATA / "cpu_model_features_kvm.json", record_models(opts.qemu, words))
    if opts.what in ("all", "warnings"):
        from qmonitor.machine.kvm_host import read_kvm_host

        host = read_kvm_host().to_json()
        cases = record_warnings(opts.qemu)
        definitions = record_definitions(opts.qemu)
        unavailable = record_unavailable(opts.qemu)
        _write(GOLDEN / "warnings.json", {"version": version, "host": host, "cases": cases,
                                          "definitions": definitions,
                                          "unavailable": unavailable})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
