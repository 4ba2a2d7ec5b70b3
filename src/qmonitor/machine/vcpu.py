"""vCPU threads: real, idle threads that stand where QEMU's vCPU threads stand.

QEMU runs each vCPU in a thread of its own and reports the thread's id in
``query-cpus-fast``; libvirt pins, names and accounts those threads through
``/proc/PID/task/TID``.  So that what qmonitor reports is true of the
process, each vCPU gets a thread that does nothing but wait for the
machine to end.  With ``-name debug-threads=on`` QEMU names them
``CPU N/ACCEL`` (softmmu/cpus.c, accel/*-accel-ops.c); so does qmonitor.
"""

from __future__ import annotations

import contextlib
import threading

#: prctl's option to set the calling thread's name (linux/prctl.h).
PR_SET_NAME = 15
#: What QEMU puts after "CPU N/" for each accelerator.
ACCEL_THREAD_SUFFIX = {"tcg": "TCG", "kvm": "KVM", "qtest": "DUMMY"}
#: Seconds to wait for a vCPU thread to end (it ends as soon as told to).
JOIN_TIMEOUT = 5.0


def _set_thread_name(name: str) -> None:
    """Name the calling OS thread (best effort: the name is cosmetic)."""
    # ctypes only here: most machines never name their threads (start-up time).
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


class VcpuThreads:
    """``count`` idle threads; :attr:`thread_ids` are their kernel thread ids."""

    def __init__(self, count: int, accel: str | None, named: bool) -> None:
        self._stop = threading.Event()
        self.thread_ids: list[int] = []
        self._threads: list[threading.Thread] = []
        suffix = ACCEL_THREAD_SUFFIX.get(accel or "tcg", (accel or "tcg").upper())
        for index in range(count):
            ready = threading.Event()
            ids: list[int] = []
            name = f"CPU {index}/{suffix}" if named else None
            thread = threading.Thread(
                target=self._run, args=(name, ids, ready), name=f"vcpu{index}", daemon=True
            )
            thread.start()
            ready.wait()
            self.thread_ids.append(ids[0])
            self._threads.append(thread)

    def _run(self, name: str | None, ids: list[int], ready: threading.Event) -> None:
        if name is not None:
            _set_thread_name(name)
        ids.append(threading.get_native_id())
        ready.set()
        self._stop.wait()

    def stop(self) -> None:
        """End the threads and wait for them (they only wait for this)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(JOIN_TIMEOUT)
