"""Which CPUID features the host's KVM lacks for a CPU model, and QEMU 7.2's words for them.

Under KVM, QEMU realizes each vCPU by taking the features its model asks
for (with ``+feat``/``-feat`` and ``feat=on|off``), and dropping those the
host's KVM does not offer (target/i386/cpu.c: x86_cpu_filter_features):
each dropped bit is a warning ``host doesn't support requested feature:
CPUID.01H:ECX.pni [bit 0]``, unless ``check=off``; with ``enforce`` the
vCPU then fails ("Host doesn't support requested features").  What KVM
offers is its ``KVM_GET_SUPPORTED_CPUID`` table and feature MSRs, which
QEMU adjusts for the bits it knows it can offer anyway, or cannot
(target/i386/kvm/kvm.c: kvm_arch_get_supported_cpuid and
kvm_arch_get_supported_msr_feature).

This module is sans-IO: the host's table comes in as a :class:`KvmHost`
(read from ``/dev/kvm`` by :mod:`qmonitor.machine.kvm_host`, or from a
recording), the warnings go out as strings.  The feature words and the
features each model asks for under KVM were recorded from QEMU
(tools/record_kvm_cpuid.py: ``data/cpu_feature_words.json`` and
``data/cpu_model_features_kvm.json``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

# Texts of target/i386/cpu.c (QEMU 7.2).
HOST_LACKS: Final = "host doesn't support requested feature"
HOST_LACKS_ENFORCED: Final = "Host doesn't support requested features"
DEPENDS: Final = "This feature depends on other features that were not requested"

#: The registers of a CPUID leaf, in kvm_cpuid_entry2's order.
REGISTERS: Final = ("EAX", "EBX", "ECX", "EDX")
#: kvm_cpuid_entry2.flags: the entry's subleaf (index) matters.
FLAG_SIGNIFICANT_INDEX: Final = 1
KVM_CPUID_FEATURES: Final = 0x40000001

# Bits QEMU fixes up in KVM's answer (target/i386/cpu.h names in comments).
_LEAF1_EDX_ALWAYS: Final = (1 << 12) | (1 << 16) | (1 << 7) | (1 << 14)  # MTRR PAT MCE MCA
_HYPERVISOR: Final = 1 << 31
_TSC_DEADLINE: Final = 1 << 24
_X2APIC: Final = 1 << 21
_ARAT: Final = 1 << 2
_RTM_HLE: Final = (1 << 11) | (1 << 4)
_ARCH_CAPABILITIES: Final = 1 << 29
_TOPOEXT: Final = 1 << 22
_XSAVE: Final = 1 << 26
#: CPUID[1].EDX bits AMD also shows in CPUID[8000_0001].EDX (CPUID_EXT2_AMD_ALIASES).
_AMD_ALIASES: Final = 0x0183F3FF
_PV_UNHALT: Final = 1 << 7
_MSI_EXT_DEST_ID: Final = 1 << 15
_HINTS_REALTIME: Final = 1 << 0
#: VMX control MSRs whose value is (can be one) << 32 | (must be one).
_VMX_CONTROL_MSRS: Final = frozenset((0x48B, 0x48D, 0x48E, 0x48F, 0x490))
_VMX_PROCBASED_CTLS2: Final = 0x48B
#: VMX secondary controls QEMU adds when KVM forgot to: (leaf, subleaf, reg, bit) -> control.
_CTLS2_FIXUPS: Final = (
    ((0xD, 1, "EAX", 1 << 3), 1 << 20),  # XSAVES -> XSAVES
    ((1, 0, "ECX", 1 << 30), 1 << 11),  # RDRAND -> RDRAND exiting
    ((7, 0, "EBX", 1 << 10), 1 << 12),  # INVPCID -> enable INVPCID
    ((7, 0, "EBX", 1 << 18), 1 << 16),  # RDSEED -> RDSEED exiting
    ((0x80000001, 0, "EDX", 1 << 27), 1 << 3),  # RDTSCP -> RDTSCP
)

#: Old property names QEMU keeps as aliases of a feature (x86_cpu_initfn).
ALIASES: Final = {
    "sse3": "pni", "pclmuldq": "pclmulqdq", "sse4-1": "sse4.1", "sse4-2": "sse4.2",
    "xd": "nx", "ffxsr": "fxsr-opt", "i64": "lm", "ds_cpl": "ds-cpl",
    "tsc_adjust": "tsc-adjust", "fxsr_opt": "fxsr-opt", "lahf_lm": "lahf-lm",
    "cmp_legacy": "cmp-legacy", "nodeid_msr": "nodeid-msr", "perfctr_core": "perfctr-core",
    "perfctr_nb": "perfctr-nb", "kvm_nopiodelay": "kvm-nopiodelay", "kvm_mmu": "kvm-mmu",
    "kvm_asyncpf": "kvm-asyncpf", "kvm_asyncpf_int": "kvm-asyncpf-int",
    "kvm_steal_time": "kvm-steal-time", "kvm_pv_eoi": "kvm-pv-eoi",
    "kvm_pv_unhalt": "kvm-pv-unhalt", "kvm_poll_control": "kvm-poll-control",
    "svm_lock": "svm-lock", "nrip_save": "nrip-save", "tsc_scale": "tsc-scale",
    "vmcb_clean": "vmcb-clean", "pause_filter": "pause-filter", "sse4_1": "sse4.1",
    "sse4_2": "sse4.2",
}  # fmt: skip
#: The models whose features are whatever the accelerator offers (max_features).
HOST_MODELS: Final = frozenset(("max", "host"))


@dataclass(frozen=True, slots=True)
class FeatureWord:
    """One of QEMU's feature words: a CPUID register of a leaf, or a feature MSR."""

    name: str
    names: Mapping[int, str]
    leaf: int | None = None
    subleaf: int | None = None
    reg: str | None = None
    msr: int | None = None

    def description(self) -> str:
        """How the warning names the word (feature_word_description)."""
        if self.msr is not None:
            return f"MSR({self.msr:02X}H)"
        return f"CPUID.{self.leaf:02X}H:{self.reg}"


@lru_cache(maxsize=1)
def feature_words() -> tuple[FeatureWord, ...]:
    """QEMU 7.2's feature words in its order (recorded: data/cpu_feature_words.json)."""
    words = []
    for raw in _data("cpu_feature_words.json")["words"]:
        names = {int(bit): name for bit, name in raw["names"].items()}
        words.append(
            FeatureWord(raw["word"], names, raw.get("leaf"), raw.get("subleaf"), raw.get("reg"),
                        raw.get("msr"))
        )  # fmt: skip
    return tuple(words)


@lru_cache(maxsize=1)
def dependencies() -> tuple[tuple[int, int, int, int], ...]:
    """QEMU's feature dependencies: (word, mask) needed by (word, mask), in its order."""
    raw = _data("cpu_feature_words.json")["dependencies"]
    return tuple((a, b, c, d) for a, b, c, d in raw)


@dataclass(frozen=True, slots=True)
class XsaveAreas:
    """The XSAVE components: each one's (component, word index, feature mask), and which
    components XCR0 and XSS hold (x86_ext_save_areas, CPUID_XSTATE_*_MASK)."""

    areas: tuple[tuple[int, int, int], ...]
    xcr0_mask: int
    xss_mask: int


@lru_cache(maxsize=1)
def xsave_areas() -> XsaveAreas:
    """QEMU 7.2's XSAVE components (recorded with the feature words)."""
    raw = _data("cpu_feature_words.json")["xsave"]
    areas = tuple((a, b, c) for a, b, c in raw["areas"])
    return XsaveAreas(areas, raw["xcr0_mask"], raw["xss_mask"])


def _word_index(name: str) -> int:
    return next(i for i, word in enumerate(feature_words()) if word.name == name)


def feature_name(index: int, bit: int) -> str | None:
    """A bit's name as QEMU lists it (x86_cpu_feature_name): an XCR0 component by its feature."""
    word = feature_words()[index]
    if word.name in ("FEAT_XSAVE_XCR0_LO", "FEAT_XSAVE_XCR0_HI"):
        component = bit + 32 if word.name.endswith("HI") else bit
        for number, src, mask in xsave_areas().areas:
            if number == component and mask:
                low = (mask & -mask).bit_length() - 1
                return feature_words()[src].names.get(low)
    return word.names.get(bit)


def _enable_xsave_components(features: list[int]) -> None:
    """The XSAVE components the features ask for (x86_cpu_enable_xsave_components)."""
    xcr0_lo, xcr0_hi = _word_index("FEAT_XSAVE_XCR0_LO"), _word_index("FEAT_XSAVE_XCR0_HI")
    xss_lo, xss_hi = _word_index("FEAT_XSAVE_XSS_LO"), _word_index("FEAT_XSAVE_XSS_HI")
    leaf1_ecx = _word_index("FEAT_1_ECX")
    mask = 0
    if features[leaf1_ecx] & _XSAVE:
        for component, src, bits in xsave_areas().areas:
            if features[src] & bits:
                mask |= 1 << component
    areas = xsave_areas()
    features[xcr0_lo] = mask & areas.xcr0_mask & 0xFFFFFFFF
    features[xcr0_hi] = (mask & areas.xcr0_mask) >> 32
    features[xss_lo] = mask & areas.xss_mask & 0xFFFFFFFF
    features[xss_hi] = (mask & areas.xss_mask) >> 32


@lru_cache(maxsize=1)
def _bits_by_name() -> dict[str, tuple[tuple[int, int], ...]]:
    """Each feature name's (word index, bit)s: one name may stand for two bits (kvmclock)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for index, word in enumerate(feature_words()):
        for bit, name in sorted(word.names.items()):
            out.setdefault(name, []).append((index, bit))
    return {name: tuple(bits) for name, bits in out.items()}


@lru_cache(maxsize=1)
def model_features_kvm() -> dict[str, tuple[str, ...]]:
    """The features each model asks for under KVM (recorded expansion on ``-M pc``)."""
    return {model: tuple(names) for model, names in _data("cpu_model_features_kvm.json").items()}


def _data(name: str) -> Any:
    path = os.path.join(os.path.dirname(__file__), "data", name)
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def feature_bits(name: str) -> tuple[tuple[int, int], ...] | None:
    """The (word index, bit)s a feature property sets, None for no feature of that name."""
    return _bits_by_name().get(ALIASES.get(name, name))


@dataclass(frozen=True, slots=True)
class KvmHost:
    """What the host's KVM said when asked, as QEMU asks it.

    ``cpuid``: KVM_GET_SUPPORTED_CPUID's entries as (function, index,
    flags, eax, ebx, ecx, edx); ``feature_msrs``: the feature MSRs
    (KVM_GET_MSR_FEATURE_INDEX_LIST) and their values (KVM_GET_MSRS);
    ``msrs``: KVM_GET_MSR_INDEX_LIST; ``tsc_deadline``: the
    KVM_CAP_TSC_DEADLINE_TIMER extension; ``tsx_broken``: a Haswell whose
    TSX QEMU does not trust (host_tsx_broken).
    """

    cpuid: tuple[tuple[int, int, int, int, int, int, int], ...]
    feature_msrs: Mapping[int, int] = field(default_factory=dict)
    msrs: frozenset[int] = frozenset()
    tsc_deadline: bool = False
    tsx_broken: bool = False
    #: KVM_GET_DEVICE_ATTR(KVM_X86_XCOMP_GUEST_SUPP), None where KVM cannot say
    xcomp_guest_supp: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON form of the table (what the recorder keeps)."""
        return {
            "cpuid": [list(entry) for entry in self.cpuid],
            "feature_msrs": {f"{index:#x}": value for index, value in self.feature_msrs.items()},
            "msrs": sorted(self.msrs),
            "tsc_deadline": self.tsc_deadline,
            "tsx_broken": self.tsx_broken,
            "xcomp_guest_supp": self.xcomp_guest_supp,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> KvmHost:
        """The table :meth:`to_json` wrote."""
        return cls(
            cpuid=tuple((a, b, c, d, e, f, g) for a, b, c, d, e, f, g in raw["cpuid"]),
            feature_msrs={int(index, 16): value for index, value in raw["feature_msrs"].items()},
            msrs=frozenset(raw["msrs"]),
            tsc_deadline=bool(raw["tsc_deadline"]),
            tsx_broken=bool(raw["tsx_broken"]),
            xcomp_guest_supp=raw.get("xcomp_guest_supp"),
        )

    def raw_cpuid(self, function: int, index: int, reg: str) -> int:
        """A register of KVM's entry for the leaf, 0 without one (cpuid_find_entry)."""
        for entry in self.cpuid:
            if entry[0] != function:
                continue
            if entry[2] & FLAG_SIGNIFICANT_INDEX and entry[1] != index:
                continue
            return entry[3 + REGISTERS.index(reg)]
        return 0


@dataclass(frozen=True, slots=True)
class KvmSetup:
    """How QEMU set KVM up: the in-kernel irqchip (``on``, ``split`` or ``off``)."""

    irqchip: str = "on"


def supported_cpuid(
    host: KvmHost, function: int, index: int, reg: str, setup: KvmSetup = KvmSetup()
) -> int:
    """A CPUID register as QEMU takes KVM's support of it (kvm_arch_get_supported_cpuid)."""
    value = host.raw_cpuid(function, index, reg)
    in_kernel = setup.irqchip != "off"
    if function == 1 and reg == "EDX":
        value |= _LEAF1_EDX_ALWAYS
    elif function == 1 and reg == "ECX":
        value |= _HYPERVISOR
        if in_kernel and host.tsc_deadline:
            value |= _TSC_DEADLINE
        if not in_kernel:
            value &= ~_X2APIC
    elif function == 6 and reg == "EAX":
        value |= _ARAT
    elif function == 7 and index == 0 and reg == "EBX":
        if host.tsx_broken:
            value &= ~_RTM_HLE
    elif function == 7 and index == 0 and reg == "EDX":
        if 0x10A not in host.msrs:
            value &= ~_ARCH_CAPABILITIES
    elif function == 0xD and index == 0 and reg in ("EAX", "EDX"):
        # KVM's table leaves out the components a process must ask for
        # (arch_prctl): QEMU takes the whole set from the device attribute.
        if host.xcomp_guest_supp is not None:
            supp = host.xcomp_guest_supp
            value = supp & 0xFFFFFFFF if reg == "EAX" else supp >> 32
    elif function == 0x80000001 and reg == "ECX":
        value |= _TOPOEXT
    elif function == 0x80000001 and reg == "EDX":
        value |= supported_cpuid(host, 1, 0, "EDX", setup) & _AMD_ALIASES
    elif function == KVM_CPUID_FEATURES and reg == "EAX":
        if not in_kernel:
            value &= ~_PV_UNHALT
        if setup.irqchip == "split":
            value |= _MSI_EXT_DEST_ID
    elif function == KVM_CPUID_FEATURES and reg == "EDX":
        value |= _HINTS_REALTIME
    return value


def supported_msr(host: KvmHost, index: int, setup: KvmSetup = KvmSetup()) -> int:
    """A feature MSR as QEMU takes KVM's support of it (kvm_arch_get_supported_msr_feature)."""
    if index not in host.feature_msrs:
        return 0
    value = host.feature_msrs[index]
    if index == _VMX_PROCBASED_CTLS2 and _VMX_PROCBASED_CTLS2 not in host.msrs:
        for (function, sub, reg, bit), control in _CTLS2_FIXUPS:
            if supported_cpuid(host, function, sub, reg, setup) & bit:
                value |= control << 32
    if index in _VMX_CONTROL_MSRS:
        must_be_one = value & 0xFFFFFFFF
        can_be_one = value >> 32
        return can_be_one & ~must_be_one
    return value


def supported_word(host: KvmHost, word: FeatureWord, setup: KvmSetup = KvmSetup()) -> int:
    """The bits of ``word`` the host's KVM offers (x86_cpu_get_supported_feature_word)."""
    if word.msr is not None:
        return supported_msr(host, word.msr, setup)
    assert word.leaf is not None and word.reg is not None
    return supported_cpuid(host, word.leaf, word.subleaf or 0, word.reg, setup)


def _describe(prefix: str, word: FeatureWord, mask: int) -> list[str]:
    """One warning per bit of ``mask`` (mark_unavailable_features)."""
    out = []
    for bit in range(64):
        if mask >> bit & 1:
            name = word.names.get(bit)
            suffix = f".{name}" if name else ""
            out.append(f"{prefix}: {word.description()}{suffix} [bit {bit}]")
    return out


@dataclass(slots=True)
class RequestedFeatures:
    """The feature bits a vCPU asks for, per word, and those its user set.

    ``warnings``: what expanding them said (features dropped for want of
    the features they depend on), and ``dropped`` whether any was.
    """

    features: list[int]
    user: list[int]
    warnings: list[str] = field(default_factory=list)
    dropped: bool = False

    def set(self, name: str, on: bool) -> None:
        """Turn a feature on or off as its property does (and remember the user did)."""
        for index, bit in feature_bits(name) or ():
            if on:
                self.features[index] |= 1 << bit
            else:
                self.features[index] &= ~(1 << bit)
            self.user[index] |= 1 << bit


def requested_features(
    model: str,
    settings: Iterable[tuple[str, bool]],
    host: KvmHost,
    setup: KvmSetup = KvmSetup(),
    *,
    expose_kvm: bool = True,
) -> RequestedFeatures:
    """What a vCPU of ``model`` asks for under KVM once ``settings`` (name, on) are applied.

    ``settings`` are the ``feat=on|off`` globals then the ``+feat`` and
    ``-feat`` items, in the order QEMU applies them.  ``max`` and ``host``
    then take every feature KVM offers that the user did not set.
    """
    words = feature_words()
    requested = RequestedFeatures([0] * len(words), [0] * len(words))
    for name in model_features_kvm().get(model, ()):
        for index, bit in feature_bits(name) or ():
            requested.features[index] |= 1 << bit
    for name, on in settings:
        requested.set(name, on)
    if model in HOST_MODELS:
        for index, word in enumerate(words):
            requested.features[index] |= supported_word(host, word, setup) & ~requested.user[index]
    # x86_cpu_expand_features: a feature whose dependency is off goes, said
    # only when the user asked for it (and counted for ``enforce`` then).
    for src, src_mask, dst, dst_mask in dependencies():
        if not requested.features[src] & src_mask:
            gone = requested.features[dst] & dst_mask
            told = gone & requested.user[dst]
            requested.warnings.extend(_describe(DEPENDS, words[dst], told))
            requested.dropped |= bool(told)
            requested.features[dst] &= ~gone
    if not expose_kvm:
        requested.features[_word_index("FEAT_KVM")] = 0
    _enable_xsave_components(requested.features)
    return requested


def filtered_warnings(
    requested: RequestedFeatures, host: KvmHost, setup: KvmSetup = KvmSetup()
) -> tuple[list[str], bool]:
    """QEMU's warnings for the requested features KVM lacks, and whether any was dropped.

    One warning per bit, in QEMU's order of words then bits
    (mark_unavailable_features).
    """
    warnings: list[str] = []
    for index, word in enumerate(feature_words()):
        missing = requested.features[index] & ~supported_word(host, word, setup)
        warnings.extend(_describe(HOST_LACKS, word, missing))
    return warnings, bool(warnings)


def unavailable_features(model: str, host: KvmHost, setup: KvmSetup = KvmSetup()) -> list[str]:
    """The features of ``model`` KVM lacks, named as query-cpu-definitions names them."""
    requested = requested_features(model, (), host, setup)
    out: list[str] = []
    for index, word in enumerate(feature_words()):
        missing = requested.features[index] & ~supported_word(host, word, setup)
        for bit in range(64):
            name = feature_name(index, bit) if missing >> bit & 1 else None
            if name is not None:
                out.append(name)
    return out


@dataclass(frozen=True, slots=True)
class CpuRequest:
    """A ``-cpu`` line as the filter needs it: the model, its feature settings, check, enforce."""

    model: str
    settings: tuple[tuple[str, bool], ...] = ()
    check: bool = True
    enforce: bool = False
    expose_kvm: bool = True


_TRUE: Final = frozenset(("on", "yes", "true", "y"))


def cpu_request(arg: str) -> CpuRequest:
    """Read ``-cpu MODEL,feat=on,+feat,-feat,...`` (already checked) as QEMU applies it.

    The ``name=value`` items are global properties set as the vCPU is
    made, the ``+feat`` then the ``-feat`` items are set when it is
    realized (x86_cpu_parse_featurestr, x86_cpu_expand_features).
    """
    model, _, rest = arg.partition(",")
    settings: list[tuple[str, bool]] = []
    plus: list[str] = []
    minus: list[str] = []
    check, enforce, expose_kvm = True, False, True
    for item in (token for token in rest.split(",") if token):
        if item[0] == "+":
            plus.append(item[1:])
        elif item[0] == "-":
            minus.append(item[1:])
        else:
            name, eq, value = item.partition("=")
            name = name.replace("_", "-")
            on = value in _TRUE if eq else True
            if name == "check":
                check = on
            elif name == "enforce":
                enforce = on
            elif name == "kvm":
                expose_kvm = on
            elif feature_bits(name) is not None:
                settings.append((name, on))
    settings += [(name, True) for name in plus] + [(name, False) for name in minus]
    return CpuRequest(model, tuple(settings), check, enforce, expose_kvm)


def realize_messages(
    request: CpuRequest, host: KvmHost, setup: KvmSetup = KvmSetup()
) -> tuple[list[str], str | None]:
    """What realizing one vCPU under KVM says: its warnings, and its error (None: it starts)."""
    requested = requested_features(
        request.model, request.settings, host, setup, expose_kvm=request.expose_kvm
    )
    warnings, dropped = filtered_warnings(requested, host, setup)
    said = requested.warnings + (warnings if request.check or request.enforce else [])
    failed = request.enforce and (dropped or requested.dropped)
    return said, HOST_LACKS_ENFORCED if failed else None
