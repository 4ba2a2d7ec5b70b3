"""Callbacks that must not take the process down: a bug becomes a logged traceback.

A chardev's read or accept callback, a timer's callback and the
multiplexer's handlers run from an event loop with no request to answer.
An unexpected exception there would otherwise leave half-done state behind
(a listener no longer accepting, a clock whose later timers never fire, a
client no one reads).  :func:`call_guarded` logs the traceback on the
caller's logger and reports the failure, so the caller can put its state
back and keep serving.  Errors a caller expects (``OSError`` from a socket)
are still the caller's to handle before they get here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

#: The log line of a guarded callback that raised: ``owner``, ``what``.
#: Hot paths that inline the guard (a ``try`` costs nothing until it
#: catches; a call through :func:`call_guarded` does) log this same line.
FAILED = "%s: %s failed; going on"


def call_guarded(
    log: logging.Logger,
    owner: str,
    what: str,
    fn: Callable[P, object],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> bool:
    """Run ``fn(*args)``; True if it returned, False if it raised (traceback logged).

    ``owner`` and ``what`` name the callback in the log line (``mon0: read
    handler failed``); they are only formatted then, so hot paths pay nothing.
    ``BaseException`` that is not an ``Exception`` (KeyboardInterrupt,
    SystemExit) still propagates: those end the process on purpose.
    """
    try:
        fn(*args, **kwargs)
    except Exception:
        log.exception(FAILED, owner, what)
        return False
    return True


def guarded_value(
    log: logging.Logger, owner: str, what: str, fallback: T, fn: Callable[[], T]
) -> T:
    """``fn()``, or ``fallback`` (traceback logged) if it raised."""
    try:
        return fn()
    except Exception:
        log.exception(FAILED, owner, what)
        return fallback
