"""``-snapshot`` and ``snapshot=on``: a temporary qcow2 overlay over a drive's image.

QEMU 7.2 (block.c: bdrv_append_temp_snapshot) opens the image as a backing
file would be opened (read-only), creates an empty qcow2 image of the same
size as ``$TMPDIR/vl.XXXXXX`` (``/tmp`` means ``/var/tmp``: create_tmp_file),
opens it with ``cache.direct=off,cache.no-flush=on`` and the drive's
``read-only`` and ``discard``, and appends it over the image: the drive's
BlockBackend then sits on the overlay, whose backing is the image.  The
overlay is a temporary file: file-posix unlinks it as soon as it is open,
so nothing is left in ``$TMPDIR`` and writes never reach the image.
"""

from __future__ import annotations

import os
import random
import string
from typing import Any

from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.qapi.error import QapiError

#: block.c's texts (create_tmp_file, bdrv_append_temp_snapshot).
CANNOT_OPEN_TEMPORARY = "Could not open temporary file '{}': {}"
CANNOT_CREATE_OVERLAY = "Could not create temporary overlay '{}': {}"
#: glib's g_mkstemp: the template's six X become these characters; it tries this often.
_LETTERS = string.ascii_letters + string.digits
_ATTEMPTS = 100


def temporary_dir(environ: dict[str, str] | None = None) -> str:
    """g_get_tmp_dir() as create_tmp_file uses it: ``$TMPDIR``, ``/tmp`` being ``/var/tmp``."""
    env = os.environ if environ is None else environ
    tmpdir = env.get("TMPDIR") or "/tmp"
    return "/var/tmp" if tmpdir == "/tmp" else tmpdir


def create_tmp_file(tmpdir: str) -> str:
    """g_mkstemp("DIR/vl.XXXXXX"): a new empty file of mode 0600; its name.

    :raises QapiError: QEMU's text, naming the last name tried.
    """
    rng = random.SystemRandom()
    name = ""
    for _ in range(_ATTEMPTS):
        name = f"{tmpdir}/vl." + "".join(rng.choice(_LETTERS) for _ in range(6))
        try:
            fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            reason = os.strerror(exc.errno or 0)
            raise QapiError(CANNOT_OPEN_TEMPORARY.format(name, reason)) from None
        os.close(fd)
        return name
    raise QapiError(CANNOT_OPEN_TEMPORARY.format(name, os.strerror(17)))


def check_tmpdir() -> None:
    """What create_tmp_file would refuse, without making the file (a check of the drives)."""
    tmpdir = temporary_dir()
    if os.path.isdir(tmpdir) and os.access(tmpdir, os.W_OK | os.X_OK):
        return
    errno = 13 if os.path.isdir(tmpdir) else 2 if not os.path.exists(tmpdir) else 20
    name = f"{tmpdir}/vl." + "".join(random.choice(_LETTERS) for _ in range(6))
    raise QapiError(CANNOT_OPEN_TEMPORARY.format(name, os.strerror(errno)))


def append_temp_overlay(graph: BlockGraph, base: BlockNode, options: dict[str, Any]) -> BlockNode:
    """Put a temporary overlay over ``base`` (the drive's medium); the overlay.

    ``options``: the drive's options for its medium (``read-only`` and
    ``discard`` carry over).
    """
    from qmonitor.machine.block import qcow2_image
    from qmonitor.machine.block.drivers import open_node
    from qmonitor.machine.block.node_cmds import _append  # bdrv_append, as blockdev-snapshot

    path = create_tmp_file(temporary_dir())
    try:
        qcow2_image.create(path, base.size)
    except OSError as exc:
        os.unlink(path)
        raise QapiError(CANNOT_CREATE_OVERLAY.format(path, os.strerror(exc.errno or 0))) from None
    # bdrv_create opened the new image's nodes to format it: three names spent.
    for _ in range(3):
        graph.generate_name()
    overlay_options: dict[str, Any] = {
        "cache": {"direct": False, "no-flush": True},
        "driver": "qcow2",
        "file": {"driver": "file", "filename": path},
    }
    for key in ("read-only", "discard"):
        if key in options:
            overlay_options[key] = options[key]
    try:
        overlay = open_node(graph, overlay_options, root=False)
    finally:
        # BDRV_O_TEMPORARY: file-posix removes the file once it is open.
        os.unlink(path)
    # The image was opened as a backing file is: read-only, down to its file.
    walk: BlockNode | None = base
    while walk is not None:
        walk.read_only = True
        walk = walk.children.get("file")
    overlay.parents += 1  # the drive's BlockBackend is made on it next
    _append(graph, base, overlay)
    overlay.parents -= 1
    return overlay
