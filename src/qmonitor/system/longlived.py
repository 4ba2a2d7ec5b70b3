"""Start-up's objects leave the cyclic garbage collector's view once the machine is built.

Building the null machine leaves some tens of thousands of objects that live
as long as the process: the schema, the command tables, QOM types, machine
and device descriptions.  CPython's full collection walks every tracked
object each time it runs, and HMP commands, ``human-monitor-command`` and
event-heavy work allocate enough to trigger one now and then; each then
costs in proportion to everything start-up built, in the thread that
happens to allocate, holding the GIL against the monitor I/O thread.
:func:`settle_startup_objects` moves them into the collector's permanent
generation (:func:`gc.freeze`), so later collections only walk what was
made after start-up.  Frozen objects are still freed by reference
counting when their last reference goes; only reference cycles among
them are never collected.  Start-up leaves a few hundred such objects
(some kilobytes, once per process); collecting them first would cost a
full collection of everything start-up built (tens of milliseconds)
before the first reply, which is what this module saves later.
"""

from __future__ import annotations

import gc


def settle_startup_objects() -> int:
    """Freeze every object start-up left; how many the permanent generation holds now."""
    gc.freeze()
    return gc.get_freeze_count()
