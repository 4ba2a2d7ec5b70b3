"""Termination signals with their sender, for QEMU's "terminating on signal" line.

QEMU takes SIGTERM, SIGINT and SIGHUP with ``SA_SIGINFO`` and, when it
shuts down, says who sent the signal::

    qemu-system-x86_64: terminating on signal 15 from pid 4242 (/usr/bin/virtqemud)

Python's signal handlers never see the sender.  :class:`SignalWatcher`
gets it the other way: the signals are blocked in every thread (the mask
is set before any other thread starts, and threads inherit it), and one
thread takes them with ``sigwaitinfo``, which returns the sender's pid.
:func:`termination_message` is the line QEMU prints.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import TracebackType

#: The signals QEMU terminates on (os_setup_signal_handling).
TERMINATION_SIGNALS: frozenset[signal.Signals] = frozenset(
    {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
)

#: What QEMU names a sender whose command line it cannot read.
UNKNOWN_PROCESS = "<unknown process>"

SignalCallback = Callable[[int, int], object]

#: While set, watched signals take their course as if unwatched (see
#: :func:`unwatched`).
_unwatched = threading.Event()


@contextlib.contextmanager
def unwatched() -> Iterator[None]:
    """Meanwhile the watcher passes signals on to the process's disposition.

    For code that blocks before the main loop runs (``wait=on``) and sets
    the signals to their default action, as QEMU is killed there.
    """
    _unwatched.set()
    try:
        yield
    finally:
        _unwatched.clear()


def sender_name(pid: int) -> str:
    """The sender's ``argv[0]`` as QEMU prints it (``qemu_get_pid_name``)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
    except OSError:
        return UNKNOWN_PROCESS
    return cmdline.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")


def ignore_termination_signals() -> None:
    """Ignore the termination signals from now on (in the main thread, as the process ends)."""
    for signum in TERMINATION_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def termination_message(prog: str, signum: int, pid: int) -> str:
    """QEMU's line on stderr when a signal ends it (pid 0: the kernel, a terminal)."""
    if pid == 0:
        return f"{prog}: terminating on signal {signum}\n"
    return f"{prog}: terminating on signal {signum} from pid {pid} ({sender_name(pid)})\n"


class SignalWatcher:
    """Takes the termination signals in a thread of its own, sender included.

    Use it as a context manager in the main thread before any other thread
    starts: entering blocks the signals and starts the watcher; leaving
    stops it and puts the old signal mask back.  The callback that
    :meth:`deliver_to` names runs in the watcher's thread with
    ``(signum, sender_pid)``.  A signal that comes before there is one gets
    what it would have got without the watcher, the process's disposition
    (by default, QEMU's too: the signal ends the process) -- unless ``hold``:
    then it waits for the callback (the process's sockets exist already, as
    those of an early greeter do, and QEMU handles its signals by then).
    """

    def __init__(self, *, hold: bool = False) -> None:
        self._lock = threading.Lock()
        self._hold = hold
        #: Signals held for the callback (``hold``), with their senders.
        self._held: list[tuple[int, int]] = []
        self._callback: SignalCallback | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._old_mask: set[int | signal.Signals] | None = None

    def __enter__(self) -> SignalWatcher:
        self._old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, TERMINATION_SIGNALS)
        self._thread = threading.Thread(target=self._run, name="sigwatch", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            with self._lock:
                self._stopping = True
            # Wake it with a signal it waits for; it sees _stopping and ends.
            assert thread.ident is not None
            signal.pthread_kill(thread.ident, signal.SIGTERM)
            thread.join(5)
        if self._old_mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self._old_mask)

    def deliver_to(self, callback: SignalCallback) -> None:
        """Send signals to ``callback`` from now on (first those held for it)."""
        with self._lock:
            self._callback = callback
            held, self._held = self._held, []
        for signum, pid in held:
            callback(signum, pid)

    def _run(self) -> None:
        while True:
            info = signal.sigwaitinfo(TERMINATION_SIGNALS)
            with self._lock:
                if self._stopping:
                    return
                callback = self._callback
                if callback is None and self._hold and not _unwatched.is_set():
                    self._held.append((info.si_signo, info.si_pid))
                    continue
            if callback is None or _unwatched.is_set():
                _redeliver(info.si_signo)
                continue
            # RuntimeError: the loop is closed, the machine is gone already.
            with contextlib.suppress(RuntimeError):
                callback(info.si_signo, info.si_pid)


def _redeliver(signum: int) -> None:
    """Let ``signum`` take its course in this thread, as if it were not watched."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
    try:
        signal.pthread_kill(threading.get_ident(), signum)
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signum})
