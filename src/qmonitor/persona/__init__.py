"""Personas: a real QEMU's answers, recorded on the user's machine, replayed by qmonitor.

``qmonitor persona record --qemu PATH -o FILE`` runs the user's QEMU with
the command lines a management client uses (libvirt's capability probe, for
each accelerator that works), asks it what such a client asks -- versions,
machine types, the QMP schema, every device type's properties, CPU models
-- and writes the answers to a JSON file, keyed by command and arguments.
``qmonitor -persona FILE ...`` then answers those commands as that QEMU
did, while the run state, events, ``stop``/``cont``/``quit``, HMP and the
other live commands stay the machine's own.  Personas are never shipped:
any QEMU a user has can be impersonated.

May import: ``machine``, ``qapi``, ``qjson``, ``util`` (and ``errors``, ``version``).
"""

from __future__ import annotations

from qmonitor.persona.serve import install_persona
from qmonitor.persona.store import Persona, PersonaError, Reply

__all__ = ["Persona", "PersonaError", "Reply", "install_persona"]
