"""The QMP protocol, sans-IO: bytes in to requests, replies and events out to bytes.

Owns the session state (capabilities negotiation, OOB), the checks of a
request's shape with QEMU's texts, and the encoding of what a monitor
sends.  Imports nothing that does IO; a test checks it.

May import: ``qapi``, ``qjson``, ``util`` (and ``errors``, ``version``).
"""
