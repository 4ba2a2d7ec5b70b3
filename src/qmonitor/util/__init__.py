"""What QEMU keeps in util/: mechanisms with no knowledge of monitors or machines.

Owns QemuOpts and keyval (option strings), C number parsing, GLib's hash
order (the order QEMU lists dict members and chardevs in), the main loop
and its big lock, the polling selector the monitor I/O thread waits in,
signal watching, and making a listening unix socket.

May import: nothing of qmonitor but ``errors`` and ``version``.
"""
