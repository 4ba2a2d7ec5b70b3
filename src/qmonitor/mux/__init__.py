"""The QMP multiplexer: many clients share one upstream QMP monitor."""
