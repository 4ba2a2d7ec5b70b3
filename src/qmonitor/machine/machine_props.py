"""Machine types' properties: what ``-machine TYPE,help`` lists and ``-machine`` may set.

QEMU 7.2 applies what ``-machine`` (and ``-no-acpi``) said to the machine
object once its chardevs are open; a property the machine type does not
have stops it there.  Every machine type has the generic machine
properties; the x86 PCs (i440FX, Q35, ISA-only) share theirs, microvm and
x-remote have their own.  The lines are QEMU's help lines.
"""

from __future__ import annotations

from typing import Final

# Text of qom/object.c (QEMU 7.2).
NOT_FOUND: Final = "Property '{}-machine.{}' not found"
#: Keys -machine takes that are not the machine's properties: the type, the
#: accelerator, and what qemu_apply_legacy_machine_options hands to KVM.
NOT_PROPERTIES: Final = frozenset(("type", "accel", "kernel-irqchip", "kvm-shadow-mem"))

#: Every machine type's.
_BASE: Final = (
    "  append=<string>        - Linux kernel command line",
    "  boot=<BootConfiguration> - Boot configuration",
    "  confidential-guest-support=<link<confidential-guest-support>> - Set confidential guest scheme to support",  # noqa: E501 - QEMU's line
    '  dt-compatible=<string> - Overrides the "compatible" property of the dt root node',
    "  dtb=<string>           - Linux kernel device tree file",
    "  dump-guest-core=<bool> - Include guest memory in a core dump",
    "  dumpdtb=<string>       - Dump current dtb to a file and quit",
    "  firmware=<string>      - Firmware image",
    "  graphics=<bool>        - Set on/off to enable/disable graphics emulation",
    "  initrd=<string>        - Linux initial ramdisk file",
    "  kernel=<string>        - Linux kernel image file",
    "  mem-merge=<bool>       - Enable/disable memory merge support",
    "  memory-backend=<link<memory-backend>> - Set RAM backendValid value is ID of hostmem based backend",  # noqa: E501 - QEMU's line
    "  memory-encryption=<string> - Set memory encryption object to use",
    "  memory=<MemorySizeConfiguration> - Memory size configuration",
    "  phandle-start=<int>    - The first phandle ID we may generate dynamically",
    "  smp=<SMPConfiguration> - CPU topology",
    "  suppress-vmdesc=<bool> - Set on to disable self-describing migration",
    "  usb=<bool>             - Set on/off to enable/disable usb",
)
#: The x86 PCs' own.
_PC: Final = (
    "  acpi=<OnOffAuto>       - Enable ACPI",
    "  bus-lock-ratelimit=<uint64_t> - Set the ratelimit for the bus locks acquired in VMs",
    "  default-bus-bypass-iommu=<bool>",
    "  hpet=<bool>            - Enable/disable high precision event timer emulation",
    "  i8042=<bool>",
    "  max-fw-size=<size>     - Maximum combined firmware size",
    "  max-ram-below-4g=<size> - Maximum ram below the 4G boundary (32bit boundary)",
    "  pic=<OnOffAuto>        - Enable i8259 PIC",
    "  pit=<OnOffAuto>        - Enable i8254 PIT",
    "  sata=<bool>            - Enable/disable Serial ATA bus",
    "  sgx-epc=<SgxEPC>       - SGX EPC device",
    "  smbios-entry-point-type=<str> - SMBIOS Entry Point type [32, 64]",
    "  smbus=<bool>           - Enable/disable system management bus",
    "  smm=<OnOffAuto>        - Enable SMM",
    "  vmport=<OnOffAuto>     - Enable vmport (pc & q35)",
    "  x-oem-id=<string>      - Override the default value of field OEMID in ACPI table header.The string may be up to 6 bytes in size",  # noqa: E501 - QEMU's line
    "  x-oem-table-id=<string> - Override the default value of field OEM Table ID in ACPI table header.The string may be up to 8 bytes in size",  # noqa: E501 - QEMU's line
)
#: microvm's own.
_MICROVM: Final = (
    "  acpi=<OnOffAuto>       - Enable ACPI",
    "  auto-kernel-cmdline=<bool> - Set off to disable adding virtio-mmio devices to the kernel cmdline",  # noqa: E501 - QEMU's line
    "  bus-lock-ratelimit=<uint64_t> - Set the ratelimit for the bus locks acquired in VMs",
    "  ioapic2=<OnOffAuto>    - Enable second IO-APIC",
    "  isa-serial=<bool>      - Set off to disable the instantiation an ISA serial port",
    "  pcie=<OnOffAuto>       - Enable PCIe",
    "  pic=<OnOffAuto>        - Enable i8259 PIC",
    "  pit=<OnOffAuto>        - Enable i8254 PIT",
    "  rtc=<OnOffAuto>        - Enable MC146818 RTC",
    "  sgx-epc=<SgxEPC>       - SGX EPC device",
    "  smm=<OnOffAuto>        - Enable SMM",
    "  x-oem-id=<string>      - Override the default value of field OEMID in ACPI table header.The string may be up to 6 bytes in size",  # noqa: E501 - QEMU's line
    "  x-oem-table-id=<string> - Override the default value of field OEM Table ID in ACPI table header.The string may be up to 8 bytes in size",  # noqa: E501 - QEMU's line
    "  x-option-roms=<bool>   - Set off to disable loading option ROMs",
)
#: x-remote's own.
_X_REMOTE: Final = (
    "  auto-shutdown=<bool>",
    "  vfio-user=<bool>",
)


def _own_lines(typename: str) -> tuple[str, ...]:
    if typename.startswith(("pc-i440fx-", "pc-q35-")) or typename == "isapc":
        return _PC
    if typename == "microvm":
        return _MICROVM
    if typename == "x-remote":
        return _X_REMOTE
    return ()


def machine_options_help(typename: str) -> str:
    """What ``-machine TYPE,help`` prints for machine type ``typename`` (its full name)."""
    lines = sorted((*_BASE, *_own_lines(typename)))
    return f"{typename}-machine options:\n" + "".join(line + "\n" for line in lines)


def check_machine_properties(typename: str, keys: list[str]) -> None:
    """Raise ValueError with QEMU's text for the first key ``typename`` has no property for.

    ``keys`` are -machine's keys as given (``smp.cpus`` sets ``smp``).
    """
    names = {line.split("=", 1)[0].strip() for line in (*_BASE, *_own_lines(typename))}
    if typename.startswith(("pc-i440fx-", "pc-q35-")):
        # Instance properties (hw/core/machine.c machine_initfn, for machine
        # types that support NVDIMMs): help does not list them.
        names |= {"nvdimm", "nvdimm-persistence"}
    for key in keys:
        head = key.split(".", 1)[0]
        if head not in NOT_PROPERTIES and head not in names:
            raise ValueError(NOT_FOUND.format(typename, head))
