"""The machine's network: net clients (back-ends, hub ports, NICs) and what shows them.

:mod:`.clients` keeps QEMU's list of net clients with their peers, hubs
and link state; :mod:`.show` prints ``info network`` and answers
``query-rx-filter``; :mod:`.cmdline` creates the back-ends and NICs of
``-netdev``, ``-nic`` and ``-net`` at start-up; :mod:`.opts` reads a
back-end's options given as text (the command line, HMP ``netdev_add``).
No frame ever moves: the guest does nothing.
"""
