"""The QMP session, sans-IO: bytes in, requests out; replies and events in, bytes out."""
