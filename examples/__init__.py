"""Example emulators built on qmonitor's embedding API."""
