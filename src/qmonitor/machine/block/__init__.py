"""The null machine's block layer: its graph of block nodes and the drivers that open them.

:mod:`.graph` keeps the nodes by name as QEMU's block.c does (names, their
errors, generated ``#blockNNN`` names); :mod:`.drivers` opens the nodes of
the drivers a machine without storage can really back (null-co, null-aio,
blkdebug, file, raw), touching the host as QEMU does: a blkdebug config
file is opened and read on the main loop, so a FIFO there blocks the main
loop until a writer comes (out-of-band commands are still served).
"""
