"""Ask the host's ``/dev/kvm`` what it supports, as QEMU 7.2 does when KVM starts.

QEMU opens ``/dev/kvm`` (accel/kvm/kvm-all.c: kvm_init), checks the API
version, and later reads the CPUID features KVM offers
(KVM_GET_SUPPORTED_CPUID), its MSR lists and feature MSRs
(target/i386/kvm/kvm.c).  This module does those ioctls and hands the
answers to the sans-IO :mod:`qmonitor.machine.kvm_cpuid` as a
:class:`~qmonitor.machine.kvm_cpuid.KvmHost`.  Where ``/dev/kvm`` cannot be
opened it raises :class:`KvmUnavailable` with QEMU's texts.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Final

from qmonitor.errors import QmonitorError
from qmonitor.machine.kvm_cpuid import KvmHost, unavailable_features

DEVICE: Final = "/dev/kvm"
# Texts of accel/kvm/kvm-all.c and softmmu/vl.c (QEMU 7.2).
CANNOT_ACCESS: Final = "Could not access KVM kernel module: {}"
TOO_OLD: Final = "kvm version too old"
NOT_SUPPORTED: Final = "kvm version not supported"
INIT_FAILED: Final = "failed to initialize kvm: {}"

#: KVM_API_VERSION of linux/kvm.h: the only one QEMU accepts.
API_VERSION: Final = 12
# ioctl numbers of linux/kvm.h (_IO/_IOWR on KVMIO 0xAE).
_GET_API_VERSION: Final = 0xAE00
_CHECK_EXTENSION: Final = 0xAE03
_GET_MSR_INDEX_LIST: Final = 0xC004AE02
_GET_SUPPORTED_CPUID: Final = 0xC008AE05
_GET_MSR_FEATURE_INDEX_LIST: Final = 0xC004AE0A
_GET_MSRS: Final = 0xC008AE88
_CAP_TSC_DEADLINE_TIMER: Final = 72
_CAP_GET_MSR_FEATURES: Final = 153
_CAP_SYS_ATTRIBUTES: Final = 209
_GET_DEVICE_ATTR: Final = 0x4018AEE2
#: KVM_X86_XCOMP_GUEST_SUPP: the XSAVE components a guest may have.
_XCOMP_GUEST_SUPP: Final = 0
_CPUID_ENTRY: Final = struct.Struct("7I12x")
_MSR_ENTRY: Final = struct.Struct("IIQ")
#: The host CPUs whose TSX QEMU does not trust (host_tsx_broken): Haswell models.
_TSX_BROKEN_MODELS: Final = frozenset((60, 69, 70))


class KvmUnavailable(QmonitorError):
    """KVM cannot start: what QEMU prints, a raw line then one with the program's name."""

    def __init__(self, raw: str, message: str, code: int) -> None:
        super().__init__(message)
        #: the errno QEMU's kvm_init returned
        self.errno = code
        #: printed as is (QEMU's fprintf), before ``message``
        self.raw = raw
        #: printed with the program name (error_report)
        self.message = message


def open_kvm(path: str = DEVICE) -> int:
    """Open ``/dev/kvm`` and check its API version as kvm_init does; the descriptor.

    :raises KvmUnavailable: with QEMU's texts.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        code = exc.errno or errno.EIO
        raise KvmUnavailable(
            CANNOT_ACCESS.format(os.strerror(code)) + "\n",
            INIT_FAILED.format(os.strerror(code)),
            code,
        ) from None
    try:
        version = fcntl.ioctl(fd, _GET_API_VERSION)
    except OSError as exc:
        os.close(fd)
        code = exc.errno or errno.EIO
        raise KvmUnavailable(TOO_OLD + "\n", INIT_FAILED.format(os.strerror(code)), code) from None
    if version != API_VERSION:
        os.close(fd)
        raise KvmUnavailable(
            NOT_SUPPORTED + "\n", INIT_FAILED.format(os.strerror(errno.EINVAL)), errno.EINVAL
        )
    return fd


def probe_kvm(path: str = DEVICE) -> KvmUnavailable | None:
    """Whether KVM starts here (kvm_init's first steps): None, or why not."""
    try:
        os.close(open_kvm(path))
    except KvmUnavailable as exc:
        return exc
    return None


def _supported_cpuid(fd: int) -> tuple[tuple[int, int, int, int, int, int, int], ...]:
    """KVM_GET_SUPPORTED_CPUID, growing the buffer as QEMU does until it fits."""
    count = 1
    while True:
        buf = bytearray(struct.pack("II", count, 0) + bytes(_CPUID_ENTRY.size * count))
        try:
            fcntl.ioctl(fd, _GET_SUPPORTED_CPUID, buf, True)
        except OSError as exc:
            if exc.errno != errno.E2BIG:
                raise
            count *= 2
            continue
        found = struct.unpack_from("I", buf)[0]
        if found >= count:
            count *= 2
            continue
        entries = (_CPUID_ENTRY.unpack_from(buf, 8 + _CPUID_ENTRY.size * i) for i in range(found))
        return tuple((a, b, c, d, e, f, g) for a, b, c, d, e, f, g in entries)


def _msr_list(fd: int, request: int) -> list[int]:
    """An MSR index list ioctl, asked once for its size and once for the list."""
    count = 64
    while True:
        buf = bytearray(struct.pack("I", count) + bytes(4 * count))
        try:
            fcntl.ioctl(fd, request, buf, True)
        except OSError as exc:
            if exc.errno != errno.E2BIG:
                raise
            count = max(count * 2, struct.unpack_from("I", buf)[0])
            continue
        found = struct.unpack_from("I", buf)[0]
        return list(struct.unpack_from(f"{found}I", buf, 4))


def _feature_msrs(fd: int) -> dict[int, int]:
    """Each feature MSR's value as KVM offers it (KVM_GET_MSRS on the system descriptor)."""
    if fcntl.ioctl(fd, _CHECK_EXTENSION, _CAP_GET_MSR_FEATURES) <= 0:
        return {}
    out = {}
    for index in _msr_list(fd, _GET_MSR_FEATURE_INDEX_LIST):
        buf = bytearray(struct.pack("II", 1, 0) + _MSR_ENTRY.pack(index, 0, 0))
        if fcntl.ioctl(fd, _GET_MSRS, buf, True) == 1:
            out[index] = _MSR_ENTRY.unpack_from(buf, 8)[2]
    return out


def _xcomp_guest_supp(fd: int) -> int | None:
    """KVM_GET_DEVICE_ATTR(0, KVM_X86_XCOMP_GUEST_SUPP) on the system descriptor, if KVM has it."""
    if fcntl.ioctl(fd, _CHECK_EXTENSION, _CAP_SYS_ATTRIBUTES) <= 0:
        return None
    import ctypes  # only here: the attribute is read through a pointer

    value = ctypes.c_uint64(0)
    attr = struct.pack("IIQQ", 0, 0, _XCOMP_GUEST_SUPP, ctypes.addressof(value))
    try:
        fcntl.ioctl(fd, _GET_DEVICE_ATTR, attr)
    except OSError:
        return None
    return value.value


def _host_tsx_broken(cpuinfo: str) -> bool:
    """Whether the host is a Haswell QEMU does not trust with TSX (host_tsx_broken)."""
    fields: dict[str, str] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    try:
        family, model, stepping = (int(fields[k]) for k in ("cpu family", "model", "stepping"))
    except (KeyError, ValueError):
        return False
    return (
        fields.get("vendor_id") == "GenuineIntel"
        and family == 6
        and ((model == 63 and stepping < 4) or model in _TSX_BROKEN_MODELS)
    )


def read_kvm_host() -> KvmHost:
    """The host's KVM as QEMU asks it.

    :raises KvmUnavailable: where ``/dev/kvm`` cannot be used.
    """
    fd = open_kvm()
    try:
        cpuid = _supported_cpuid(fd)
        msrs = frozenset(_msr_list(fd, _GET_MSR_INDEX_LIST))
        feature_msrs = _feature_msrs(fd)
        tsc_deadline = fcntl.ioctl(fd, _CHECK_EXTENSION, _CAP_TSC_DEADLINE_TIMER) > 0
        xcomp = _xcomp_guest_supp(fd)
    finally:
        os.close(fd)
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as file:
            tsx_broken = _host_tsx_broken(file.read())
    except OSError:
        tsx_broken = False
    return KvmHost(cpuid, feature_msrs, msrs, tsc_deadline, tsx_broken, xcomp)


@lru_cache(maxsize=1)
def host_kvm() -> KvmHost:
    """The host's KVM, asked once per process as QEMU asks it once (get_supported_cpuid).

    :raises KvmUnavailable: where ``/dev/kvm`` cannot be used.
    """
    return read_kvm_host()


def kvm_cpu_definitions(definitions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """query-cpu-definitions under KVM: each model's features this host's KVM lacks."""
    try:
        host = host_kvm()
    except KvmUnavailable:
        return [dict(d) for d in definitions]
    out = []
    for definition in definitions:
        entry = dict(definition)
        entry["unavailable-features"] = unavailable_features(entry["name"], host)
        out.append(entry)
    return out
