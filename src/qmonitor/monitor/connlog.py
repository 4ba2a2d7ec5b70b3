"""The ``-->`` / ``<--`` DEBUG logger of one monitor connection, made only when asked for.

qemu.qmp logs every message of a connection on a logger of its own; here a
monitor's is ``qmonitor.qmp.<chardev>`` (or ``qmonitor.hmp.<chardev>``).  A
``logging.Logger`` costs about a kilobyte and lives as long as the process,
so a monitor does not create one until DEBUG is on for it: for its parent
(``qmonitor.qmp``, ``qmonitor``, the root), or for its own name, set by a
user who made that logger first.
"""

from __future__ import annotations

import logging

_DEBUG = logging.DEBUG


class ConnectionLog:
    """Where a monitor's message lines go: :attr:`logger`, once :meth:`enabled` said so."""

    __slots__ = ("logger", "name", "parent", "parent_cache")

    def __init__(self, parent: logging.Logger, label: str) -> None:
        self.parent = parent
        self.name = f"{parent.name}.{label}"
        #: The connection's logger, once it exists.
        self.logger: logging.Logger | None = None
        #: logging's cache of the parent's answers (emptied in place when any
        #: level changes): ``parent_cache.get(DEBUG) is False`` is a "no"
        #: that still holds, for callers that check on every read.
        self.parent_cache: dict[int, bool] | None = getattr(parent, "_cache", None)

    def enabled(self) -> bool:
        """Whether DEBUG lines of this connection are wanted now (cheap: once per chunk)."""
        logger = self.logger
        if logger is None:
            # logging caches each logger's answers and forgets them all when
            # any level changes (setLevel, disable): a cached "no" from the
            # parent still holds, and no logger of this connection was set.
            cache = self.parent_cache
            if cache is not None and cache.get(_DEBUG) is False:
                return False
            known = self.parent.manager.loggerDict.get(self.name)
            if isinstance(known, logging.Logger):
                logger = known
            elif self.parent.isEnabledFor(_DEBUG):
                logger = logging.getLogger(self.name)
            else:
                return False
            self.logger = logger
        return logger.isEnabledFor(_DEBUG)

    def debug(self, line: str, text: str) -> None:
        """Log ``line % text`` (call only after :meth:`enabled` said True)."""
        if self.logger is not None:
            self.logger.debug(line, text)
