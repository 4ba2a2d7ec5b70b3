"""QEMU 7.2's x86 CPU models and their properties, and how ``-cpu`` is checked against them.

``-cpu MODEL,feat,...`` is read by QEMU late, after the chardevs are
open (vl.c: parse_cpu_option), and acted on when the first vCPU is made:
the model must name a CPU class, the ``name=value`` items become global
properties applied as the vCPU object is created ("can't apply global
..." when one does not fit), and the ``+feat``/``-feat`` items are set
when it is realized.  qmonitor makes no vCPU but checks the same things
in the same order, with QEMU's texts, so a command line QEMU refuses is
refused here too.  The tables are QEMU 7.2's (``-cpu help``,
``qom-list-properties`` of an x86 CPU); a persona may bring another
QEMU's model names.

A property's value is read as QEMU's string input visitor reads it
(``strtoll``/``strtoull`` with C's base prefixes, ``on``/``yes``/``true``/``y``
and their opposites for booleans); a ``+feat`` sets ``true`` through the
QObject visitor, so it fits only a boolean.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from typing import Final

from qmonitor.errors import QmonitorError
from qmonitor.qapi.texts import DEVICE_NOT_FOUND, INVALID_PARAMETER_TYPE, PROPERTY_NOT_FOUND
from qmonitor.util.cutils import c_strtoll, c_strtoull, parse_bool, parse_size
from qmonitor.util.error import QemuOptsError
from qmonitor.util.texts import ENUM_VALUE, INVALID_PARAMETER_VALUE, NOT_WRITABLE

# Texts of softmmu/vl.c, target/i386/cpu.c, qom/object.c, hw/core/qdev-properties.c
# and qapi/qapi-visit-core.c (QEMU 7.2).
EMPTY: Final = "-cpu option cannot be empty"
NOT_FOUND: Final = "unable to find CPU model '{}'"
AMBIGUOUS: Final = 'Ambiguous CPU model string. Don\'t mix both "{}{}" and "{}={}"'
AMBIGUOUS_END: Final = (
    "Compatibility of ambiguous CPU model strings won't be kept on future QEMU versions"
)
BAD_NUMBER: Final = "bad numerical value {}"
CANT_APPLY: Final = "can't apply global {}.{}={}: {}"
NO_PROPERTY: Final = PROPERTY_NOT_FOUND
EXPECTS: Final = INVALID_PARAMETER_VALUE
BAD_ENUM: Final = ENUM_VALUE
OUT_OF_RANGE: Final = "Property .{} doesn't take value {} (minimum: {}, maximum: {})"
BAD_VALUE: Final = "Property '.{}' doesn't take value '{}'"
OUTSIDE_MASK: Final = "Property value for '{}' has bits outside mask '{:#x}'"
NO_DEVICE: Final = DEVICE_NOT_FOUND
WRONG_TYPE: Final = INVALID_PARAMETER_TYPE
NO_APIC_ID: Final = "apic-id property was not initialized properly"
NEEDS_KVM: Final = "CPU model '{}' requires KVM or HVF"

#: ``-cpu help``'s list: (name, description) in QEMU's order.
MODELS: Final[tuple[tuple[str, str], ...]] = (
    ("486", "(alias configured by machine type)"),
    ("486-v1", ""),
    ("Broadwell", "(alias configured by machine type)"),
    ("Broadwell-IBRS", "(alias of Broadwell-v3)"),
    ("Broadwell-noTSX", "(alias of Broadwell-v2)"),
    ("Broadwell-noTSX-IBRS", "(alias of Broadwell-v4)"),
    ("Broadwell-v1", "Intel Core Processor (Broadwell)"),
    ("Broadwell-v2", "Intel Core Processor (Broadwell, no TSX)"),
    ("Broadwell-v3", "Intel Core Processor (Broadwell, IBRS)"),
    ("Broadwell-v4", "Intel Core Processor (Broadwell, no TSX, IBRS)"),
    ("Cascadelake-Server", "(alias configured by machine type)"),
    ("Cascadelake-Server-noTSX", "(alias of Cascadelake-Server-v3)"),
    ("Cascadelake-Server-v1", "Intel Xeon Processor (Cascadelake)"),
    ("Cascadelake-Server-v2", "Intel Xeon Processor (Cascadelake) [ARCH_CAPABILITIES]"),
    ("Cascadelake-Server-v3", "Intel Xeon Processor (Cascadelake) [ARCH_CAPABILITIES, no TSX]"),
    (
        "Cascadelake-Server-v4",
        "Intel Xeon Processor (Cascadelake) [ARCH_CAPABILITIES, EPT switching, no TSX]",
    ),
    (
        "Cascadelake-Server-v5",
        "Intel Xeon Processor (Cascadelake) [ARCH_CAPABILITIES, EPT switching, XSAVES, no TSX]",
    ),
    ("Conroe", "(alias configured by machine type)"),
    ("Conroe-v1", "Intel Celeron_4x0 (Conroe/Merom Class Core 2)"),
    ("Cooperlake", "(alias configured by machine type)"),
    ("Cooperlake-v1", "Intel Xeon Processor (Cooperlake)"),
    ("Cooperlake-v2", "Intel Xeon Processor (Cooperlake) [XSAVES]"),
    ("Denverton", "(alias configured by machine type)"),
    ("Denverton-v1", "Intel Atom Processor (Denverton)"),
    ("Denverton-v2", "Intel Atom Processor (Denverton) [no MPX, no MONITOR]"),
    ("Denverton-v3", "Intel Atom Processor (Denverton) [XSAVES, no MPX, no MONITOR]"),
    ("Dhyana", "(alias configured by machine type)"),
    ("Dhyana-v1", "Hygon Dhyana Processor"),
    ("Dhyana-v2", "Hygon Dhyana Processor [XSAVES]"),
    ("EPYC", "(alias configured by machine type)"),
    ("EPYC-IBPB", "(alias of EPYC-v2)"),
    ("EPYC-Milan", "(alias configured by machine type)"),
    ("EPYC-Milan-v1", "AMD EPYC-Milan Processor"),
    ("EPYC-Rome", "(alias configured by machine type)"),
    ("EPYC-Rome-v1", "AMD EPYC-Rome Processor"),
    ("EPYC-Rome-v2", "AMD EPYC-Rome Processor"),
    ("EPYC-v1", "AMD EPYC Processor"),
    ("EPYC-v2", "AMD EPYC Processor (with IBPB)"),
    ("EPYC-v3", "AMD EPYC Processor"),
    ("Haswell", "(alias configured by machine type)"),
    ("Haswell-IBRS", "(alias of Haswell-v3)"),
    ("Haswell-noTSX", "(alias of Haswell-v2)"),
    ("Haswell-noTSX-IBRS", "(alias of Haswell-v4)"),
    ("Haswell-v1", "Intel Core Processor (Haswell)"),
    ("Haswell-v2", "Intel Core Processor (Haswell, no TSX)"),
    ("Haswell-v3", "Intel Core Processor (Haswell, IBRS)"),
    ("Haswell-v4", "Intel Core Processor (Haswell, no TSX, IBRS)"),
    ("Icelake-Server", "(alias configured by machine type)"),
    ("Icelake-Server-noTSX", "(alias of Icelake-Server-v2)"),
    ("Icelake-Server-v1", "Intel Xeon Processor (Icelake)"),
    ("Icelake-Server-v2", "Intel Xeon Processor (Icelake) [no TSX]"),
    ("Icelake-Server-v3", "Intel Xeon Processor (Icelake)"),
    ("Icelake-Server-v4", "Intel Xeon Processor (Icelake)"),
    ("Icelake-Server-v5", "Intel Xeon Processor (Icelake) [XSAVES]"),
    ("Icelake-Server-v6", "Intel Xeon Processor (Icelake) [5-level EPT]"),
    ("IvyBridge", "(alias configured by machine type)"),
    ("IvyBridge-IBRS", "(alias of IvyBridge-v2)"),
    ("IvyBridge-v1", "Intel Xeon E3-12xx v2 (Ivy Bridge)"),
    ("IvyBridge-v2", "Intel Xeon E3-12xx v2 (Ivy Bridge, IBRS)"),
    ("KnightsMill", "(alias configured by machine type)"),
    ("KnightsMill-v1", "Intel Xeon Phi Processor (Knights Mill)"),
    ("Nehalem", "(alias configured by machine type)"),
    ("Nehalem-IBRS", "(alias of Nehalem-v2)"),
    ("Nehalem-v1", "Intel Core i7 9xx (Nehalem Class Core i7)"),
    ("Nehalem-v2", "Intel Core i7 9xx (Nehalem Core i7, IBRS update)"),
    ("Opteron_G1", "(alias configured by machine type)"),
    ("Opteron_G1-v1", "AMD Opteron 240 (Gen 1 Class Opteron)"),
    ("Opteron_G2", "(alias configured by machine type)"),
    ("Opteron_G2-v1", "AMD Opteron 22xx (Gen 2 Class Opteron)"),
    ("Opteron_G3", "(alias configured by machine type)"),
    ("Opteron_G3-v1", "AMD Opteron 23xx (Gen 3 Class Opteron)"),
    ("Opteron_G4", "(alias configured by machine type)"),
    ("Opteron_G4-v1", "AMD Opteron 62xx class CPU"),
    ("Opteron_G5", "(alias configured by machine type)"),
    ("Opteron_G5-v1", "AMD Opteron 63xx class CPU"),
    ("Penryn", "(alias configured by machine type)"),
    ("Penryn-v1", "Intel Core 2 Duo P9xxx (Penryn Class Core 2)"),
    ("SandyBridge", "(alias configured by machine type)"),
    ("SandyBridge-IBRS", "(alias of SandyBridge-v2)"),
    ("SandyBridge-v1", "Intel Xeon E312xx (Sandy Bridge)"),
    ("SandyBridge-v2", "Intel Xeon E312xx (Sandy Bridge, IBRS update)"),
    ("Skylake-Client", "(alias configured by machine type)"),
    ("Skylake-Client-IBRS", "(alias of Skylake-Client-v2)"),
    ("Skylake-Client-noTSX-IBRS", "(alias of Skylake-Client-v3)"),
    ("Skylake-Client-v1", "Intel Core Processor (Skylake)"),
    ("Skylake-Client-v2", "Intel Core Processor (Skylake, IBRS)"),
    ("Skylake-Client-v3", "Intel Core Processor (Skylake, IBRS, no TSX)"),
    ("Skylake-Client-v4", "Intel Core Processor (Skylake, IBRS, no TSX) [IBRS, XSAVES, no TSX]"),
    ("Skylake-Server", "(alias configured by machine type)"),
    ("Skylake-Server-IBRS", "(alias of Skylake-Server-v2)"),
    ("Skylake-Server-noTSX-IBRS", "(alias of Skylake-Server-v3)"),
    ("Skylake-Server-v1", "Intel Xeon Processor (Skylake)"),
    ("Skylake-Server-v2", "Intel Xeon Processor (Skylake, IBRS)"),
    ("Skylake-Server-v3", "Intel Xeon Processor (Skylake, IBRS, no TSX)"),
    (
        "Skylake-Server-v4",
        "Intel Xeon Processor (Skylake, IBRS, no TSX) [IBRS, EPT switching, no TSX]",
    ),
    (
        "Skylake-Server-v5",
        "Intel Xeon Processor (Skylake, IBRS, no TSX) [IBRS, XSAVES, EPT switching, no TSX]",
    ),
    ("Snowridge", "(alias configured by machine type)"),
    ("Snowridge-v1", "Intel Atom Processor (SnowRidge)"),
    ("Snowridge-v2", "Intel Atom Processor (Snowridge, no MPX)"),
    ("Snowridge-v3", "Intel Atom Processor (Snowridge, no MPX) [XSAVES, no MPX]"),
    (
        "Snowridge-v4",
        "Intel Atom Processor (Snowridge, no MPX) [no split lock detect, no core-capability]",
    ),
    ("Westmere", "(alias configured by machine type)"),
    ("Westmere-IBRS", "(alias of Westmere-v2)"),
    ("Westmere-v1", "Westmere E56xx/L56xx/X56xx (Nehalem-C)"),
    ("Westmere-v2", "Westmere E56xx/L56xx/X56xx (IBRS update)"),
    ("athlon", "(alias configured by machine type)"),
    ("athlon-v1", "QEMU Virtual CPU version 2.5+"),
    ("core2duo", "(alias configured by machine type)"),
    ("core2duo-v1", "Intel(R) Core(TM)2 Duo CPU     T7700  @ 2.40GHz"),
    ("coreduo", "(alias configured by machine type)"),
    ("coreduo-v1", "Genuine Intel(R) CPU           T2600  @ 2.16GHz"),
    ("kvm32", "(alias configured by machine type)"),
    ("kvm32-v1", "Common 32-bit KVM processor"),
    ("kvm64", "(alias configured by machine type)"),
    ("kvm64-v1", "Common KVM processor"),
    ("n270", "(alias configured by machine type)"),
    ("n270-v1", "Intel(R) Atom(TM) CPU N270   @ 1.60GHz"),
    ("pentium", "(alias configured by machine type)"),
    ("pentium-v1", ""),
    ("pentium2", "(alias configured by machine type)"),
    ("pentium2-v1", ""),
    ("pentium3", "(alias configured by machine type)"),
    ("pentium3-v1", ""),
    ("phenom", "(alias configured by machine type)"),
    ("phenom-v1", "AMD Phenom(tm) 9550 Quad-Core Processor"),
    ("qemu32", "(alias configured by machine type)"),
    ("qemu32-v1", "QEMU Virtual CPU version 2.5+"),
    ("qemu64", "(alias configured by machine type)"),
    ("qemu64-v1", "QEMU Virtual CPU version 2.5+"),
    ("base", "base CPU model type with no features enabled"),
    ("host", "processor with all supported host features "),
    ("max", "Enables all features supported by the accelerator in the current host"),
)
#: The CPUID flags ``-cpu help`` lists, in its order (two are listed twice).
_FLAG_TEXT: Final = (
    "3dnow 3dnowext 3dnowprefetch abm ace2 ace2-en acpi adx aes amd-no-ssb amd-ssbd amd-stibp "
    "amx-bf16 amx-int8 amx-tile apic arat arch-capabilities arch-lbr avic avx avx-vnni avx2 "
    "avx512-4fmaps avx512-4vnniw avx512-bf16 avx512-fp16 avx512-vp2intersect avx512-vpopcntdq "
    "avx512bitalg avx512bw avx512cd avx512dq avx512er avx512f avx512ifma avx512pf avx512vbmi "
    "avx512vbmi2 avx512vl avx512vnni bmi1 bmi2 bus-lock-detect cid cldemote clflush "
    "clflushopt clwb clzero cmov cmp-legacy core-capability cr8legacy cx16 cx8 dca de "
    "decodeassists ds ds-cpl dtes64 erms est extapic f16c flushbyasid fma fma4 fpu fsgsbase "
    "fsrm full-width-write fxsr fxsr-opt gfni hle ht hypervisor ia64 ibpb ibrs ibrs-all ibs "
    "intel-pt intel-pt-lip invpcid invtsc kvm-asyncpf kvm-asyncpf-int kvm-hint-dedicated "
    "kvm-mmu kvm-msi-ext-dest-id kvm-nopiodelay kvm-poll-control kvm-pv-eoi kvm-pv-ipi "
    "kvm-pv-sched-yield kvm-pv-tlb-flush kvm-pv-unhalt kvm-steal-time kvmclock kvmclock "
    "kvmclock-stable-bit la57 lahf-lm lbrv lm lwp mca mce md-clear mds-no misalignsse mmx "
    "mmxext monitor movbe movdir64b movdiri mpx msr mtrr nodeid-msr npt nrip-save nx osvw pae "
    "pat pause-filter pbe pcid pclmulqdq pcommit pdcm pdpe1gb perfctr-core perfctr-nb "
    "pfthreshold pge phe phe-en pks pku pmm pmm-en pn pni popcnt pschange-mc-no pse pse36 "
    "rdctl-no rdpid rdrand rdseed rdtscp rsba rtm sep serialize sgx sgx-debug sgx-exinfo "
    "sgx-kss sgx-mode64 sgx-provisionkey sgx-tokenkey sgx1 sgx2 sgxlc sha-ni skinit "
    "skip-l1dfl-vmentry smap smep smx spec-ctrl split-lock-detect ss ssb-no ssbd sse sse2 "
    "sse4.1 sse4.2 sse4a ssse3 stibp svm svm-lock svme-addr-chk syscall taa-no tbm tce tm tm2 "
    "topoext tsc tsc-adjust tsc-deadline tsc-scale tsx-ctrl tsx-ldtrk umip v-vmsave-vmload "
    "vaes vgif virt-ssbd vmcb-clean vme vmx vmx-activity-hlt vmx-activity-shutdown "
    "vmx-activity-wait-sipi vmx-apicv-register vmx-apicv-vid vmx-apicv-x2apic vmx-apicv-xapic "
    "vmx-cr3-load-noexit vmx-cr3-store-noexit vmx-cr8-load-exit vmx-cr8-store-exit "
    "vmx-desc-exit vmx-encls-exit vmx-entry-ia32e-mode vmx-entry-load-bndcfgs "
    "vmx-entry-load-efer vmx-entry-load-pat vmx-entry-load-perf-global-ctrl "
    "vmx-entry-load-pkrs vmx-entry-load-rtit-ctl vmx-entry-noload-debugctl vmx-ept "
    "vmx-ept-1gb vmx-ept-2mb vmx-ept-advanced-exitinfo vmx-ept-execonly vmx-eptad "
    "vmx-eptp-switching vmx-exit-ack-intr vmx-exit-clear-bndcfgs vmx-exit-clear-rtit-ctl "
    "vmx-exit-load-efer vmx-exit-load-pat vmx-exit-load-perf-global-ctrl vmx-exit-load-pkrs "
    "vmx-exit-nosave-debugctl vmx-exit-save-efer vmx-exit-save-pat "
    "vmx-exit-save-preemption-timer vmx-flexpriority vmx-hlt-exit vmx-ins-outs vmx-intr-exit "
    "vmx-invept vmx-invept-all-context vmx-invept-single-context vmx-invept-single-context "
    "vmx-invept-single-context-noglobals vmx-invlpg-exit vmx-invpcid-exit vmx-invvpid "
    "vmx-invvpid-all-context vmx-invvpid-single-addr vmx-io-bitmap vmx-io-exit "
    "vmx-monitor-exit vmx-movdr-exit vmx-msr-bitmap vmx-mtf vmx-mwait-exit vmx-nmi-exit "
    "vmx-page-walk-4 vmx-page-walk-5 vmx-pause-exit vmx-ple vmx-pml vmx-posted-intr "
    "vmx-preemption-timer vmx-rdpmc-exit vmx-rdrand-exit vmx-rdseed-exit vmx-rdtsc-exit "
    "vmx-rdtscp-exit vmx-secondary-ctls vmx-shadow-vmcs vmx-store-lma vmx-true-ctls "
    "vmx-tsc-offset vmx-tsc-scaling vmx-unrestricted-guest vmx-vintr-pending vmx-vmfunc "
    "vmx-vmwrite-vmexit-fields vmx-vnmi vmx-vnmi-pending vmx-vpid vmx-wbinvd-exit vmx-xsaves "
    "vmx-zero-len-inject vpclmulqdq waitpkg wbnoinvd wdt x2apic xcrypt xcrypt-en xfd xgetbv1 "
    "xop xsave xsavec xsaveerptr xsaveopt xsaves xstore xstore-en xtpr"
)
FLAGS: Final = tuple(_FLAG_TEXT.split())
#: The boolean properties that are not CPUID flags.
_OTHER_BOOLS_TEXT: Final = (
    "check cmp_legacy cpuid-0xb ds_cpl enforce ffxsr fill-mtrr-mask full-cpuid-auto-level "
    "fxsr_opt host-phys-bits hotpluggable hotplugged hv-apicv hv-avic hv-crash hv-emsr-bitmap "
    "hv-enforce-cpuid hv-evmcs hv-frequencies hv-ipi hv-passthrough hv-reenlightenment "
    "hv-relaxed hv-reset hv-runtime hv-stimer hv-stimer-direct hv-syndbg hv-synic hv-time "
    "hv-tlbflush hv-tlbflush-direct hv-tlbflush-ext hv-vapic hv-vpindex hv-xmm-input i64 kvm "
    "kvm-no-smi-migration kvm-pv-enforce-cpuid kvm_asyncpf kvm_asyncpf_int kvm_mmu "
    "kvm_nopiodelay kvm_poll_control kvm_pv_eoi kvm_pv_unhalt kvm_steal_time l3-cache lahf_lm "
    "legacy-cache lmce nodeid_msr nrip_save pause_filter pclmuldq perfctr_core perfctr_nb pmu "
    "realized sse3 sse4-1 sse4-2 sse4_1 sse4_2 start-powered-off svm_lock tcg-cpuid "
    "tsc_adjust tsc_scale vmcb_clean vmware-cpuid-freq x-force-features x-hv-synic-kvm-only "
    "x-intel-pt-auto-level x-migrate-smi-count x-vendor-cpuid-only xd"
)
_OTHER_BOOLS: Final = tuple(_OTHER_BOOLS_TEXT.split())
#: The other properties by QOM type.
_TYPED: Final = {
    "GuestPanicInformation": "crash-information",
    "OnOffAuto": "hv-no-nonarch-coresharing",
    "X86CPUFeatureWordInfo": "feature-words filtered-features",
    "int": "family model stepping tsc-frequency",
    "int32": "core-id die-id node-id socket-id thread-id x-hv-max-vps",
    "link<bus>": "parent_bus",
    "link<memory-region>": "memory",
    "str": "hv-vendor-id legacy-memory",
    "strList": "unavailable-features",
    "string": "model-id type vendor",
    "uint16": "hv-version-id-major hv-version-id-minor",
    "uint32": "apic-id hv-spinlocks hv-version-id-build hv-version-id-snumber "
    "hv-version-id-spack level level-func7 min-level min-xlevel min-xlevel2 phys-bits "
    "xlevel xlevel2",
    "uint64": "lbr-fmt lbr_fmt ucode-rev",
    "uint8": "host-phys-bits-limit hv-version-id-sbranch",
}

#: Only ``host`` and ``max`` have these.
_HOST_BOOLS: Final = ("migratable", "host-cache-info")
#: Properties that have no setter.
_READ_ONLY: Final = frozenset(
    (
        "type", "unavailable-features", "feature-words", "filtered-features",
        "crash-information", "legacy-memory",
    )
)  # fmt: skip
#: The models whose features come from the host's CPUID.
_HOST_CPUID: Final = frozenset(("host",))
#: The ``int`` properties' ranges (x86_cpuid_version_set_* and tsc-frequency).
_INT_RANGES: Final = {
    "family": (0, 0xFF + 0xF),
    "model": (0, 0xFF),
    "stepping": (0, 0xF),
    "tsc-frequency": (0, 2**63 - 1),
}
_UINT_BITS: Final = {"uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64}
_LBR_FMT_MASK: Final = 0x3F
_VENDOR_LENGTH: Final = 12
#: What a ``+feat`` on a property of this type is told it should have been
#: (the unsigned ones: that they expect uint64).
_WANTED: Final = {"int": "integer", "int32": "integer"}

_PROPERTY_TYPES: dict[str, str] = {}


def property_type(model: str, name: str) -> str | None:
    """The QOM type of ``name`` on CPU ``model``'s class, None if it has no such property."""
    if not _PROPERTY_TYPES:
        _PROPERTY_TYPES.update(dict.fromkeys(FLAGS, "bool"))
        _PROPERTY_TYPES.update(dict.fromkeys(_OTHER_BOOLS, "bool"))
        for kind, names in _TYPED.items():
            _PROPERTY_TYPES.update(dict.fromkeys(names.split(), kind))
    if name in _HOST_BOOLS:
        return "bool" if model in ("host", "max") else None
    return _PROPERTY_TYPES.get(name)


def cpu_help_text() -> str:
    """What ``-cpu help`` prints: the models, then the CPUID flags wrapped as QEMU wraps them."""
    out = ["Available CPUs:\n"]
    out.extend(f"x86 {name:<20}  {description}\n" for name, description in MODELS)
    out.append("\nRecognized CPUID flags:\n")
    width = 0
    for flag in FLAGS:
        if width + len(flag) + 1 >= 75:
            out.append("\n")
            width = 0
        out.append(("  " if width == 0 else " ") + flag)
        width += len(flag) + 1
    out.append("\n\n")
    return "".join(out)


#: The ``apic-id`` a vCPU has until someone sets it (UNASSIGNED_APIC_ID, target/i386/cpu.h).
UNASSIGNED_APIC_ID: Final = 0xFFFFFFFF


def _apic_id(globals_: list[tuple[str, str]]) -> int:
    """The vCPU's ``apic-id`` once the ``-cpu`` properties are set (they were checked)."""
    value = UNASSIGNED_APIC_ID
    for name, text in globals_:
        if name == "apic-id":
            number = c_strtoull(text)
            value = number if number is not None else value
    return value


class CpuOptionError(QmonitorError):
    """QEMU's text for a ``-cpu`` it refuses (printed after the program name, exit 1)."""


def _set_global(typename: str, name: str, kind: str | None, value: str) -> None:
    """Apply one ``name=value`` as the vCPU's global property (object_property_parse)."""
    if kind is None:
        raise CpuOptionError(NO_PROPERTY.format(typename, name))
    if name in _READ_ONLY:
        raise CpuOptionError(NOT_WRITABLE.format(typename, name))
    if kind == "bool":
        try:
            parse_bool(name, value)
        except QemuOptsError as exc:
            raise CpuOptionError(exc.diagnostic.message) from None
    elif kind in ("int", "int32"):
        number = c_strtoll(value)
        if number is None:
            raise CpuOptionError(EXPECTS.format(name, "int64"))
        if kind == "int32" and not -(2**31) <= number < 2**31:
            raise CpuOptionError(EXPECTS.format(name, "int32_t"))
        if name in _INT_RANGES:
            low, high = _INT_RANGES[name]
            if not low <= number <= high:
                raise CpuOptionError(OUT_OF_RANGE.format(name, number, low, high))
    elif kind in _UINT_BITS:
        number = c_strtoull(value)
        if number is None or number >= 2**64:
            raise CpuOptionError(EXPECTS.format(name, "uint64"))
        bits = _UINT_BITS[kind]
        if number >= 2**bits:
            raise CpuOptionError(EXPECTS.format(name, f"uint{bits}_t"))
        if name in ("lbr-fmt", "lbr_fmt") and number & ~_LBR_FMT_MASK:
            raise CpuOptionError(OUTSIDE_MASK.format(name, _LBR_FMT_MASK))
    elif kind == "OnOffAuto":
        if value not in ("on", "off", "auto"):
            raise CpuOptionError(BAD_ENUM.format(name, value))
    elif kind.startswith("link<"):
        raise CpuOptionError(NO_DEVICE.format(value))
    elif name == "vendor" and len(os.fsencode(value)) != _VENDOR_LENGTH:
        raise CpuOptionError(BAD_VALUE.format(name, value))


def _set_feature(typename: str, name: str, kind: str | None) -> None:
    """Set one ``+feat``/``-feat`` as realize does (object_property_set_bool)."""
    if kind is None:
        raise CpuOptionError(NO_PROPERTY.format(typename, name))
    if name in _READ_ONLY:
        raise CpuOptionError(NOT_WRITABLE.format(typename, name))
    if kind in _UINT_BITS:
        raise CpuOptionError(EXPECTS.format(name, "uint64"))
    if kind != "bool":
        raise CpuOptionError(WRONG_TYPE.format(name, _WANTED.get(kind, "string")))


def check_cpu_option(
    arg: str,
    *,
    machine_type: str,
    accel: str | None,
    models: Collection[str] | None = None,
    properties: Callable[[str], dict[str, str] | None] | None = None,
    warn: Callable[[str], None] | None = None,
) -> None:
    """Check ``-cpu ARG`` as QEMU 7.2 does on ``machine_type``.

    ``models``: the CPU model names the impersonated QEMU has, and
    ``properties``: a CPU type's properties (name to QOM type) as it lists
    them, None where it does not know (default for both: 7.2's).
    ``accel`` None is QEMU's default, TCG.  ``warn`` is given QEMU's
    warnings as they arise, before any error.

    :raises CpuOptionError: with QEMU's text.
    """
    if not arg:
        raise CpuOptionError(EMPTY)
    model, _, features = arg.partition(",")
    known = models if models is not None else {name for name, _ in MODELS}
    if model not in known:
        raise CpuOptionError(NOT_FOUND.format(model))
    typename = f"{model}-x86_64-cpu"
    listed = properties(typename) if properties is not None else None

    def kind_of(name: str) -> str | None:
        return listed.get(name) if listed is not None else property_type(model, name)

    ambiguous = False

    def warn_now(message: str) -> None:
        if warn is not None:
            warn(message)

    plus: list[str] = []
    minus: list[str] = []
    globals_: list[tuple[str, str]] = []
    for item in (token for token in features.split(",") if token):
        if item[0] == "+":
            plus.append(item[1:])
            continue
        if item[0] == "-":
            minus.append(item[1:])
            continue
        name, eq, value = item.partition("=")
        value = value if eq else "on"
        name = name.replace("_", "-")
        for sign, seen in (("+", plus), ("-", minus)):
            if name in seen:
                warn_now(AMBIGUOUS.format(sign, name, name, value))
                ambiguous = True
        if name == "tsc-freq":
            try:
                frequency = parse_size(name, value, metric=True)
            except QemuOptsError:
                frequency = 2**63
            if frequency >= 2**63:
                raise CpuOptionError(BAD_NUMBER.format(value))
            name, value = "tsc-frequency", str(frequency)
        globals_.append((name, value))
    if ambiguous:
        warn_now(AMBIGUOUS_END)
    for name, value in globals_:
        try:
            _set_global(typename, name, kind_of(name), value)
        except CpuOptionError as exc:
            raise CpuOptionError(CANT_APPLY.format(typename, name, value, exc)) from None
    if machine_type == "none" and _apic_id(globals_) == UNASSIGNED_APIC_ID:
        # The null machine makes its one vCPU without giving it an APIC ID:
        # realize refuses it unless -cpu set one (x86_cpu_realizefn).
        raise CpuOptionError(NO_APIC_ID)
    for name in plus + minus:
        _set_feature(typename, name, kind_of(name))
    if model in _HOST_CPUID and accel not in ("kvm", "hvf"):
        raise CpuOptionError(NEEDS_KVM.format(model))
