"""The device and object option group: ``-device`` and ``-object``.

Both are checked when they appear (QemuOpts syntax, JSON, ``help``) and
acted on later in QEMU's order: objects are created before the chardevs
(``object_create_early``), devices last (``qemu_create_cli_devices``).
Only the devices qmonitor models are built; other drivers are checked
against QEMU 7.2's device types and recorded as not modelled.
"""

from __future__ import annotations

from dataclasses import replace

from qmonitor.machine.guest import GuestDevice
from qmonitor.options.config import CmdlineError, DeviceConfig
from qmonitor.options.guest import GuestOptionError, parse_json_device
from qmonitor.options.machines import DEVICES, ISA_BUS, NO_DEFAULT_PORTS
from qmonitor.options.parser_state import ParserState
from qmonitor.options.texts import (
    DEVICE_BUS_NOT_FOUND,
    DEVICE_NO_BUS,
    DEVICE_NO_OPTIONS,
    DEVICE_PROPERTY_NOT_FOUND,
)
from qmonitor.util.error import Diagnostic
from qmonitor.util.qemuopts import is_help_option
from qmonitor.util.texts import MISSING_PARAMETER


class DeviceGroup(ParserState):
    """Parsing ``-device`` and ``-object``, creating objects and the modelled devices."""

    def _opt_device(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        if arg.startswith("{"):
            # The JSON form: its members are kept as the device's properties.
            try:
                device, _ = parse_json_device(arg)
            except GuestOptionError as exc:
                raise self._fail(exc.diagnostic, loc) from None
            device = replace(device, loc=loc)
            self.guest_devices.append(device)
            self.json_devices.append((device, loc))
            self.unmodelled.append(loc)
            return
        opts = self._parse_opts(self.device_group, arg, loc)
        driver = opts.get("driver")
        if driver is not None and not is_help_option(driver):
            props = tuple((k, v) for k, v in opts.items if k not in ("driver", "id"))
            self.guest_devices.append(GuestDevice(driver, opts.id, props, loc))

    def _device_help(self) -> None:
        """qemu_process_help_options(): ``-device help`` and ``-device DRIVER,help``.

        Each prints and ends the program with status 0, even when
        device-list-properties fails (its error goes to stderr).  With a
        persona only the modelled devices are known.
        """
        for opts in self.device_group.entries:
            driver = opts.get("driver")
            if driver is None:
                continue
            asks = any(is_help_option(key) for key, _ in opts.items)
            if self.persona is not None:
                if driver in DEVICES and asks:
                    raise self._stdout(DEVICE_NO_OPTIONS.format(driver))
                continue
            if not asks and not is_help_option(driver):
                continue
            # Only for a help request: the type tree is not read otherwise.
            from qmonitor.machine.qom_types import QomTypes
            from qmonitor.qapi.error import QapiError

            types = QomTypes()
            if is_help_option(driver):
                raise self._stdout(types.device_help())
            try:
                text = types.device_options_help(driver)
            except QapiError as err:
                self._print(Diagnostic(err.desc), opts.loc)
                raise CmdlineError("".join(self.stderr), 0, "stderr") from None
            raise self._stdout(text)

    def _create_devices(self, machine: str) -> tuple[DeviceConfig, ...]:
        """qemu_create_cli_devices(), for the devices qmonitor models.

        Other drivers are accepted unchecked and listed as unmodelled.
        """
        devices: list[DeviceConfig] = []
        for opts in self.device_group.entries:
            loc = opts.loc
            values = opts.as_dict()
            driver = values.pop("driver", None)
            if driver is None:
                raise self._fail(MISSING_PARAMETER.format("driver"), loc)
            if driver not in DEVICES:
                self._check_device_type(driver, loc)
                self.unmodelled.append(loc)
                continue
            bus_type, properties = DEVICES[driver]
            bus = values.pop("bus", None)
            has_isa = machine not in NO_DEFAULT_PORTS
            if bus is not None:
                if not has_isa or bus != ISA_BUS:
                    raise self._fail(DEVICE_BUS_NOT_FOUND.format(bus), loc)
            elif not has_isa:
                raise self._fail(DEVICE_NO_BUS.format(bus_type, driver), loc)
            for name in values:
                if name not in properties:
                    raise self._fail(DEVICE_PROPERTY_NOT_FOUND.format(driver, name), loc)
            devices.append(DeviceConfig(driver, opts.id, loc))
        # QEMU creates the JSON ones after the others.
        for device, loc in self.json_devices:
            self._check_device_type(device.driver, loc)
        return tuple(devices)

    def _check_device_type(self, driver: str, loc: str) -> None:
        """qdev_get_device_class(): the driver must name a device a user may create.

        Checked against QEMU 7.2's device types; a persona's QEMU may have
        others, so with one only the modelled devices are checked.
        """
        if self.persona is not None or is_help_option(driver):
            return  # -device help: QEMU's list of devices is not modelled
        from qmonitor.machine.device_types import device_type_error

        error = device_type_error(driver)
        if error is not None:
            raise self._fail(error, loc)

    def _opt_object(self, arg: str | None, loc: str) -> None:
        """object_option_parse(): checked now, created before the chardevs."""
        assert arg is not None
        from qmonitor.options.objects import ObjectError, ObjectHelp, parse_object

        try:
            cfg, warnings = parse_object(arg, loc)
        except ObjectHelp as exc:
            for message, hint in exc.warnings:
                self._print(Diagnostic(message, hint, True), loc)
            raise self._stdout(exc.text) from None
        except ObjectError as exc:
            for message, hint in exc.warnings:
                self._print(Diagnostic(message, hint, True), loc)
            raise self._fail(Diagnostic(exc.message, exc.hint), loc) from None
        for message, hint in warnings:
            self._print(Diagnostic(message, hint, True), loc)
        self.objects.append(cfg)
        if cfg.qom_type != "tls-creds-x509":
            self.unmodelled.append(loc)

    def _create_objects(self) -> None:
        """object_create_early for every object: duplicate ids, credentials loaded."""
        if not self.objects:
            return  # none: objects.py need not even be imported
        from qmonitor.options.objects import ObjectError, create_objects

        try:
            self.tls_creds = create_objects(self.objects).tls
        except ObjectError as exc:
            raise self._fail(Diagnostic(exc.message, exc.hint), exc.where) from None
