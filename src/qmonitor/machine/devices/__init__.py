"""The devices of a PC (``-M pc``, ``-M q35``): qdev devices on buses, PCI, hotplug.

:mod:`.facts` reads what was recorded of each device type from QEMU 7.2
(tools/record_pcdev.py); :mod:`.qdev` holds devices and buses and prints
``info qtree``; :mod:`.pci` gives PCI devices their configuration space,
``query-pci`` and ``info pci`` and the 0xcf8/0xcfc configuration ports;
:mod:`.board` makes the devices QEMU makes by default for each board;
:mod:`.hotplug` creates devices from ``-device`` and ``device_add`` and
removes them for ``device_del``.
"""
