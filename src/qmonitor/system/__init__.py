"""The process: from a parsed command line to a running machine, and its end.

Owns start-up (opening chardevs in command-line order, creating monitors,
qtest, checks that need the chardevs open), signal handling and the
termination line, daemonizing and the pid file, and running the main loop
until the machine shuts down.

May import every package below it: ``persona``, ``mux``, ``options``,
``machine``, ``monitor``, ``qmp``, ``qapi``, ``chardev``, ``qjson``, ``util``.
"""
