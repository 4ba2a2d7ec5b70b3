"""Options that describe the board: its firmware and kernel, devices, file systems, debugger.

- ``-kernel``, ``-initrd``, ``-append``, ``-dtb``, ``-bios``, ``-no-hpet``
  and ``-usbdevice`` set machine properties; ``-append`` and ``-initrd``
  need a kernel, which the null machine refuses; each ``-usbdevice`` is
  added with the other devices (usb_parse).
- ``-option-rom``: QemuOpts, the ROM not loaded.
- ``-debugcon``: a chardev made with the serial ports and an
  ``isa-debugcon`` on it, which needs an ISA bus.
- ``-acpitable`` (:mod:`qmonitor.options.acpitable`) and ``-fsdev`` /
  ``-virtfs`` (:mod:`qmonitor.options.fsdev`): QEMU's checks.
- ``-gdb`` and ``-s``: a gdbstub, which the CPU-less null machine refuses.

What these options would add to a running guest is not modelled; each
accepted one is listed in ``Config.unmodelled``.
"""

from __future__ import annotations

from typing import Final

from qmonitor.machine.guest import GuestDevice
from qmonitor.options.optgroups import recorded_spec
from qmonitor.options.parser_state import ParserState
from qmonitor.options.texts import DEVICE_NO_BUS
from qmonitor.util.error import Diagnostic, QemuOptsError
from qmonitor.util.qemuopts import OptsGroup, OptsListSpec

APPEND_NEEDS_KERNEL: Final = "-append only allowed with -kernel option"

INITRD_NEEDS_KERNEL: Final = "-initrd only allowed with -kernel option"

NULL_MACHINE_KERNEL: Final = (
    "The -kernel parameter is not supported (use the generic 'loader' device instead)."
)

TOO_MANY_OPTION_ROMS: Final = "too many option ROMs"

OPTION_ROM_NO_FILE: Final = "Option ROM file is not specified"

#: MAX_OPTION_ROMS (include/sysemu/sysemu.h).
MAX_OPTION_ROMS: Final = 16

USB_CANT_ADD: Final = "could not add USB device '{}'"

USB_NO_PARAMETERS: Final = "usbdevice parameters are not supported anymore"

USB_NO_BUS: Final = (
    "Error: no usb bus to attach usbdevice {}, please try -machine usb=on and check that "
    "the machine model supports USB"
)

#: The -usbdevice names of the build's USB devices (usb_legacy_register), and their types.
USB_LEGACY_NAMES: Final = {
    "tablet": "usb-tablet", "mouse": "usb-mouse", "keyboard": "usb-kbd",
    "braille": "usb-braille", "wacom-tablet": "usb-wacom-tablet",
}  # fmt: skip

#: The machine types whose boards have no PCI bus, so no USB controller to add.
_NO_USB_BUS: Final = ("none", "isapc")

DEBUGCON_INVALID: Final = "invalid character backend '{}'"

#: object_property_try_add_child() for a second chardev ``debugcon``.
DEBUGCON_DUPLICATE: Final = (
    "attempt to add duplicate property 'debugcon' to object (type 'container')"
)

VIRTFS_USAGE: Final = "Usage: -virtfs fsdriver,mount_tag=tag"

VIRTFS_DUPLICATE: Final = "duplicate or invalid fsdev id: {}"

#: What -virtfs copies into its fsdev, in QEMU's order (``readonly`` is always set).
_VIRTFS_COPIED: Final = ("writeout", "fsdriver", "path", "security_model", "socket", "sock_fd")

GDB_NO_CPU: Final = "gdbstub: meaningless to attach gdb to a machine without any CPU."

#: The options that set a machine property (softmmu/vl.c), and the property.
MACHINE_PROPERTY_OPTIONS: Final = {
    "kernel": "kernel", "initrd": "initrd", "append": "append", "dtb": "dtb", "bios": "firmware",
}  # fmt: skip

#: What brlapi__openConnection() says without a BrlAPI server.
_BRLAPI_FAILED: Final = "brlapi__openConnection: connect: No such file or directory"


class BoardGroup(ParserState):
    """The board's options; see the module docstring."""

    def __init__(self, argv: list[str], prog: str) -> None:
        super().__init__(argv, prog)
        #: ``-option-rom``: (romfile, bootindex) of each.
        self.option_roms: list[tuple[str, int]] = []
        #: ``-usbdevice``: (name, where given) of each.
        self.usbdevices: list[tuple[str, str]] = []
        self.fsdev_group = OptsGroup(recorded_spec("fsdev", "fsdriver"))
        #: ``-debugcon``: (chardev short form, where given) of each.
        self.debugcons: list[tuple[str, str]] = []
        #: Where each ``-gdb`` and ``-s`` was given (a gdbstub each).
        self.gdbstubs: list[str] = []

    def _opt_machine_property(self, arg: str | None, loc: str) -> None:
        """``-kernel``, ``-initrd``, ``-append``, ``-dtb``, ``-bios``: a machine property each."""
        assert arg is not None
        name = loc.split(" ", 1)[0].lstrip("-")
        self.machine_opts[MACHINE_PROPERTY_OPTIONS[name]] = arg
        self.unmodelled.append(loc)

    def _opt_no_hpet(self, arg: str | None, loc: str) -> None:
        """``-no-hpet``: the machine's ``hpet`` property off (a PC's; others have none)."""
        self.machine_opts["hpet"] = "off"
        self.unmodelled.append(loc)

    def _validate_kernel(self) -> None:
        """qemu_validate_options(): ``append`` and ``initrd`` need a ``kernel``."""
        if self.machine_opts.get("kernel") is None:
            if self.machine_opts.get("append") is not None:
                raise self._fail(APPEND_NEEDS_KERNEL, "")
            if self.machine_opts.get("initrd") is not None:
                raise self._fail(INITRD_NEEDS_KERNEL, "")

    def _check_null_kernel(self, machine: str) -> None:
        """machine_none_init(): the null machine boots no kernel."""
        if machine == "none" and self.machine_opts.get("kernel") is not None:
            raise self._fail(NULL_MACHINE_KERNEL, "")

    def _opt_option_rom(self, arg: str | None, loc: str) -> None:
        """``-option-rom``: QemuOpts with an implied ``romfile`` (the ROM is not loaded)."""
        assert arg is not None
        if len(self.option_roms) >= MAX_OPTION_ROMS:
            raise self._fail(TOO_MANY_OPTION_ROMS, loc)
        group = OptsGroup(recorded_spec("option-rom", "romfile"))
        opts = self._parse_opts(group, arg, loc)
        romfile = opts.get("romfile")
        try:
            bootindex = opts.get_number("bootindex", -1)
        except QemuOptsError as exc:  # pragma: no cover - checked when parsed
            raise self._fail(exc.diagnostic, loc) from None
        if romfile is None:
            raise self._fail(OPTION_ROM_NO_FILE, loc)
        self.option_roms.append((romfile, bootindex))
        self.unmodelled.append(loc)

    def _opt_usbdevice(self, arg: str | None, loc: str) -> None:
        """``-usbdevice NAME``: the machine's ``usb`` on, the device added with the others."""
        assert arg is not None
        self.machine_opts["usb"] = "on"
        self.usbdevices.append((arg, loc))
        self.unmodelled.append(loc)

    def _check_usbdevices(self, machine: str) -> None:
        """usb_parse() for each ``-usbdevice`` (qemu_create_cli_devices), the first failure fatal.

        The devices made are not modelled; ``braille`` needs a BrlAPI server,
        which the null machine never finds.
        """
        for name, loc in self.usbdevices:
            if ":" in name:
                self._print(Diagnostic(USB_NO_PARAMETERS), loc)
            elif name in USB_LEGACY_NAMES:
                if machine in _NO_USB_BUS:
                    self._print(Diagnostic(USB_NO_BUS.format(name)), loc)
                elif name == "braille":
                    self._print(Diagnostic(_BRLAPI_FAILED), loc)
                    failed = f"Failed to create USB device '{USB_LEGACY_NAMES[name]}'"
                    self._print(Diagnostic(failed), loc)
                else:
                    continue
            raise self._fail(USB_CANT_ADD.format(name), loc)

    def _opt_debugcon(self, arg: str | None, loc: str) -> None:
        """``-debugcon DEV``: a chardev and an ``isa-debugcon`` on it, made with the ports."""
        assert arg is not None
        self.debugcons.append((arg, loc))
        self.unmodelled.append(loc)

    def _check_debugcon_device(self, machine: str) -> None:
        """The ``isa-debugcon`` device, made after the -device ones: it needs an ISA bus."""
        if self.debugcons and machine in ("none",):
            raise self._fail(DEVICE_NO_BUS.format("ISA", "isa-debugcon"), self.debugcons[0][1])

    def _opt_acpitable(self, arg: str | None, loc: str) -> None:
        """acpi_table_add() as the option is met (qmonitor.options.acpitable)."""
        assert arg is not None
        from qmonitor.options.acpitable import AcpiTableError, check_acpitable

        opts = self._parse_opts(OptsGroup(OptsListSpec("acpi", "data", ())), arg, loc)
        try:
            warnings = check_acpitable(opts.items)
        except AcpiTableError as exc:
            raise self._fail(exc.message, loc) from None
        for warning in warnings:
            self._print(Diagnostic(warning, warning=True), loc)
        self.unmodelled.append(loc)

    def _opt_fsdev(self, arg: str | None, loc: str) -> None:
        """``-fsdev``: QemuOpts (implied ``fsdriver``), checked with the early backends."""
        assert arg is not None
        self._parse_opts(self.fsdev_group, arg, loc)
        self.unmodelled.append(loc)

    def _opt_virtfs(self, arg: str | None, loc: str) -> None:
        """``-virtfs``: an fsdev (named by ``id`` or ``mount_tag``) and a virtio-9p-pci on it."""
        assert arg is not None
        opts = self._parse_opts(OptsGroup(recorded_spec("virtfs", "fsdriver")), arg, loc)
        tag = opts.get("mount_tag")
        if opts.get("fsdriver") is None or tag is None:
            raise self._fail(VIRTFS_USAGE, loc)
        try:
            fsdev = self.fsdev_group.create(opts.id or tag)
        except QemuOptsError:
            raise self._fail(VIRTFS_DUPLICATE.format(tag), loc) from None
        fsdev.loc = loc
        for name in _VIRTFS_COPIED:
            value = opts.get(name)
            if value is not None:
                fsdev.items.append((name, value))
        try:
            readonly = opts.get_bool("readonly", False)
        except QemuOptsError as exc:  # pragma: no cover - checked when parsed
            raise self._fail(exc.diagnostic, loc) from None
        fsdev.items.append(("readonly", "on" if readonly else "off"))
        multidevs = opts.get("multidevs")
        if multidevs is not None:
            fsdev.items.append(("multidevs", multidevs))
        # The virtio-9p-pci device goes into the -device list, where -virtfs was.
        props = (("fsdev", fsdev.id or tag), ("mount_tag", tag))
        device = self.device_group.create(None)
        device.loc = loc
        device.items.extend([("driver", "virtio-9p-pci"), *props])
        self.guest_devices.append(GuestDevice("virtio-9p-pci", None, props, loc))

    def _init_fsdevs(self) -> None:
        """qemu_fsdev_add() for each fsdev, in order, as the early backends are made."""
        from qmonitor.options.fsdev import FsdevError, check_fsdev

        for opts in self.fsdev_group.entries:
            try:
                check_fsdev(opts.id, opts.items)
            except FsdevError as exc:
                raise self._fail(Diagnostic(exc.message, exc.hint or ""), opts.loc) from None

    def _opt_gdb(self, arg: str | None, loc: str) -> None:
        """``-gdb DEV`` and ``-s``: a gdbstub, started once the machine is made."""
        self.gdbstubs.append(loc)
        self.unmodelled.append(loc)

    def _check_gdbstubs(self, machine: str) -> None:
        """gdbserver_start() for the first stub: the null machine has no CPU to debug.

        On a PC QEMU would listen for a debugger; that is not modelled.
        """
        if self.gdbstubs and machine == "none":
            raise self._fail(GDB_NO_CPU, self.gdbstubs[0])
