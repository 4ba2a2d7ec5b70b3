"""Results that are costly to compute and never change for the same inputs, kept on disk.

Checking the null machine's QAPI schema takes tens of milliseconds at every
start, and its introspection as much again at the first ``query-qmp-schema``;
both depend only on the schema text and on qmonitor's code.  The result is
pickled under the user's cache directory (``$QMONITOR_CACHE_DIR``, else
``$XDG_CACHE_HOME/qmonitor``, else ``~/.cache/qmonitor``), named by a hash of
everything it depends on, so a changed input never meets a stale file.  The
cache is an optimisation only: an unreadable, corrupt or unwritable file
means the value is computed as if there were none.  ``QMONITOR_CACHE_DIR=off``
turns it off.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import TypeVar

# The interpreter's own SHA-256 and unpickler: hashlib loads OpenSSL's
# libcrypto and pickle its Python half, about 1 MB of resident memory that
# a process reading one cached value does not need (pickle comes in only to
# write one).
try:
    from _sha256 import sha256 as _sha256  # type: ignore[import-not-found]  # CPython 3.11
except ImportError:  # pragma: no cover - other versions and interpreters
    from hashlib import sha256 as _sha256
try:
    from _pickle import load as _load
except ImportError:  # pragma: no cover - an interpreter without the C pickler
    from pickle import load as _load

T = TypeVar("T")

#: The environment variable naming the cache directory (``off``: no cache).
ENV = "QMONITOR_CACHE_DIR"


def cache_dir() -> str | None:
    """Where cached values live, or None when caching is off."""
    explicit = os.environ.get(ENV)
    if explicit is not None:
        return None if explicit in ("", "off") else explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "qmonitor")


def source_digest(files: Iterable[str]) -> str:
    """A hash of the contents of ``files`` (the code a cached value was made by)."""
    digest = _sha256()
    for path in sorted(files):
        digest.update(os.path.basename(path).encode())
        with open(path, "rb") as f:
            digest.update(f.read())
    return str(digest.hexdigest())


def cache_key(*parts: str) -> str:
    """A file-name-safe hash of ``parts`` and the interpreter's version."""
    digest = _sha256(sys.version.encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part.encode())
    return str(digest.hexdigest())[:32]


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """The value ``build()`` returns, read from the cache when a file for ``key`` exists."""
    directory = cache_dir()
    if directory is None:
        return build()
    path = os.path.join(directory, f"{name}-{key}.pickle")
    try:
        with open(path, "rb") as f:
            value: T = _load(f)
        return value
    except Exception:  # a missing or damaged cache file is only a miss
        pass
    value = build()
    _store(path, value)
    return value


def _store(path: str, value: object) -> None:
    """Write ``value`` atomically; a cache that cannot be written is skipped."""
    import pickle

    # Unique per process and thread: concurrent writers each rename a whole file.
    tmp = f"{path}.{os.getpid()}.{id(value):x}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, pickle.PicklingError, RecursionError):
        pass
