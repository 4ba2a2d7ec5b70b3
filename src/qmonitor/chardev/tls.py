"""TLS on a socket chardev (QEMU's ``tls-creds``), sans-IO over memory BIOs.

QEMU wraps an accepted (or connected) socket in a TLS channel, runs the
handshake, and only then reports the connection to the frontend (the QMP
greeting goes out after the handshake).  A failed handshake drops the
connection; a server then listens for the next client.

:class:`TlsSession` does no I/O: ciphertext read from the socket goes in
through :meth:`TlsSession.receive`, plaintext comes out; plaintext to send
goes through :meth:`TlsSession.send` and the ciphertext to write waits in
:attr:`TlsSession.outgoing`.  The socket chardev moves the bytes.
"""

from __future__ import annotations

import ssl

from qmonitor.errors import QmonitorError


class TlsError(QmonitorError):
    """The handshake failed or the peer broke the TLS protocol: drop the connection."""


class TlsSession:
    """One TLS connection's state: handshake, record layer, pending ciphertext."""

    def __init__(self, ctx: ssl.SSLContext, *, server: bool, hostname: str | None) -> None:
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self._obj = ctx.wrap_bio(
            self._in, self._out, server_side=server, server_hostname=None if server else hostname
        )
        self.established = False
        #: Ciphertext waiting to be written to the socket.
        self.outgoing = bytearray()

    def start(self) -> None:
        """Begin the handshake (a client's hello goes to :attr:`outgoing`)."""
        self._handshake()

    def _drain(self) -> None:
        pending = self._out.pending
        if pending:
            self.outgoing += self._out.read(pending)

    def _handshake(self) -> None:
        try:
            self._obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLError, ValueError) as exc:
            self._drain()  # the alert, if any
            raise TlsError(str(exc)) from None
        else:
            self.established = True
        self._drain()

    def receive(self, data: bytes) -> tuple[bytes, bool]:
        """Feed ciphertext; returns (plaintext, handshake just completed).

        Empty plaintext with the peer's close_notify raises :class:`EOFError`.
        """
        self._in.write(data)
        just_done = False
        if not self.established:
            self._handshake()
            if not self.established:
                return b"", False
            just_done = True
        chunks: list[bytes] = []
        while True:
            try:
                chunk = self._obj.read(65536)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                if not chunks:
                    raise EOFError from None
                break
            except ssl.SSLError as exc:
                raise TlsError(str(exc)) from None
            if not chunk:
                break
            chunks.append(chunk)
        self._drain()
        return b"".join(chunks), just_done

    def send(self, data: bytes) -> None:
        """Encrypt ``data`` (all of it) into :attr:`outgoing`."""
        view = memoryview(data)
        while view:
            n = self._obj.write(view[:16384])
            view = view[n:]
        self._drain()
