"""The PCI pieces alone: property formats, addresses, configuration ports, bridges."""

from __future__ import annotations

import pytest

from qmonitor.machine.devices.board import DefaultDevices, PcDevices
from qmonitor.machine.devices.facts import facts, format_value, size_to_str
from qmonitor.machine.devices.hotplug import _integer, parse_devfn
from qmonitor.machine.devices.pci import ConfigPorts, info_pci_text
from qmonitor.qapi.error import QapiError


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0 B"), (512, "512 B"), (2 << 30, "2 GiB"), ((1 << 32) - 1, "4 GiB"),
     (134217728, "128 MiB"), ((1 << 64) - 1, "16 EiB"), (1536, "1.5 KiB")],
)  # fmt: skip
def test_sizes_print_as_qemus_size_to_str(value: int, text: str) -> None:
    assert size_to_str(value) == text


def test_values_print_as_their_defaults_did() -> None:
    assert format_value("0 (0x0)", -1) == "-1 (0xffffffffffffffff)"
    assert format_value("01.3", 0x1F << 3 | 2) == "1f.2"
    assert format_value('""', "ide2-cd0") == '"ide2-cd0"'
    assert format_value("true", False) == "false"
    assert format_value("0 (0 B)", 1 << 30) == "1073741824 (1 GiB)"


@pytest.mark.parametrize(
    ("text", "devfn"),
    [("2", 16), ("0x2", 16), ("1f.7", 255), ("a.1", 81), ("0x20", None), ("1.8", None),
     ("", None), ("x", None), ("1.", None), (" 1", 8), ("1. 2", 10), ("+1", 8), ("-1", None),
     ("1.2x", None), ("1 ", None)],
)  # fmt: skip
def test_pci_addresses_parse_as_qemus(text: str, devfn: int | None) -> None:
    assert parse_devfn(text) == devfn


def _pc(q35: bool = False) -> PcDevices:
    return PcDevices(q35, DefaultDevices(), 128 << 20, 128 << 20)


def test_configuration_ports_read_the_recorded_space() -> None:
    pc = _pc()
    ports = ConfigPorts(pc.root)
    ports.port_write(0, 4, 0x80000000)  # 00:00.0, register 0
    assert ports.port_read(0, 4) == 0x80000000
    assert ports.port_read(4, 4) == 0x12378086
    assert ports.port_read(6, 2) == 0x1237
    ports.port_write(0, 4, 0x80000002)  # the low bits select the byte too
    assert ports.port_read(4, 2) == 0x1237
    ports.port_write(0, 4, 0x80000000 | 1 << 11 | 0x0E)  # PIIX3's header type
    assert ports.port_read(4, 1) == 0x80
    ports.port_write(0, 4, 0x80000000 | 31 << 11)  # no device
    assert ports.port_read(4, 4) == 0xFFFFFFFF
    ports.port_write(0, 4, 0x00000000)  # configuration cycles off
    assert ports.port_read(4, 2) == 0xFFFF
    i440fx = facts("i440FX").config
    assert i440fx is not None and i440fx[0x72] == 0x02  # SMRAM's reset value


def test_devices_fill_the_first_free_slot() -> None:
    pc = _pc()
    assert sorted(pc.root.devices) == [0, 8, 9, 11, 16, 24]  # i440FX, PIIX, VGA, e1000
    assert pc.root.free_devfn() == 32
    q35 = _pc(q35=True)
    assert sorted(q35.root.devices) == [0, 8, 16, 248, 250, 251]


def test_info_pci_prints_a_bridge_and_a_class_without_description() -> None:
    dev = {
        "bus": 0, "slot": 3, "function": 0, "irq_pin": 1, "irq": 0, "qdev_id": "br0",
        "class_info": {"class": 1540}, "id": {"vendor": 0x1B36, "device": 1}, "regions": [],
        "pci_bridge": {"bus": {
            "number": 0, "secondary": 0, "subordinate": 0,
            "io_range": {"base": 0, "limit": 0xFFF},
            "memory_range": {"base": 0, "limit": 0xFFFFF},
            "prefetchable_range": {"base": 0, "limit": 0xFFFFF},
        }},
    }  # fmt: skip
    assert info_pci_text([{"bus": 0, "devices": [dev]}]) == (
        "  Bus  0, device   3, function 0:\n"
        "    Class 1540: PCI device 1b36:0001\n"
        "      IRQ 0, pin A\n"
        "      BUS 0.\n"
        "      secondary bus 0.\n"
        "      subordinate bus 0.\n"
        "      IO range [0x0000, 0x0fff]\n"
        "      memory range [0x00000000, 0x000fffff]\n"
        "      prefetchable memory range [0x00000000, 0x000fffff]\n"
        '      id "br0"\n'
    )


def test_integers_read_as_strtoull_and_range_checked() -> None:
    assert _integer("n", "010", "uint8") == 8
    assert _integer("n", "0x10", "uint32") == 16
    assert _integer("n", "-1", "uint64") == (1 << 64) - 1
    with pytest.raises(QapiError, match=r"^Parameter 'n' expects uint8_t$"):
        _integer("n", "256", "uint8")
    with pytest.raises(QapiError, match=r"^Parameter 'n' expects integer$"):
        _integer("n", "ten", "int32")


def test_a_libvirt_command_line_starts() -> None:
    """Devices the model lacks (USB) and QOM-only properties do not stop a start.

    The machine is made without start-up's drives, so the disk's ``drive`` is not
    looked up: the virtio disk is made in its slot.
    """
    import asyncio
    from dataclasses import replace

    from qmonitor.machine.devices.state import pc_hotplug, startup_error
    from qmonitor.machine.machine import Machine
    from qmonitor.options.cmdline import parse_args
    from qmonitor.system.startup import machine_options

    args = [
        "-M", "pc-q35-7.2,usb=off", "-nodefaults", "-display", "none", "-S",
        "-netdev", "user,id=hostnet0",
        "-device", '{"driver":"pcie-root-port","port":16,"chassis":1,"id":"pci.1",'
                   '"bus":"pcie.0","multifunction":true,"addr":"0x2"}',
        "-device", '{"driver":"pcie-root-port","port":17,"chassis":2,"id":"pci.2",'
                   '"bus":"pcie.0","addr":"0x2.0x1"}',
        "-device", '{"driver":"qemu-xhci","p2":15,"p3":15,"id":"usb","bus":"pci.2","addr":"0x0"}',
        "-device", '{"driver":"usb-tablet","id":"input0","bus":"usb.0","port":"1"}',
        "-device", '{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0",'
                   '"mac":"52:54:00:aa:bb:cc","bus":"pci.1","addr":"0x0","bootindex":1}',
        "-device", '{"driver":"virtio-blk-pci","bus":"pcie.0","addr":"0x5","drive":"d0"}',
    ]  # fmt: skip

    async def run() -> None:
        config = parse_args(args, "qemu-system-x86_64")
        machine = Machine(replace(machine_options(config), use_io_thread=False))
        assert startup_error(machine) is None
        hotplug = pc_hotplug(machine)
        assert hotplug is not None
        net = hotplug.by_id["net0"]
        assert net.buses[0].children[0].values["mac"] == "52:54:00:aa:bb:cc"
        assert sorted(hotplug.pc.root.devices) == [0, 16, 17, 40, 248, 250, 251]

    asyncio.run(run())
