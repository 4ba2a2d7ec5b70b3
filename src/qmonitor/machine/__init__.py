"""The null machine: everything QEMU's machine shows a client, for a guest that does nothing.

Owns the run state and its events, machine types and guest shape (CPUs,
RAM), QOM, the devices it models (MC146818 RTC, ib700 watchdog, vCPUs),
the virtual clock, qtest, migration state, its QMP commands and their
schema (``machine/schema``), its HMP commands and ``info`` subcommands,
and the composition of its schema with an embedder's.

May import: ``monitor``, ``qmp``, ``qapi``, ``chardev``, ``qjson``, ``util``
(and ``errors``, ``version``); never the command line (``options``).
"""
