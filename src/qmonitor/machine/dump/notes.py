"""The ELF notes a dump carries for each vCPU: its registers, as a CPU that never ran.

Every vCPU of the null machine is in its reset state (real mode at
``f000:fff0``), so each gets the two notes QEMU writes for an x86 CPU
outside long mode: a ``CORE`` NT_PRSTATUS note with the i386
``elf_prstatus`` layout (its pid is the CPU's index plus one) and a
``QEMU`` note with the full CPU state (general registers, segment
caches, descriptor tables and control registers).  All ``CORE`` notes
come first, then all ``QEMU`` notes.
"""

from __future__ import annotations

import struct

#: Note types and names.
NT_PRSTATUS = 1
QEMU_NOTE_TYPE = 0
CORE_NAME = b"CORE\0"
QEMU_NAME = b"QEMU\0"
#: The QEMU note's version and size (its descriptor).
QEMU_STATE_VERSION = 1
QEMU_STATE_SIZE = 440
#: The i386 elf_prstatus size and where its fields sit.
PRSTATUS_SIZE = 144
PRSTATUS_PID = 24
PRSTATUS_REGS = 72

#: EDX at reset holds the CPUID signature: the default ``qemu64`` model is
#: family 15, model 107, stepping 1 (target/i386/cpu.c's builtin definition).
QEMU64_SIGNATURE = 0x00060FB1
#: The reset state of an x86 CPU (target/i386/cpu.c x86_cpu_reset).
RESET_EIP = 0xFFF0
RESET_EFLAGS = 0x2
RESET_CS_SELECTOR = 0xF000
RESET_CS_BASE = 0xFFFF0000
RESET_LIMIT = 0xFFFF
RESET_CR0 = 0x60000010
#: Segment descriptor flags after reset: code, data, LDT and busy TSS.
CODE_FLAGS = 0x9B00
DATA_FLAGS = 0x9300
LDT_FLAGS = 0x8200
TSS_FLAGS = 0x8B00


def cpuid_signature(family: int, model: int, stepping: int) -> int:
    """CPUID leaf 1's EAX for a model (what EDX holds at reset)."""
    return (
        (stepping & 0xF)
        | (model & 0xF) << 4
        | min(family, 0xF) << 8
        | (model >> 4 & 0xF) << 16
        | max(family - 0xF, 0) << 20
    )


def _note(name: bytes, kind: int, desc: bytes) -> bytes:
    head = struct.pack("<III", len(name), len(desc), kind)
    return head + _pad4(name) + _pad4(desc)


def _pad4(data: bytes) -> bytes:
    return data + bytes(-len(data) % 4)


def prstatus_note(pid: int, edx: int) -> bytes:
    """The ``CORE`` note of a CPU in its reset state (i386 layout)."""
    desc = bytearray(PRSTATUS_SIZE)
    struct.pack_into("<I", desc, PRSTATUS_PID, pid)
    # ebx ecx edx esi edi ebp eax; ds es fs gs (with padding); orig_eax eip;
    # cs; eflags esp; ss.
    regs = struct.pack(
        "<7I8H2I2H2I2H", 0, 0, edx, 0, 0, 0, 0, *([0] * 8), 0, RESET_EIP,
        RESET_CS_SELECTOR, 0, RESET_EFLAGS, 0, 0, 0,
    )  # fmt: skip
    desc[PRSTATUS_REGS : PRSTATUS_REGS + len(regs)] = regs
    return _note(CORE_NAME, NT_PRSTATUS, bytes(desc))


def _segment(selector: int, limit: int, flags: int, base: int) -> bytes:
    return struct.pack("<4IQ", selector, limit, flags, 0, base)


def qemu_state_note(edx: int) -> bytes:
    """The ``QEMU`` note of a CPU in its reset state."""
    general = [0] * 16  # rax rbx rcx rdx rsi rdi rsp rbp r8-r15
    general[3] = edx
    desc = struct.pack("<II", QEMU_STATE_VERSION, QEMU_STATE_SIZE)
    desc += struct.pack("<18Q", *general, RESET_EIP, RESET_EFLAGS)
    desc += _segment(RESET_CS_SELECTOR, RESET_LIMIT, CODE_FLAGS, RESET_CS_BASE)
    desc += _segment(0, RESET_LIMIT, DATA_FLAGS, 0) * 5  # ds es fs gs ss
    desc += _segment(0, RESET_LIMIT, LDT_FLAGS, 0)
    desc += _segment(0, RESET_LIMIT, TSS_FLAGS, 0)
    desc += _segment(0, RESET_LIMIT, 0, 0) * 2  # gdt idt
    desc += struct.pack("<6Q", RESET_CR0, 0, 0, 0, 0, 0)  # cr0-cr4, kernel_gs_base
    assert len(desc) == QEMU_STATE_SIZE
    return _note(QEMU_NAME, QEMU_NOTE_TYPE, desc)


def cpu_notes(cpus: int, edx: int = QEMU64_SIGNATURE) -> bytes:
    """Every vCPU's notes, in QEMU's order."""
    core = b"".join(prstatus_note(index + 1, edx) for index in range(cpus))
    return core + qemu_state_note(edx) * cpus
