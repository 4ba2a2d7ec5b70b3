# ruff: noqa: E501  (QEMU's messages are long lines)
"""Access: TLS on TCP chardevs (``-object tls-creds-x509``, ``tls-creds=``),
peer-credential checks and the mode of unix sockets.

Certificates are made by tests/reliability/pki.py with the openssl command
line.  Error texts are QEMU 7.2's; test_errors_are_qemus compares them with
a live QEMU when one is installed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pki import OPENSSL, make_pki

from qmonitor_testsupport.procs import BASE_ARGS, QEMU, end_process, qmonitor_cmd

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")

GREETING = b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}'


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pki(tmp_path_factory.mktemp("pki"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def qmonitor(*args: str) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [*qmonitor_cmd(), *BASE_ARGS, *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        end_process(proc)


def wait_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    end = time.monotonic() + 10
    while time.monotonic() < end:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
        # A bare TCP probe would cost a (failed) TLS session: look at the
        # listening sockets instead.
        with open("/proc/net/tcp") as f:
            if any(f":{port:04X} 00000000:0000 0A" in line for line in f):
                return
        time.sleep(0.02)
    raise TimeoutError(port)


def client_ctx(pki: Path, cert: bool = True) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki / "ca-cert.pem"))
    if cert:
        ctx.load_cert_chain(pki / "client-cert.pem", pki / "client-key.pem")
    return ctx


def read_line(s: socket.socket) -> bytes:
    """One line, read a byte at a time (so nothing of the next is taken)."""
    buf = bytearray()
    while not buf.endswith(b"\r\n"):
        chunk = s.recv(1)
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def tls_session(port: int, ctx: ssl.SSLContext) -> bytes:
    """Connect over TLS, negotiate, ask query-status; the reply."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
        assert read_line(s).startswith(GREETING)
        s.sendall(b'{"execute":"qmp_capabilities"}{"execute":"query-status","id":1}')
        assert read_line(s) == b'{"return": {}}\r\n'
        return read_line(s)


def tls_server_args(pki: Path, port: int, verify: str = "on") -> list[str]:
    return [
        "-object", f"tls-creds-x509,id=tls0,dir={pki},endpoint=server,verify-peer={verify}",
        "-chardev", f"socket,id=c,host=127.0.0.1,port={port},server=on,wait=off,tls-creds=tls0",
        "-mon", "c,mode=control",
    ]  # fmt: skip


def refused(port: int, ctx: ssl.SSLContext | None) -> bool:
    """The server drops the connection without a greeting."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        if ctx is None:
            raw.sendall(b'{"execute":"qmp_capabilities"}\r\n')
            return raw.recv(4096) == b""
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            return s.recv(4096) == b""
    except (ssl.SSLError, ConnectionResetError):
        return True
    finally:
        raw.close()


# -- TLS -------------------------------------------------------------------------------


def test_tls_server_with_client_certificates(pki: Path) -> None:
    port = free_port()
    with qmonitor(*tls_server_args(pki, port)) as proc:
        wait_port(port, proc)
        assert b'"status": "running"' in tls_session(port, client_ctx(pki))
        # Refused: no client certificate, plain text, a CA the server does not trust.
        assert refused(port, client_ctx(pki, cert=False))
        assert refused(port, None)
        # ...and the monitor serves the next client as before.
        assert b'"id": 1' in tls_session(port, client_ctx(pki))
        proc.terminate()
        assert proc.wait(5) == 0
        assert proc.stderr is not None
        # QEMU prints nothing about failed handshakes; neither does qmonitor.
        err = proc.stderr.read()
        assert err.startswith(b"qmonitor: terminating on signal 15 from pid %d " % os.getpid())
        assert err.count(b"\n") == 1


def test_tls_server_verify_peer_off(pki: Path) -> None:
    port = free_port()
    with qmonitor(*tls_server_args(pki, port, verify="off")) as proc:
        wait_port(port, proc)
        assert b'"id": 1' in tls_session(port, client_ctx(pki, cert=False))


def test_untrusted_server_is_refused_by_the_client(pki: Path, tmp_path: Path) -> None:
    other = make_pki(tmp_path / "other", "another CA")
    port = free_port()
    with qmonitor(*tls_server_args(other, port, verify="off")) as proc:
        wait_port(port, proc)
        with pytest.raises(ssl.SSLCertVerificationError):
            tls_session(port, client_ctx(pki, cert=False))
        # The server is fine with a client that trusts it.
        assert b'"id": 1' in tls_session(port, client_ctx(other, cert=False))


def test_tls_client_chardev(pki: Path) -> None:
    """qmonitor connects out (server=off) with client credentials."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki / "server-cert.pem", pki / "server-key.pem")
    ctx.load_verify_locations(pki / "ca-cert.pem")
    ctx.verify_mode = ssl.CERT_REQUIRED
    got: dict[str, bytes] = {}

    def serve() -> None:
        listener.settimeout(20)
        conn, _ = listener.accept()
        with ctx.wrap_socket(conn, server_side=True) as s:
            s.settimeout(10)
            got["greeting"] = read_line(s)
            s.sendall(b'{"execute":"qmp_capabilities"}{"execute":"quit"}')
            got["rest"] = read_line(s) + read_line(s)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    args = [
        "-object", f"tls-creds-x509,id=tls0,dir={pki},endpoint=client",
        "-chardev", f"socket,id=c,host=127.0.0.1,port={port},tls-creds=tls0",
        "-mon", "c,mode=control",
    ]  # fmt: skip
    try:
        with qmonitor(*args) as proc:
            server.join(20)
            assert proc.wait(10) == 0
    finally:
        listener.close()
    assert got["greeting"].startswith(GREETING)
    assert got["rest"].startswith(b'{"return": {}}\r\n')


def test_tls_large_output_is_not_lost(pki: Path) -> None:
    """Ciphertext a slow reader has not taken waits; nothing is dropped or garbled."""
    port = free_port()
    with qmonitor(*tls_server_args(pki, port)) as proc:
        wait_port(port, proc)
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        with client_ctx(pki).wrap_socket(raw, server_hostname="127.0.0.1") as s:
            assert read_line(s).startswith(GREETING)
            n = 300
            s.sendall(b'{"execute":"qmp_capabilities"}')
            assert read_line(s) == b'{"return": {}}\r\n'
            s.sendall(b"".join(b'{"execute":"query-qmp-schema","id":%d}' % i for i in range(n)))
            time.sleep(1)  # let the server's buffers fill while we do not read
            ids = []
            reader = s.makefile("rb")
            for _ in range(n):
                line = reader.readline()
                assert line.endswith(b"}\r\n")
                ids.append(int(line.rsplit(b'"id": ', 1)[1][:-3]))
            assert ids == list(range(n))


# -- errors: QEMU's texts -----------------------------------------------------------------


def error_cases(pki: Path, tmp: Path) -> list[tuple[list[str], str]]:
    """(arguments, the stderr QEMU 7.2 prints with its name replaced by PROG)."""
    tcp = "socket,id=c,host=127.0.0.1,port=0,server=on,wait=off"
    x509 = f"tls-creds-x509,id=tls0,dir={pki}"
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    only_ca = tmp / "only-ca"
    only_ca.mkdir(exist_ok=True)
    (only_ca / "ca-cert.pem").write_bytes((pki / "ca-cert.pem").read_bytes())
    no_key = tmp / "no-key"
    no_key.mkdir(exist_ok=True)
    for name in ("ca-cert.pem", "server-cert.pem"):
        (no_key / name).write_bytes((pki / name).read_bytes())
    bad_ca = tmp / "bad-ca"
    bad_ca.mkdir(exist_ok=True)
    (bad_ca / "ca-cert.pem").write_text("garbage\n")
    for name in ("server-cert.pem", "server-key.pem"):
        (bad_ca / name).write_bytes((pki / name).read_bytes())
    mismatch = tmp / "mismatch"
    mismatch.mkdir(exist_ok=True)
    for name in ("ca-cert.pem", "server-cert.pem"):
        (mismatch / name).write_bytes((pki / name).read_bytes())
    (mismatch / "server-key.pem").write_bytes((pki / "client-key.pem").read_bytes())
    mon = ["-mon", "c"]
    return [
        (["-chardev", f"{tcp},tls-creds=tls0", *mon],
         f"PROG: -chardev {tcp},tls-creds=tls0: No TLS credentials with id 'tls0'\n"),
        (["-object", f"{x509},endpoint=client", "-chardev", f"{tcp},tls-creds=tls0", *mon],
         f"PROG: -chardev {tcp},tls-creds=tls0: Expected TLS credentials for a server endpoint\n"),
        (["-object", f"{x509},endpoint=server", "-chardev",
          "socket,id=c,host=127.0.0.1,port=1,tls-creds=tls0", *mon],
         "PROG: -chardev socket,id=c,host=127.0.0.1,port=1,tls-creds=tls0: "
         "Expected TLS credentials for a client endpoint\n"),
        (["-object", "secret,id=s0,data=x", "-chardev", f"{tcp},tls-creds=s0", *mon],
         f"PROG: -chardev {tcp},tls-creds=s0: Object with id 's0' is not TLS credentials\n"),
        (["-object", f"{x509},endpoint=server", "-chardev",
          f"socket,id=c,path={tmp}/s.sock,server=on,wait=off,tls-creds=tls0", *mon],
         f"PROG: -chardev socket,id=c,path={tmp}/s.sock,server=on,wait=off,tls-creds=tls0: "
         "'tls_creds' option is incompatible with 'unix' address type\n"),
        (["-object", f"tls-creds-x509,id=tls0,dir={empty},endpoint=server"],
         f"PROG: Unable to access credentials {empty}/ca-cert.pem: No such file or directory\n"),
        (["-object", f"tls-creds-x509,id=tls0,dir={only_ca},endpoint=server"],
         f"PROG: Unable to access credentials {only_ca}/server-cert.pem: "
         "No such file or directory\n"),
        (["-object", f"tls-creds-x509,id=tls0,dir={no_key},endpoint=server"],
         f"PROG: Unable to access credentials {no_key}/server-key.pem: "
         "No such file or directory\n"),
        (["-object", f"tls-creds-x509,id=tls0,dir={bad_ca},endpoint=server"],
         f"PROG: Unable to import CA certificate list {bad_ca}/ca-cert.pem\n"),
        (["-object", f"tls-creds-x509,id=tls0,dir={mismatch},endpoint=server"],
         f"PROG: Cannot load certificate '{mismatch}/server-cert.pem' & key "
         f"'{mismatch}/server-key.pem': The certificate and the given key do not match.\n"),
        (["-object", "tls-creds-x509,id=tls0"], "PROG: Missing 'dir' property value\n"),
        (["-object", f"{x509},endpoint=foo"],
         f"PROG: -object {x509},endpoint=foo: Parameter 'endpoint' does not accept value 'foo'\n"),
        (["-object", f"{x509},verify-peer=maybe"],
         f"PROG: -object {x509},verify-peer=maybe: Parameter 'verify-peer' expects 'on' or 'off'\n"),
        (["-object", f"{x509},bogus=1"], f"PROG: -object {x509},bogus=1: Invalid parameter 'bogus'\n"),
        (["-object", "nosuch,id=x"],
         "PROG: -object nosuch,id=x: Parameter 'qom-type' does not accept value 'nosuch'\n"),
        (["-object", "tls-creds-x509"], "PROG: -object tls-creds-x509: Parameter 'id' is missing\n"),
        (["-object", "id=x"], "PROG: -object id=x: Parameter 'qom-type' is missing\n"),
        (["-object", "tls-creds-x509,id=0bad"],
         "PROG: -object tls-creds-x509,id=0bad: Parameter 'id' expects an identifier\n"
         "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n"),
        (["-object", f"{x509},endpoint=server", "-object", f"{x509},endpoint=server"],
         f"PROG: -object {x509},endpoint=server: Duplicate ID 'tls0' for object\n"),
        (["-object", '{"qom-type":"tls-creds-x509","id":"tls0","verify-peer":"on"}'],
         '''PROG: -object {"qom-type":"tls-creds-x509","id":"tls0","verify-peer":"on"}: '''
         "Invalid parameter type for 'verify-peer', expected: boolean\n"),
        (["-object", '{"qom-type":"tls-creds-x509","id":"tls0","bogus":1}'],
         '''PROG: -object {"qom-type":"tls-creds-x509","id":"tls0","bogus":1}: '''
         "Parameter 'bogus' is unexpected\n"),
        (["-chardev", f"{tcp},tls-authz=a", *mon],
         f"PROG: -chardev {tcp},tls-authz=a: 'tls_authz' option requires 'tls_creds' option\n"),
    ]  # fmt: skip


def run_error(cmd: list[str], args: list[str], prog: str) -> tuple[int, str]:
    out = subprocess.run(
        [*cmd, *BASE_ARGS, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
        check=False,
    )
    return out.returncode, out.stderr.decode().replace(prog + ":", "PROG:")


def test_errors(pki: Path, tmp_path: Path) -> None:
    for args, expected in error_cases(pki, tmp_path):
        assert run_error(qmonitor_cmd(), args, "qmonitor") == (1, expected), args


@pytest.mark.qemu
@pytest.mark.slow
@pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64")
def test_errors_are_qemus(pki: Path, tmp_path: Path) -> None:
    assert QEMU is not None
    for args, expected in error_cases(pki, tmp_path):
        assert run_error([QEMU], args, os.path.basename(QEMU)) == (1, expected), args


def test_object_help() -> None:
    out = subprocess.run(
        [*qmonitor_cmd(), "-object", "tls-creds-x509,help"], capture_output=True, timeout=30
    )
    assert (out.returncode, out.stdout) == (
        0,
        b"tls-creds-x509 options:\n  dir=<string>\n  endpoint=<QCryptoTLSCredsEndpoint>\n"
        b"  passwordid=<string>\n  priority=<string>\n  sanity-check=<bool>\n"
        b"  verify-peer=<bool>\n",
    )
    out = subprocess.run([*qmonitor_cmd(), "-object", "help"], capture_output=True, timeout=30)
    assert out.returncode == 0
    assert out.stdout.startswith(b"List of user creatable objects:\n  authz-list\n")
    assert b"  tls-creds-x509\n" in out.stdout


# -- unix sockets: peer credentials and mode ----------------------------------------------


def wait_unix(path: Path, proc: subprocess.Popen[bytes]) -> None:
    end = time.monotonic() + 10
    while not path.exists():
        assert proc.poll() is None and time.monotonic() < end
        time.sleep(0.02)


def unix_greeting(path: Path) -> bytes:
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(str(path))
        return read_line(s)


def test_peer_uid_check(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.sock", tmp_path / "bad.sock"
    me = os.getuid()
    args = [
        "-chardev", f"socket,id=g,path={good},server=on,wait=off,x-qmonitor-peer-uid={me}",
        "-mon", "g,mode=control",
        "-chardev", f"socket,id=b,path={bad},server=on,wait=off,x-qmonitor-peer-uid={me + 1}",
        "-mon", "b,mode=control",
    ]  # fmt: skip
    with qmonitor(*args) as proc:
        wait_unix(good, proc)
        wait_unix(bad, proc)
        assert unix_greeting(good).startswith(GREETING)
        assert unix_greeting(bad) == b""  # hung up at once, before a greeting
        assert unix_greeting(bad) == b""
        assert unix_greeting(good).startswith(GREETING)
        proc.terminate()
        proc.wait(5)
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
    assert err.count(f"refused a client with uid {me}") == 2


def test_unix_socket_mode(tmp_path: Path) -> None:
    default, wide = tmp_path / "default.sock", tmp_path / "wide.sock"
    args = [
        "-chardev", f"socket,id=d,path={default},server=on,wait=off", "-mon", "d,mode=control",
        "-chardev", f"socket,id=w,path={wide},server=on,wait=off,x-qmonitor-socket-mode=0660",
        "-mon", "w,mode=control",
    ]  # fmt: skip
    with qmonitor(*args) as proc:
        wait_unix(default, proc)
        wait_unix(wide, proc)
        assert stat.S_IMODE(default.stat().st_mode) == 0o600
        assert stat.S_IMODE(wide.stat().st_mode) == 0o660
        assert unix_greeting(wide).startswith(GREETING)


def test_bad_socket_mode(tmp_path: Path) -> None:
    arg = f"socket,id=w,path={tmp_path}/w.sock,server=on,wait=off,x-qmonitor-socket-mode=999"
    rc, err = run_error(qmonitor_cmd(), ["-chardev", arg, "-mon", "w"], "qmonitor")
    assert (rc, err) == (
        1,
        f"PROG: -chardev {arg}: x-qmonitor-socket-mode: '999' is not an octal mode\n",
    )


def test_bad_peer_uid(tmp_path: Path) -> None:
    arg = f"socket,id=w,path={tmp_path}/w.sock,server=on,wait=off,x-qmonitor-peer-uid=me"
    rc, err = run_error(qmonitor_cmd(), ["-chardev", arg, "-mon", "w"], "qmonitor")
    assert (rc, err) == (1, f"PROG: -chardev {arg}: x-qmonitor-peer-uid: 'me' is not a number\n")


def test_extension_options_are_not_in_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "qmonitor", "-chardev", "socket,help"],
        capture_output=True,
        timeout=30,
    )
    assert b"x-qmonitor" not in out.stdout + out.stderr
