"""Values a machine reports when the command line says nothing."""

from __future__ import annotations

#: query-uuid's answer (and ``info uuid``'s) when no ``-uuid`` was given.
NIL_UUID = "00000000-0000-0000-0000-000000000000"
