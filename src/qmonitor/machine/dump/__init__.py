"""Guest memory dumps as QEMU 7.2 writes them, for the null machine's memory.

:mod:`.layout` says which guest-physical blocks a dump covers,
:mod:`.notes` what the vCPUs' ELF notes hold (a CPU that never ran has
its reset registers), :mod:`.elf` writes the ELF core file.  The command itself is
:mod:`qmonitor.machine.dump_cmd`.
"""
