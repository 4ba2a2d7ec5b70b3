"""The root of every exception qmonitor defines.

An embedder that wants to catch whatever qmonitor raises, and nothing else,
catches :class:`QmonitorError`.  Each layer keeps its own families below it
(:class:`~qmonitor.chardev.base.ChardevError`,
:class:`~qmonitor.options.cmdline.CmdlineError`,
:class:`~qmonitor.qapi.error.QapiError`, ...); the tree is drawn in the
package docstring of :mod:`qmonitor`.  This module sits at the bottom of the
layering and imports nothing of qmonitor, so any layer may derive from it.
"""

from __future__ import annotations

__all__ = ["QmonitorError"]


class QmonitorError(Exception):
    """Base class of every exception raised by qmonitor.

    Some subclasses also derive from a built-in exception where callers
    already catch that one (``SchemaBindingError`` is a ``ValueError``,
    ``ReplayDivergence`` an ``AssertionError``).
    """
