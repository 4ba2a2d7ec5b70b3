"""The QMP multiplexer: many clients share one upstream QMP monitor.

Owns ``qmonitor mux``: each client gets its own session (greeting,
negotiation, ids rewritten so replies find their sender) in front of one
connection to a QEMU or qmonitor; events go to every negotiated client.

May import: ``machine``, ``monitor``, ``qmp``, ``qapi``, ``qjson``, ``util``
(and ``errors``, ``version``).
"""
