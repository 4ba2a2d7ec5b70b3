"""The order QEMU lists its chardevs in (``info chardev``, ``query-chardev``).

QEMU keeps every chardev as a child of the ``/chardevs`` container, that
is in the container's property table: a GLib ``GHashTable`` keyed by the
chardev's id with ``g_str_hash``.  ``qmp_query_chardev`` walks that table
and prepends each chardev to its answer, so the listing is the table's
iteration order reversed.  The iteration order depends on GLib's open
addressing: the bucket ``(hash * 11) % prime`` in 32-bit unsigned
arithmetic, quadratic probing, and growing the table in place (GLib ≥ 2.59
moves entries by eviction, so collisions settle differently than a fresh
re-insertion would).  Chardevs are never removed here, so the model only
inserts.
"""

from __future__ import annotations

from collections.abc import Iterable

from qmonitor.util.ghash import StrTable


def listing_order(labels: Iterable[str]) -> list[str]:
    """Chardev ids, given in creation order, in the order QEMU lists them."""
    table = StrTable()
    for label in labels:
        table.insert(label)
    return list(reversed(table.live_keys()))
