"""QEMU's command line: argv to a configuration, with QEMU's syntax, help and error texts.

Owns the option table, the parsers of each option group (chardev compat
forms, ``-mon``/``-qmp``, ``-machine``, ``-cpu``, ``-smp``, ``-device``,
``-object``, ``-audiodev``, ...), the late checks QEMU makes once the
machine type is known, and the help texts.  The result is a ``Config``
that ``system`` (or an embedder) turns into a running machine.

May import: ``machine`` (its tables: machine types, CPU models, device
types), ``qapi``, ``qjson``, ``util`` (and ``errors``, ``version``).
"""
