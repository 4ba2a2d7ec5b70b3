"""A thread waiting for the GIL gets it within half a millisecond, not CPython's five.

The qmonitor process runs its machine on the main loop and answers
out-of-band requests on the monitor I/O thread (monitor/monitor.c's
iothread).  Whenever the main loop runs Python without a blocking call in
between (a run of in-band commands, HMP's output, events for many
monitors), the I/O thread waits for the interpreter's switch interval
before it may answer: with CPython's default of 5 ms, an ``exec-oob``
round trip while another monitor keeps the main loop busy took about a
millisecond on average and 13 ms at the 99th percentile, slower than QEMU,
whose I/O thread never waits for its main loop.  A shorter interval costs
the busy thread a switch it would have made anyway a little later.  Only
the ``qmonitor`` command sets it: a program that embeds the monitor keeps
its own.
"""

from __future__ import annotations

import sys

#: The interval (seconds) after which a thread waiting for the GIL asks
#: the running one to let it go.
SWITCH_INTERVAL = 0.0005


def favour_waiting_threads() -> None:
    """Shorten the interpreter's switch interval to :data:`SWITCH_INTERVAL`."""
    sys.setswitchinterval(SWITCH_INTERVAL)
